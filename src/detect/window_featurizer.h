#pragma once
// WindowFeaturizer: the features of a connection's windows, as detection, training, evaluation
// and `explain` all compute them. Sizes are learned per connection from a bounded history of its
// slices (stratum/size_cache.h), not from each window alone: a window of lW slices is too little
// evidence at 300 s and 1800 s slices, and learning per window cost more than everything else in
// detection (docs/detection.md). Call forget() when a connection ends.
#include <cstdint>
#include <span>

#include "features/window_features.h"
#include "flow/slice.h"
#include "stratum/size_cache.h"

namespace xmr {

class WindowFeaturizer {
 public:
  explicit WindowFeaturizer(const SizeTrackerParams& params = {}) : cache_(params) {}
  // Adds the window's new slices to the connection's history, then computes its features with
  // the connection's learned sizes (copied to `sizes_out` when given).
  FeatureVector features(const ConnectionInfo& connection, std::span<const Slice> window, std::int64_t slice_ms,
                         LearnedSizes* sizes_out = nullptr);
  void forget(const ConnectionKey& key) { cache_.erase(key); }
  std::size_t tracked() const noexcept { return cache_.size(); }

 private:
  ConnectionSizeCache cache_;
};

}  // namespace xmr
