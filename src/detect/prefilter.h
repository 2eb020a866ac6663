#pragma once
// Cheap pre-filters before the expensive path.
//
// Per record (RecordPrefilter, a few comparisons, no lookup): only TCP carries Stratum; and a
// record that holds a whole connection (it carries both the SYN and a FIN or RST) shorter than
// the shortest connection the detector can score (min of the early-scoring duration and lW - 1
// slices) can never produce a window, so it never enters the connection table. On a campus
// border most flows are UDP or short complete TCP exchanges (bench/detect_campus.sh measures the
// share dropped).
//
// Per window (stratum_sized): Stratum messages are JSON lines (xmr-ray.md: 55-1200 B for Monero;
// Zcash/Equihash submits carry a 1344-byte solution as 2.7 kB of hex, two segments), mixed with
// pure ACKs. A window whose packets average more than `max_mean_packet_bytes` in either direction
// carries bulk data (full 1448-byte segments, ~1500 B packets), not Stratum, and is not scored.
// The Equihash miners of the lab's train scenario average 930 B per packet towards the pool.
#include <cstdint>
#include <span>

#include "core/flow_record.h"
#include "flow/slice.h"

namespace xmr {

inline constexpr std::uint64_t max_mean_packet_bytes = 1200;  // below full segments, above Equihash submits

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

struct RecordPrefilterStats {
  std::uint64_t records = 0;
  std::uint64_t not_tcp = 0;
  std::uint64_t short_complete = 0;  // SYN and FIN/RST in one record, shorter than min_connection_ms
  std::uint64_t passed = 0;
};

class RecordPrefilter {
 public:
  // Complete connections shorter than this are dropped (see above); <= 0 keeps them all.
  explicit RecordPrefilter(std::int64_t min_connection_ms) noexcept : min_ms_(min_connection_ms) {}
  bool pass(const FlowRecord& r) noexcept {
    ++stats_.records;
    if (r.proto != proto_tcp) {
      ++stats_.not_tcp;
      return false;
    }
    constexpr std::uint8_t end_flags = tcp_flag::fin | tcp_flag::rst;
    if ((r.tcp_flags & tcp_flag::syn) && (r.tcp_flags & end_flags) && r.last_ms - r.first_ms < min_ms_) {
      ++stats_.short_complete;
      return false;
    }
    ++stats_.passed;
    return true;
  }
  const RecordPrefilterStats& stats() const noexcept { return stats_; }

 private:
  std::int64_t min_ms_;
  RecordPrefilterStats stats_;
};

}  // namespace xmr
