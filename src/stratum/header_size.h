#pragma once
// The per-packet IP+TCP header size of a connection: 40 B for IPv4 without TCP options, 52 B
// with the timestamp option (RFC 7323: 10 B + 2 B padding), +20 B for IPv6 (RFC 8200 fixed
// header is 40 B against IPv4's 20 B). Flow bytes count whole IP packets, so payload is
// bytes - header * packets.
#include <cstdint>
#include <span>

#include "flow/slice.h"

namespace xmr {

struct HeaderEstimate {
  std::uint32_t header_bytes;   // per packet
  bool timestamps;              // TCP timestamp option assumed present
  std::uint32_t max_consistent; // the largest header size no slice contradicts (diagnostic)
};

// Infers the header size from the slices seen so far: no slice may have less than header bytes
// per packet (payload cannot be negative), so the smallest mean packet size bounds it from above;
// the largest standard size under that bound is taken. A direction made only of pure ACKs gives
// the bound exactly.
HeaderEstimate infer_header_size(std::span<const Slice> slices, bool ipv6) noexcept;

}  // namespace xmr
