#include "stratum/header_size.h"

#include <algorithm>
#include <limits>

namespace xmr {

namespace {
constexpr std::uint32_t ipv4_tcp_header = 40;   // RFC 791 (20) + RFC 9293 (20)
constexpr std::uint32_t tcp_timestamp_option = 12;  // RFC 7323 §3: kind 8, len 10, padded to 12
constexpr std::uint32_t ipv6_extra = 20;        // RFC 8200: 40-byte fixed header

void bound(const DirectionCounts& d, std::uint64_t& min_per_packet) {
  if (d.pkts == 0) return;
  min_per_packet = std::min<std::uint64_t>(min_per_packet, d.bytes / d.pkts);
}
}  // namespace

HeaderEstimate infer_header_size(std::span<const Slice> slices, bool ipv6) noexcept {
  std::uint64_t min_per_packet = std::numeric_limits<std::uint64_t>::max();
  for (const auto& s : slices) {
    bound(s.up, min_per_packet);
    bound(s.down, min_per_packet);
  }
  const std::uint32_t base = ipv4_tcp_header + (ipv6 ? ipv6_extra : 0);
  const std::uint32_t with_ts = base + tcp_timestamp_option;
  HeaderEstimate e;
  e.max_consistent = static_cast<std::uint32_t>(std::min<std::uint64_t>(min_per_packet, 0xffffffffu));
  // Linux, macOS and modern Windows stacks negotiate timestamps by default: prefer them when no
  // slice rules them out.
  e.timestamps = min_per_packet >= with_ts;
  e.header_bytes = e.timestamps ? with_ts : base;
  return e;
}

}  // namespace xmr
