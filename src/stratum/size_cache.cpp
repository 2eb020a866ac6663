#include "stratum/size_cache.h"

#include <vector>

namespace xmr {

void SizeTracker::add(std::span<const Slice> window) {
  for (const auto& s : window) {
    if (s.index <= newest_index_) continue;  // already held
    newest_index_ = s.index;
    history_.push_back(s);
    ++added_since_learning_;
    // A few dozen slices: dropping the oldest by moving the rest keeps the history one span.
    if (history_.size() > params_.history_slices) history_.erase(history_.begin());
  }
}

const LearnedSizes& SizeTracker::sizes() {
  // While evidence is thin, re-learn when the history has doubled since the last learning (1, 2,
  // 4, 8, 16 slices): sizes settle fast and learning costs O(history).
  const bool eager = history_.size() < params_.eager_slices && added_since_learning_ > 0 &&
                     added_since_learning_ >= history_.size() - added_since_learning_;
  if (!learned_ || eager || added_since_learning_ >= params_.refresh_slices) {
    sizes_ = learn_sizes(history_, ipv6_, params_.learning);
    learned_ = true;
    added_since_learning_ = 0;
    ++learnings_;
  }
  return sizes_;
}

const LearnedSizes& ConnectionSizeCache::sizes(const ConnectionKey& key, bool ipv6, std::span<const Slice> window) {
  auto it = trackers_.try_emplace(key, ipv6, params_).first;
  it->second.add(window);
  return it->second.sizes();
}

std::span<const Slice> ConnectionSizeCache::history(const ConnectionKey& key) const {
  const auto it = trackers_.find(key);
  return it == trackers_.end() ? std::span<const Slice>{} : it->second.slices();
}

}  // namespace xmr
