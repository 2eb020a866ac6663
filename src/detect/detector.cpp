#include "detect/detector.h"

#include <vector>

namespace xmr {

Detector::Detector(const Model& model, DetectorOptions options)
    : model_(model), options_(std::move(options)), table_(options_.table) {
  if (options_.window_slices == 0) options_.window_slices = 1;
}

void Detector::add(const FlowRecord& record, AlertSink& alerts) {
  alerts_ = &alerts;
  table_.add(record, *this);
}

void Detector::finish(AlertSink& alerts) {
  alerts_ = &alerts;
  table_.flush(*this);
}

void Detector::on_slice(const ConnectionInfo& connection, const Slice& slice) {
  Track& t = tracks_[connection.key];
  t.window.push_back(slice);
  // The window is the last lW slices by index: idle slices count, so drop what fell out.
  const std::int64_t oldest = slice.index - static_cast<std::int64_t>(options_.window_slices) + 1;
  while (!t.window.empty() && t.window.front().index < oldest) t.window.pop_front();
  if (slice.index - connection.first_ms / options_.table.slice_ms + 1 < static_cast<std::int64_t>(options_.window_slices))
    return;  // the connection is younger than one window
  if (t.windows_scored == 0) ++stats_.connections_scored;
  ++t.windows_scored;
  ++stats_.windows_scored;

  const std::vector<Slice> w(t.window.begin(), t.window.end());
  const auto sizes = learn_sizes(w, !connection.key.low.addr.is_v4());
  const auto features = window_features(WindowInput{w, options_.table.slice_ms, &sizes});
  const double score = model_.score(features);
  if (!model_.alerts(score)) return;
  if (t.last_alert_window != 0 && t.windows_scored - t.last_alert_window < options_.realert_windows) return;
  t.last_alert_window = t.windows_scored;
  ++stats_.alerts;
  Alert a;
  a.connection = connection;
  a.window_start_ms = (slice.index - static_cast<std::int64_t>(options_.window_slices) + 1) * options_.table.slice_ms;
  a.window_end_ms = (slice.index + 1) * options_.table.slice_ms;
  a.slices = w.size();
  a.score = score;
  a.threshold = model_.threshold();
  a.sizes = sizes;
  a.features = features;
  a.windows_scored = t.windows_scored;
  if (alerts_) alerts_->on_alert(a);
}

void Detector::on_close(const ConnectionInfo& connection) {
  auto it = tracks_.find(connection.key);
  if (it == tracks_.end()) {
    ++stats_.connections_too_short;
    return;
  }
  if (it->second.windows_scored == 0) ++stats_.connections_too_short;
  tracks_.erase(it);
}

}  // namespace xmr
