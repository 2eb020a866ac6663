#pragma once
// FlowRecord: one direction of one flow, the only type that crosses a module line (docs/architecture.md).
// Every source converts into it; nothing downstream knows the input format.
#include <cstdint>

#include "core/ip_address.h"

namespace xmr {

// Where a record came from: an index into the SourceCatalog of the run and a position in that
// source. The position is a byte offset for binary files (nfcapd: the offset of the block),
// a line number for text, a packet number (1-based) for pcap. See SourceCatalog for the kind.
struct Origin {
  std::uint32_t source = 0;
  std::uint64_t position = 0;
  friend bool operator==(const Origin&, const Origin&) = default;
};

// TCP flag bits as in the TCP header and in NetFlow's cumulative tcpFlags (RFC 9293).
namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10,
                              urg = 0x20, ece = 0x40, cwr = 0x80;
}

struct FlowRecord {
  IpAddress src_addr;
  IpAddress dst_addr;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;  // for ICMP: type << 8 | code, as NetFlow does
  std::uint8_t proto = 0;      // IANA protocol number (6 = TCP, 17 = UDP)
  std::uint8_t tcp_flags = 0;  // OR of the flags of all packets
  std::uint8_t src_tos = 0;
  std::int64_t first_ms = 0;   // Unix epoch milliseconds, UTC
  std::int64_t last_ms = 0;
  std::uint64_t pkts = 0;      // as exported, not scaled by sampling
  std::uint64_t bytes = 0;     // layer-3 bytes (IP header included), as NetFlow counts them
  std::uint32_t sampling_interval = 1;  // 1:N packet sampling; 1 = unsampled
  std::uint32_t exporter_id = 0;        // nfdump sysid / v9 source id / 0 if unknown
  IpAddress exporter_addr;              // unspecified if unknown
  std::uint32_t input_if = 0;           // SNMP ifIndex; 0 = unknown
  std::uint32_t output_if = 0;
  Origin origin;

  bool is_tcp() const noexcept { return proto == 6; }
  std::int64_t duration_ms() const noexcept { return last_ms - first_ms; }
  friend bool operator==(const FlowRecord&, const FlowRecord&) = default;
};

inline constexpr std::uint8_t proto_tcp = 6;
inline constexpr std::uint8_t proto_udp = 17;
inline constexpr std::uint8_t proto_icmp = 1;
inline constexpr std::uint8_t proto_icmp6 = 58;

}  // namespace xmr
