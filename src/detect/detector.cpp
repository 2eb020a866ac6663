#include "detect/detector.h"

#include <algorithm>

#include "detect/prefilter.h"
#include "stratum/stratum_estimate.h"

namespace xmr {

FeatureVector features_of_window(const ConnectionInfo& connection, std::span<const Slice> window,
                                 std::int64_t slice_ms, LearnedSizes* sizes_out) {
  const auto sizes = learn_sizes(window, !connection.key.low.addr.is_v4());
  if (sizes_out) *sizes_out = sizes;
  return window_features(WindowInput{window, slice_ms, &sizes});
}

WindowRates rates_of_window(std::span<const Slice> window, const LearnedSizes& sizes, std::int64_t slice_ms) {
  WindowRates r;
  if (window.empty() || slice_ms <= 0) return r;
  std::uint64_t jobs = 0, submits = 0, results = 0, keepalives = 0;
  for (const auto& s : window) {
    const auto e = estimate_slice(s, sizes);
    jobs += e.jobs;
    submits += e.submits;
    results += e.results;
    keepalives += e.keepalives;
  }
  // Over the span the window's slices cover (an early window covers fewer than lW slices).
  const double minutes = static_cast<double>(window.back().index - window.front().index + 1) *
                         static_cast<double>(slice_ms) / 60'000.0;
  r.jobs_per_min = static_cast<double>(jobs) / minutes;
  r.submits_per_min = static_cast<double>(submits) / minutes;
  r.results_per_min = static_cast<double>(results) / minutes;
  r.keepalives_per_min = static_cast<double>(keepalives) / minutes;
  return r;
}

std::string_view tls_guess(const LearnedSizes& sizes) noexcept {
  if (sizes.result == 0) return "unknown";
  return sizes.result > monero_stratum.result.max_bytes ? "likely" : "no";
}

Detector::Detector(const Model& model, DetectorOptions options)
    : model_(model),
      options_(std::move(options)),
      table_(options_.table),
      windows_(table_.options().slice_ms, options_.window_slices, *this) {
  if (options_.window_slices == 0) options_.window_slices = 1;
  if (options_.early_min_duration_ms >= 0) windows_.enable_early_windows(options_.early_min_duration_ms);
}

void Detector::add(const FlowRecord& record, AlertSink& alerts) {
  alerts_ = &alerts;
  table_.add(record, windows_);
}

void Detector::observe_time(std::int64_t now_ms, AlertSink& alerts) {
  alerts_ = &alerts;
  table_.observe_time(now_ms, windows_);
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
  const std::int64_t slice_ms = table_.options().slice_ms;
  const std::int64_t lw = static_cast<std::int64_t>(options_.window_slices);
  const std::int64_t first_index =
      connection.first_ms / slice_ms - (connection.first_ms % slice_ms < 0 ? 1 : 0);
  const std::int64_t last_index = window.back().index;
  const bool early = last_index - first_index + 1 < lw;
  std::uint64_t up_pkts = 0, down_pkts = 0;
  for (const auto& s : window) {
    up_pkts += s.up.pkts;
    down_pkts += s.down.pkts;
  }
  const bool one_sided = up_pkts == 0 || down_pkts == 0;
  if (ordinal == 1) ++stats_.connections_scored;
  ++stats_.windows_scored;
  if (early) ++stats_.windows_early;
  if (one_sided) ++stats_.windows_one_sided;
  LearnedSizes sizes;
  const auto features = featurizer_.features(connection, window, slice_ms, &sizes);
  const double score = model_.score(features);
  if (!model_.alerts(score)) return;
  // Rate limit: the first alert; then the first full window after early ones (more evidence);
  // then one every realert_windows windows.
  auto [it, fresh] = alerted_.try_emplace(connection.key);
  AlertState& st = it->second;
  if (!fresh) {
    const bool more_evidence = !early && !st.full_alerted;
    if (!more_evidence && ordinal - st.last_ordinal < options_.realert_windows) return;
  }
  st.last_ordinal = ordinal;
  if (!early) st.full_alerted = true;
  ++stats_.alerts;
  if (!fresh) ++stats_.alert_updates;
  Alert a;
  a.connection = connection;
  a.window_start_ms = std::max(last_index - lw + 1, first_index) * slice_ms;
  a.window_end_ms = (last_index + 1) * slice_ms;
  a.slices = window.size();
  a.window_slices = options_.window_slices;
  a.slice_ms = slice_ms;
  a.early = early;
  a.update = !fresh;
  a.one_sided = one_sided;
  a.score = score;
  a.threshold = model_.threshold();
  a.model = options_.model_name;
  a.sizes = sizes;
  a.rates = rates_of_window(window, sizes, slice_ms);
  a.features = features;
  a.windows_scored = ordinal;
  if (alerts_) alerts_->on_alert(a);
}

void Detector::on_connection_end(const ConnectionInfo& connection, std::uint64_t windows) {
  if (windows == 0) ++stats_.connections_too_short;
  alerted_.erase(connection.key);
  featurizer_.forget(connection.key);
}

}  // namespace xmr
