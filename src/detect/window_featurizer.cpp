#include "detect/window_featurizer.h"

namespace xmr {

FeatureVector WindowFeaturizer::features(const ConnectionInfo& connection, std::span<const Slice> window,
                                         std::int64_t slice_ms, LearnedSizes* sizes_out) {
  const LearnedSizes& sizes = cache_.sizes(connection.key, !connection.key.low.addr.is_v4(), window);
  if (sizes_out) *sizes_out = sizes;
  return window_features(WindowInput{window, slice_ms, &sizes, cache_.history(connection.key)});
}

}  // namespace xmr
