#include "detect/detector.h"

#include "detect/prefilter.h"

namespace xmr {

FeatureVector features_of_window(const ConnectionInfo& connection, std::span<const Slice> window,
                                 std::int64_t slice_ms, LearnedSizes* sizes_out) {
  const auto sizes = learn_sizes(window, !connection.key.low.addr.is_v4());
  if (sizes_out) *sizes_out = sizes;
  return window_features(WindowInput{window, slice_ms, &sizes});
}

Detector::Detector(const Model& model, DetectorOptions options)
    : model_(model),
      options_(std::move(options)),
      table_(options_.table),
      windows_(table_.options().slice_ms, options_.window_slices, *this) {}

void Detector::add(const FlowRecord& record, AlertSink& alerts) {
  alerts_ = &alerts;
  table_.add(record, windows_);
}

void Detector::finish(AlertSink& alerts) {
  alerts_ = &alerts;
  table_.flush(windows_);
}

void Detector::on_window(const ConnectionInfo& connection, std::span<const Slice> window, std::uint64_t ordinal) {
  if (!stratum_sized(window)) {
    ++stats_.windows_prefiltered;
    return;
  }
  if (ordinal == 1) ++stats_.connections_scored;
  ++stats_.windows_scored;
  const std::int64_t slice_ms = table_.options().slice_ms;
  LearnedSizes sizes;
  const auto features = features_of_window(connection, window, slice_ms, &sizes);
  const double score = model_.score(features);
  if (!model_.alerts(score)) return;
  auto [it, fresh] = last_alert_.try_emplace(connection.key, ordinal);
  if (!fresh) {
    if (ordinal - it->second < options_.realert_windows) return;
    it->second = ordinal;
  }
  ++stats_.alerts;
  Alert a;
  a.connection = connection;
  const std::int64_t last_index = window.back().index;
  a.window_start_ms = (last_index - static_cast<std::int64_t>(options_.window_slices) + 1) * slice_ms;
  a.window_end_ms = (last_index + 1) * slice_ms;
  a.slices = window.size();
  a.score = score;
  a.threshold = model_.threshold();
  a.sizes = sizes;
  a.features = features;
  a.windows_scored = ordinal;
  if (alerts_) alerts_->on_alert(a);
}

void Detector::on_connection_end(const ConnectionInfo& connection, std::uint64_t windows) {
  if (windows == 0) ++stats_.connections_too_short;
  last_alert_.erase(connection.key);
}

}  // namespace xmr
