#pragma once
// Learned sizes per connection, learned once and refreshed rarely (docs/detection.md).
//
// Learning is O(slices x mixes x sizes) (size_learning.h), far too costly per window, and a
// window of lW slices is also too little evidence at long slices (300 s, 1800 s): each slice
// holds many messages, whose sums neighbouring size pairs explain equally well. A connection's
// sizes do not change while it lives (same client, same pool, same framing), so they are learned
// from a bounded history of the connection's slices, longer than a window: the slices with few
// messages, which pin the sizes, accumulate over hours even when most slices are busy.
#include <cstddef>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "flow/connection_key.h"
#include "flow/slice.h"
#include "stratum/size_learning.h"

namespace xmr {

struct SizeTrackerParams {
  std::size_t history_slices = 48;  // memory bound per connection; 4 h of 300 s slices
  std::size_t refresh_slices = 6;   // re-learn after this many new slices
  std::size_t eager_slices = 20;    // below this much history, re-learn whenever the history has doubled
  SizeLearningParams learning;
};

// One connection's slices and sizes. Slices are added in index order; a slice already held (same
// index, e.g. a window sliding over it again) is ignored, so feeding each scored window is safe.
class SizeTracker {
 public:
  explicit SizeTracker(bool ipv6, const SizeTrackerParams& params = {}) : ipv6_(ipv6), params_(params) {}
  // Adds the slices of `window` newer than any held (the window builder hands overlapping windows).
  void add(std::span<const Slice> window);
  // The sizes learned from the history; re-learned first when stale. O(1) when fresh.
  const LearnedSizes& sizes();
  std::size_t history() const noexcept { return history_.size(); }
  std::span<const Slice> slices() const noexcept { return history_; }
  std::uint64_t learnings() const noexcept { return learnings_; }  // how often learn_sizes ran

 private:
  bool ipv6_;
  SizeTrackerParams params_;
  std::vector<Slice> history_;
  std::int64_t newest_index_ = INT64_MIN;
  std::size_t added_since_learning_ = 0;
  bool learned_ = false;
  LearnedSizes sizes_;
  std::uint64_t learnings_ = 0;
};

// SizeTrackers keyed by connection, for a detector: call `sizes(connection, window)` for each
// window scored and `erase(key)` when the connection ends. Memory: one bounded history per
// tracked connection; the caller's connection table already bounds how many there are.
class ConnectionSizeCache {
 public:
  explicit ConnectionSizeCache(const SizeTrackerParams& params = {}) : params_(params) {}
  const LearnedSizes& sizes(const ConnectionKey& key, bool ipv6, std::span<const Slice> window);
  // The connection's recent slices (empty if unknown), oldest first; valid until the next call.
  std::span<const Slice> history(const ConnectionKey& key) const;
  void erase(const ConnectionKey& key) { trackers_.erase(key); }
  std::size_t size() const noexcept { return trackers_.size(); }

 private:
  SizeTrackerParams params_;
  std::unordered_map<ConnectionKey, SizeTracker, ConnectionKeyHash> trackers_;
};

}  // namespace xmr
