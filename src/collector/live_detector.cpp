#include "collector/live_detector.h"

#include <algorithm>

namespace xmr::collector {

namespace {
std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
}  // namespace

void LiveDetector::add(const FlowRecord& record, std::int64_t wall_ms, AlertSink& alerts) {
  if (record.last_ms > max_end_ms_) {
    max_end_ms_ = record.last_ms;
    wall_at_max_ms_ = wall_ms;
    estimate_ms_ = std::max(estimate_ms_, max_end_ms_);
  }
  if (prefilter_.pass(record)) detector_.add(record, alerts);
}

void LiveDetector::tick(std::int64_t wall_ms, AlertSink& alerts) {
  if (max_end_ms_ == INT64_MIN) return;  // no data yet: nothing to close
  estimate_ms_ = std::max(estimate_ms_, max_end_ms_ + std::max<std::int64_t>(0, wall_ms - wall_at_max_ms_));
  const std::int64_t slice_ms = detector_.table().options().slice_ms;
  const std::int64_t slice = floor_div(estimate_ms_, slice_ms);
  if (slice == last_clock_slice_) return;
  last_clock_slice_ = slice;
  detector_.observe_time(estimate_ms_, alerts);
  ++clock_advances_;
}

}  // namespace xmr::collector
