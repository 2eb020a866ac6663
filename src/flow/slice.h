#pragma once
// A slice is a fixed time bin of one connection (docs/detection.md): the two directions'
// records are cut by the exporter at different moments, so both are spread over the same
// bins, aligned to multiples of the slice length since the epoch (identical offline and live).
#include <cstdint>

#include "flow/connection_key.h"

namespace xmr {

struct DirectionCounts {
  std::uint64_t pkts = 0;
  std::uint64_t bytes = 0;
  std::uint32_t records = 0;   // records that contributed (a record spread over two bins counts in both)
  std::uint8_t tcp_flags = 0;  // OR of the contributing records' flags
  void add(std::uint64_t p, std::uint64_t b, std::uint8_t flags) noexcept {
    pkts += p;
    bytes += b;
    ++records;
    tcp_flags |= flags;
  }
};

// One closed slice, oriented: `up` is client -> server (miner -> pool for mining).
struct Slice {
  std::int64_t index = 0;  // start_ms / slice_ms
  std::int64_t start_ms = 0;
  DirectionCounts up;
  DirectionCounts down;
};

// Which end opened the connection, and why we think so (alerts show the reason).
enum class ClientBasis { home_net, syn_order, ports, fallback };
std::string_view to_string(ClientBasis b) noexcept;

struct ConnectionInfo {
  ConnectionKey key;
  bool client_is_low = true;
  ClientBasis basis = ClientBasis::fallback;
  std::int64_t first_ms = 0;  // earliest record start seen
  std::int64_t last_ms = 0;   // latest record end seen
  std::uint64_t records_up = 0;    // records kept so far, client -> server
  std::uint64_t records_down = 0;  // server -> client (0 in one direction: asymmetric routing)
  const Endpoint& client() const noexcept { return client_is_low ? key.low : key.high; }
  const Endpoint& server() const noexcept { return client_is_low ? key.high : key.low; }
};

}  // namespace xmr
