#include "collector/live_detector.h"

#include <algorithm>

namespace xmr::collector {

namespace {
std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
// Mean packet size far above the pre-filter's bound (detect/prefilter.h, 700 B): never scored.
constexpr std::uint64_t clock_record_bytes = 1'000'000;
}  // namespace

bool LiveDetector::is_clock_record(const FlowRecord& r) noexcept {
  return r.src_addr == IpAddress::from_v4(0) && r.dst_addr == IpAddress::from_v4(0) && r.src_port == 0 &&
         r.dst_port == 0 && r.proto == proto_tcp;
}

void LiveDetector::add(const FlowRecord& record, std::int64_t wall_ms, AlertSink& alerts) {
  if (is_clock_record(record)) return;  // an exporter cannot forge our clock
  if (record.last_ms > max_end_ms_) {
    max_end_ms_ = record.last_ms;
    wall_at_max_ms_ = wall_ms;
    estimate_ms_ = std::max(estimate_ms_, max_end_ms_);
  }
  detector_.add(record, alerts);
}

void LiveDetector::tick(std::int64_t wall_ms, AlertSink& alerts) {
  if (max_end_ms_ == INT64_MIN) return;  // no data yet: nothing to close
  estimate_ms_ = std::max(estimate_ms_, max_end_ms_ + std::max<std::int64_t>(0, wall_ms - wall_at_max_ms_));
  const std::int64_t slice_ms = detector_.table().options().slice_ms;
  const std::int64_t slice = floor_div(estimate_ms_, slice_ms);
  if (slice == last_clock_slice_) return;
  last_clock_slice_ = slice;
  FlowRecord clock;
  clock.src_addr = IpAddress::from_v4(0);
  clock.dst_addr = IpAddress::from_v4(0);
  clock.proto = proto_tcp;
  clock.first_ms = clock.last_ms = estimate_ms_;
  clock.pkts = 1;
  clock.bytes = clock_record_bytes;
  ++clock_records_;
  detector_.add(clock, alerts);
}

}  // namespace xmr::collector
