#include "detect/window_builder.h"

#include <algorithm>
#include <vector>

namespace xmr {

void WindowBuilder::on_slice(const ConnectionInfo& connection, const Slice& slice) {
  Track& t = tracks_[connection.key];
  t.window.push_back(slice);
  const std::int64_t oldest = slice.index - static_cast<std::int64_t>(window_slices_) + 1;
  while (!t.window.empty() && t.window.front().index < oldest) t.window.pop_front();
  // A connection younger than one window is not scored yet (the long-lived pre-filter).
  const std::int64_t first_index = connection.first_ms / slice_ms_ - (connection.first_ms % slice_ms_ < 0 ? 1 : 0);
  if (slice.index - first_index + 1 < static_cast<std::int64_t>(window_slices_)) {
    // The connection's span up to this slice's end: what the records already in (lateness
    // contract) show, so that the decision does not depend on arrival order or sharding.
    const std::int64_t seen_until = std::min(connection.last_ms, (slice.index + 1) * slice_ms_);
    const bool early = early_min_ms_ >= 0 && seen_until - connection.first_ms >= early_min_ms_;
    if (!early) return;
  }
  ++t.windows;
  const std::vector<Slice> w(t.window.begin(), t.window.end());
  sink_.on_window(connection, w, t.windows);
}

void WindowBuilder::on_close(const ConnectionInfo& connection) {
  auto it = tracks_.find(connection.key);
  const std::uint64_t windows = it == tracks_.end() ? 0 : it->second.windows;
  if (it != tracks_.end()) tracks_.erase(it);
  sink_.on_connection_end(connection, windows);
}

}  // namespace xmr
