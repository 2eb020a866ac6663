#include "features/window_features.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace xmr {

std::string_view feature_name(Feature f) noexcept {
  switch (f) {
    case Feature::explained_share: return "explained_share";
    case Feature::job_slice_share: return "job_slice_share";
    case Feature::jobs_per_minute: return "jobs_per_minute";
    case Feature::job_count_cv: return "job_count_cv";
    case Feature::requests_per_minute: return "requests_per_minute";
    case Feature::result_balance: return "result_balance";
    case Feature::ack_share_up: return "ack_share_up";
    case Feature::residual_share: return "residual_share";
    case Feature::active_share: return "active_share";
    case Feature::down_up_payload_log_ratio: return "down_up_payload_log_ratio";
    case Feature::job_request_correlation: return "job_request_correlation";
    case Feature::job_size_kb: return "job_size_kb";
    case Feature::submit_size_kb: return "submit_size_kb";
    case Feature::up_count_fano: return "up_count_fano";
    case Feature::down_count_fano: return "down_count_fano";
    case Feature::count_: break;
  }
  return "?";
}

bool heavy_tailed(Feature f) noexcept {
  switch (f) {
    case Feature::jobs_per_minute:
    case Feature::requests_per_minute:
    case Feature::result_balance:
    case Feature::ack_share_up:
    case Feature::up_count_fano:
    case Feature::down_count_fano: return true;
    default: return false;
  }
}

std::uint64_t feature_schema_hash() noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64 offset basis
  for (std::size_t i = 0; i < feature_count; ++i) {
    for (char c : feature_name(static_cast<Feature>(i))) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ull;  // FNV prime
    }
    h ^= 0xff;  // separator
    h *= 0x100000001b3ull;
  }
  return h;
}

namespace {
double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = x.size();
  if (n < 2) return 0.0;
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx <= 0 || syy <= 0) return 0.0;  // a constant series carries no correlation
  return sxy / std::sqrt(sxx * syy);
}

}  // namespace

double min_block_fano(std::span<const double> counts) noexcept {
  double best = 1.0;
  bool any = false;
  for (std::size_t block : {std::size_t{1}, std::size_t{2}, std::size_t{4}}) {
    // At least 6 blocks: fewer give estimates so noisy that benign windows land among the
    // miners' (3 slices were tried: validation false alarms at 300 s 0.56 % -> 2.2 %).
    const std::size_t blocks = counts.size() / block;
    if (blocks < 6) break;
    // The most recent whole blocks: the oldest slices of the history are dropped first.
    const std::size_t skip = counts.size() - blocks * block;
    std::vector<double> sums(blocks, 0.0);
    for (std::size_t i = 0; i < blocks * block; ++i) sums[i / block] += counts[skip + i];
    double mean = 0;
    for (double v : sums) mean += v;
    mean /= static_cast<double>(blocks);
    if (mean <= 0) continue;
    double ss = 0;
    for (double v : sums) ss += (v - mean) * (v - mean);
    const double fano = ss / static_cast<double>(blocks - 1) / mean;
    best = any ? std::min(best, fano) : fano;
    any = true;
  }
  return any ? best : 1.0;
}

FeatureVector window_features(const WindowInput& in) {
  FeatureVector f{};
  if (in.slices.empty() || in.sizes == nullptr) return f;
  const LearnedSizes& sizes = *in.sizes;
  // The window spans from its first to its last slice index; missing indices are idle slices.
  const std::int64_t span = in.slices.back().index - in.slices.front().index + 1;
  const double minutes = static_cast<double>(span) * static_cast<double>(in.slice_ms) / 60'000.0;

  std::vector<double> jobs, requests;
  double explained = 0, with_payload = 0, job_slices = 0, active = 0;
  double sum_jobs = 0, sum_requests = 0, sum_results = 0, sum_acks_up = 0, imbalance = 0;
  double residual = 0, payload = 0, payload_up = 0, payload_down = 0;
  for (const auto& s : in.slices) {
    const auto e = estimate_slice(s, sizes);
    if (s.up.pkts + s.down.pkts > 0) ++active;
    const bool has_payload = e.payload_up > 0 || e.payload_down > 0;
    if (has_payload) {
      ++with_payload;
      if (e.residual_up == 0 && e.residual_down == 0) ++explained;
    }
    if (e.jobs > 0) ++job_slices;
    jobs.push_back(e.jobs);
    requests.push_back(e.requests());
    sum_jobs += e.jobs;
    sum_requests += e.requests();
    sum_results += e.results;
    sum_acks_up += e.acks_up;
    imbalance += std::abs(static_cast<double>(e.results) - static_cast<double>(e.requests()));
    residual += static_cast<double>(std::llabs(e.residual_up) + std::llabs(e.residual_down));
    payload_up += static_cast<double>(std::max<std::int64_t>(0, e.payload_up));
    payload_down += static_cast<double>(std::max<std::int64_t>(0, e.payload_down));
  }
  payload = payload_up + payload_down;
  // Idle slices inside the window count as slices with no jobs.
  jobs.resize(static_cast<std::size_t>(std::max<std::int64_t>(span, 1)), 0.0);
  requests.resize(jobs.size(), 0.0);
  double mean_jobs = sum_jobs / static_cast<double>(jobs.size()), var_jobs = 0;
  for (double j : jobs) var_jobs += (j - mean_jobs) * (j - mean_jobs);
  var_jobs /= static_cast<double>(jobs.size());

  auto set = [&](Feature k, double v) { f[static_cast<std::size_t>(k)] = std::isfinite(v) ? v : 0.0; };
  set(Feature::explained_share, with_payload > 0 ? explained / with_payload : 0.0);
  set(Feature::job_slice_share, job_slices / static_cast<double>(span));
  set(Feature::jobs_per_minute, minutes > 0 ? sum_jobs / minutes : 0.0);
  set(Feature::job_count_cv, mean_jobs > 0 ? std::sqrt(var_jobs) / mean_jobs : 0.0);
  set(Feature::requests_per_minute, minutes > 0 ? sum_requests / minutes : 0.0);
  set(Feature::result_balance, imbalance / (sum_requests + 1.0));
  set(Feature::ack_share_up, sum_acks_up / (sum_jobs + sum_results + 1.0));
  set(Feature::residual_share, residual / (payload + 1.0));
  set(Feature::active_share, active / static_cast<double>(span));
  set(Feature::down_up_payload_log_ratio, std::log((payload_down + 1.0) / (payload_up + 1.0)));
  set(Feature::job_request_correlation, pearson(jobs, requests));
  set(Feature::job_size_kb, sizes.job / 1000.0);
  set(Feature::submit_size_kb, sizes.submit / 1000.0);
  // Packet counts per slice over the history's span (idle slices count as 0).
  const std::span<const Slice> history = in.history.empty() ? in.slices : in.history;
  const std::int64_t history_span = history.back().index - history.front().index + 1;
  std::vector<double> up_counts, down_counts;
  if (history_span > 0 && history_span <= 4096) {  // a sane history; else no evidence
    up_counts.assign(static_cast<std::size_t>(history_span), 0.0);
    down_counts.assign(up_counts.size(), 0.0);
    for (const auto& s : history) {
      const std::int64_t at = s.index - history.front().index;
      if (at < 0 || at >= history_span) continue;
      up_counts[static_cast<std::size_t>(at)] += static_cast<double>(s.up.pkts);
      down_counts[static_cast<std::size_t>(at)] += static_cast<double>(s.down.pkts);
    }
  }
  set(Feature::up_count_fano, min_block_fano(up_counts));
  set(Feature::down_count_fano, min_block_fano(down_counts));
  return f;
}

}  // namespace xmr
