#pragma once
// Cheap pre-filter before the expensive path (size learning, features, model): Stratum messages
// are small JSON lines (xmr-ray.md: 55-1200 B, most under 450 B), each one TCP segment, mixed
// with pure ACKs. A window whose packets average more than `max_mean_packet_bytes` in either
// direction carries bulk data (full 1448-byte segments), not Stratum, and is not scored.
#include <cstdint>
#include <span>

#include "flow/slice.h"

namespace xmr {

inline constexpr std::uint64_t max_mean_packet_bytes = 700;  // 52 B header + a 450 B job, with margin for TLS

inline bool stratum_sized(std::span<const Slice> window) noexcept {
  std::uint64_t up_p = 0, up_b = 0, down_p = 0, down_b = 0;
  for (const auto& s : window) {
    up_p += s.up.pkts;
    up_b += s.up.bytes;
    down_p += s.down.pkts;
    down_b += s.down.bytes;
  }
  return up_b <= max_mean_packet_bytes * up_p && down_b <= max_mean_packet_bytes * down_p;
}

}  // namespace xmr
