#include "eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <stdexcept>

namespace xmr::eval {

namespace {
constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();
// Two-sided 95 % normal quantile.
constexpr double z95 = 1.959963984540054;

std::vector<Scored> sorted_desc(std::span<const Scored> items) {
  std::vector<Scored> v(items.begin(), items.end());
  std::sort(v.begin(), v.end(), [](const Scored& a, const Scored& b) { return a.suspicion > b.suspicion; });
  return v;
}
}  // namespace

std::vector<RocPoint> roc_curve(std::span<const Scored> items) {
  const auto v = sorted_desc(items);
  std::uint64_t pos = 0, neg = 0;
  for (const auto& s : v) (s.positive ? pos : neg)++;
  std::vector<RocPoint> out{{inf, 0, 0}};
  std::uint64_t tp = 0, fp = 0;
  for (std::size_t i = 0; i < v.size();) {
    const double t = v[i].suspicion;
    for (; i < v.size() && v[i].suspicion == t; ++i) (v[i].positive ? tp : fp)++;
    out.push_back({t, neg ? double(fp) / double(neg) : nan, pos ? double(tp) / double(pos) : nan});
  }
  return out;
}

double roc_auc(std::span<const Scored> items) {
  const auto curve = roc_curve(items);
  double area = 0;
  for (std::size_t i = 1; i < curve.size(); ++i)
    area += (curve[i].fpr - curve[i - 1].fpr) * (curve[i].tpr + curve[i - 1].tpr) / 2;
  return area;  // NaN propagates when a class is empty
}

Proportion wilson(std::uint64_t successes, std::uint64_t trials) {
  Proportion p{successes, trials, nan, nan, nan};
  if (trials == 0) return p;
  const double n = double(trials), ph = double(successes) / n, z2 = z95 * z95;
  const double denom = 1 + z2 / n;
  const double center = (ph + z2 / (2 * n)) / denom;
  const double half = z95 * std::sqrt(ph * (1 - ph) / n + z2 / (4 * n * n)) / denom;
  p.value = ph;
  p.low = std::max(0.0, center - half);
  p.high = std::min(1.0, center + half);
  if (successes == 0) p.low = 0;
  if (successes == trials) p.high = 1;
  return p;
}

DetectionAtFpr detection_at_threshold(std::span<const Scored> items, double threshold) {
  std::uint64_t pos = 0, neg = 0, tp = 0, fp = 0;
  for (const auto& s : items) {
    const bool alert = s.suspicion > threshold;
    if (s.positive) {
      ++pos;
      tp += alert;
    } else {
      ++neg;
      fp += alert;
    }
  }
  DetectionAtFpr d;
  d.threshold = threshold;
  d.detection = wilson(tp, pos);
  d.false_positive = wilson(fp, neg);
  d.benign = neg;
  d.target_fpr = nan;
  return d;
}

DetectionAtFpr detection_at_fpr(std::span<const Scored> items, double target_fpr) {
  std::vector<double> benign;
  for (const auto& s : items)
    if (!s.positive) benign.push_back(s.suspicion);
  std::sort(benign.begin(), benign.end(), std::greater<>());
  const double n = double(benign.size());
  double threshold = nan;
  if (!benign.empty()) {
    // The small epsilon keeps 0.0005 x 2000 from flooring to 0 through rounding.
    const auto allowed = static_cast<std::size_t>(std::floor(target_fpr * n + 1e-9));
    threshold = allowed >= benign.size() ? -inf : benign[allowed];
  }
  auto d = detection_at_threshold(items, threshold);
  if (benign.empty()) d.detection = wilson(0, d.detection.trials);  // no threshold: nothing is measured
  d.target_fpr = target_fpr;
  d.enough_benign = target_fpr > 0 && n >= 3.0 / target_fpr - 1e-9;
  return d;
}

std::vector<Scored> aggregate_max(std::span<const Scored> items, std::span<const std::string> groups) {
  if (items.size() != groups.size()) throw std::invalid_argument("aggregate_max: one group per item");
  std::map<std::string, Scored> by_group;  // ordered: deterministic output
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto [it, fresh] = by_group.try_emplace(groups[i], items[i]);
    if (!fresh) {
      it->second.suspicion = std::max(it->second.suspicion, items[i].suspicion);
      it->second.positive = it->second.positive || items[i].positive;
    }
  }
  std::vector<Scored> out;
  out.reserve(by_group.size());
  for (auto& [g, s] : by_group) out.push_back(s);
  return out;
}

double precision_at_base_rate(double detection_rate, double false_positive_rate, double base_rate) {
  const double tp = detection_rate * base_rate, fp = false_positive_rate * (1 - base_rate);
  return tp + fp > 0 ? tp / (tp + fp) : nan;
}

double quantile(std::vector<double> values, double q) {
  if (values.empty()) return nan;
  std::sort(values.begin(), values.end());
  const double h = (double(values.size()) - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const auto hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (h - double(lo)) * (values[hi] - values[lo]);
}

Delays time_to_first_alert(std::span<const double> delays_s_of_detected, std::uint64_t positive_connections) {
  Delays d;
  d.detected = delays_s_of_detected.size();
  d.connections = positive_connections;
  std::vector<double> v(delays_s_of_detected.begin(), delays_s_of_detected.end());
  d.median_s = quantile(v, 0.5);
  d.p95_s = quantile(std::move(v), 0.95);
  return d;
}

std::vector<Fold> leave_groups_out(std::span<const std::string> item_groups, std::size_t folds, std::uint64_t seed) {
  std::vector<std::string> groups(item_groups.begin(), item_groups.end());
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  // Fisher-Yates with our own index draw: std::uniform_int_distribution differs between
  // standard libraries, and the folds must be the same everywhere for a seed.
  std::mt19937_64 rng(seed);
  for (std::size_t i = groups.size(); i > 1; --i) std::swap(groups[i - 1], groups[rng() % i]);
  folds = std::min(folds, groups.size());
  std::vector<Fold> out(folds);
  std::map<std::string, std::size_t> fold_of;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    fold_of[groups[i]] = i % folds;
    out[i % folds].test_groups.push_back(groups[i]);
  }
  for (auto& f : out) std::sort(f.test_groups.begin(), f.test_groups.end());
  for (std::size_t i = 0; i < item_groups.size(); ++i) {
    const std::size_t mine = fold_of.at(item_groups[i]);
    for (std::size_t f = 0; f < folds; ++f) (f == mine ? out[f].test : out[f].train).push_back(i);
  }
  return out;
}

}  // namespace xmr::eval
