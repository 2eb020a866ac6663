#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "model/learners.h"

namespace xmr {

namespace {
constexpr std::size_t k_neighbours = 5, max_points = 4000;

double distance(const FeatureVector& a, const FeatureVector& b) {
  double s = 0;
  for (std::size_t f = 0; f < feature_count; ++f) s += (a[f] - b[f]) * (a[f] - b[f]);
  return std::sqrt(s);
}
}  // namespace

void KnnDistance::fit(std::span<const FeatureVector> rows, std::uint64_t seed) {
  std::vector<std::size_t> idx(rows.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(idx.begin(), idx.end(), rng);
  idx.resize(std::min(idx.size(), max_points));
  std::sort(idx.begin(), idx.end());
  points_.clear();
  for (std::size_t i : idx) points_.push_back(rows[i]);
}

double KnnDistance::score(const FeatureVector& x) const {
  if (points_.empty()) return INFINITY;
  std::vector<double> d;
  d.reserve(points_.size());
  for (const auto& p : points_) d.push_back(distance(x, p));
  const std::size_t k = std::min(k_neighbours, d.size());
  std::partial_sort(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(k), d.end());
  return std::accumulate(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(k), 0.0) / static_cast<double>(k);
}

nlohmann::json KnnDistance::to_json() const { return {{"learner", "knn_distance"}, {"points", points_}}; }

result<std::unique_ptr<OneClassLearner>> KnnDistance::from_json(const nlohmann::json& j) {
  auto m = std::make_unique<KnnDistance>();
  try {
    for (const auto& p : j.at("points")) {
      if (!p.is_array() || p.size() != feature_count) return make_error(errc::bad_json, "knn: point of wrong width");
      FeatureVector v;
      for (std::size_t f = 0; f < feature_count; ++f) v[f] = p.at(f).get<double>();
      m->points_.push_back(v);
    }
  } catch (const nlohmann::json::exception& e) {
    return make_error(errc::bad_json, std::string("knn: ") + e.what());
  }
  return std::unique_ptr<OneClassLearner>(std::move(m));
}

}  // namespace xmr
