#pragma once
// LiveDetector: the Detector of `detect`, driven by a clock that keeps moving when the records
// stop. The Detector (like the ConnectionTable under it) reads no clock: it closes a slice only
// when a later record arrives. Live, the last records before a quiet spell would then sit in
// open slices and their alert would wait for the next export. Here the data time is estimated
// as the largest record end seen plus the wall time elapsed since it was seen, and once per
// slice boundary the Detector is shown that time.
//
// The time is shown with Detector::observe_time(), which closes slices as a record would.
//
// Records go through `detect`'s RecordPrefilter first (not TCP, or a whole TCP connection too
// short to score: dropped before the connection table), as ShardedDetector does for `detect`;
// every record still moves the clock.
#include <cstdint>

#include "detect/detector.h"
#include "detect/prefilter.h"
#include "detect/sharded_detector.h"

namespace xmr::collector {

class LiveDetector {
 public:
  explicit LiveDetector(Detector& detector)
      : detector_(detector), prefilter_(min_scorable_connection_ms(detector.options())) {}

  void add(const FlowRecord& record, std::int64_t wall_ms, AlertSink& alerts);
  // Moves the estimated data time to `wall_ms`'s equivalent; closes slices (and raises their
  // alerts) at most once per slice boundary.
  void tick(std::int64_t wall_ms, AlertSink& alerts);
  void finish(AlertSink& alerts) { detector_.finish(alerts); }

  // The estimated data time (INT64_MIN before the first record).
  std::int64_t data_time_ms() const noexcept { return estimate_ms_; }
  std::uint64_t clock_advances() const noexcept { return clock_advances_; }  // times shown
  const Detector& detector() const noexcept { return detector_; }
  const RecordPrefilterStats& prefilter_stats() const noexcept { return prefilter_.stats(); }

 private:
  Detector& detector_;
  RecordPrefilter prefilter_;
  std::int64_t max_end_ms_ = INT64_MIN;    // largest record end seen
  std::int64_t wall_at_max_ms_ = 0;        // wall time when it was seen
  std::int64_t estimate_ms_ = INT64_MIN;   // never goes back
  std::int64_t last_clock_slice_ = INT64_MIN;
  std::uint64_t clock_advances_ = 0;
};

}  // namespace xmr::collector
