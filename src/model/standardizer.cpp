#include <algorithm>
#include <cmath>
#include <vector>

#include "model/one_class.h"

namespace xmr {

namespace {
double quantile(std::vector<double>& v, double q) {
  if (v.empty()) return 0.0;
  const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

double transformed(double v, bool log) noexcept { return log ? std::log1p(std::max(v, 0.0)) : v; }
}  // namespace

void Standardizer::fit(std::span<const FeatureVector> rows) {
  std::vector<double> col(rows.size());
  for (std::size_t f = 0; f < feature_count; ++f) {
    log1p[f] = heavy_tailed(static_cast<Feature>(f));
    double mean = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      col[i] = transformed(rows[i][f], log1p[f]);
      mean += col[i];
    }
    mean /= col.empty() ? 1.0 : static_cast<double>(col.size());
    double var = 0;
    for (double v : col) var += (v - mean) * (v - mean);
    double spread = col.empty() ? 1.0 : std::sqrt(var / static_cast<double>(col.size()));
    if (spread <= 1e-9) {  // a constant feature in training: fall back to its range (0 too: 1)
      const auto [lo, hi] = std::minmax_element(col.begin(), col.end());
      spread = col.empty() ? 1.0 : (*hi - *lo);
    }
    center[f] = quantile(col, 0.5);
    scale[f] = spread > 1e-9 ? spread : 1.0;
  }
}

FeatureVector Standardizer::apply(const FeatureVector& x) const noexcept {
  FeatureVector y;
  for (std::size_t f = 0; f < feature_count; ++f) y[f] = (transformed(x[f], log1p[f]) - center[f]) / scale[f];
  return y;
}

double Standardizer::raw_center(std::size_t f) const noexcept { return log1p[f] ? std::expm1(center[f]) : center[f]; }

nlohmann::json Standardizer::to_json() const { return {{"center", center}, {"scale", scale}, {"log1p", log1p}}; }

result<Standardizer> Standardizer::from_json(const nlohmann::json& j) {
  Standardizer s;
  if (!j.is_object() || !j.contains("center") || !j.contains("scale") || !j["center"].is_array() ||
      !j["scale"].is_array() || j["center"].size() != feature_count || j["scale"].size() != feature_count ||
      !j.contains("log1p") || !j["log1p"].is_array() || j["log1p"].size() != feature_count)
    return make_error(errc::bad_json, "standardizer: want center, scale and log1p arrays of the feature count");
  for (std::size_t f = 0; f < feature_count; ++f) {
    if (!j["center"][f].is_number() || !j["scale"][f].is_number() || !j["log1p"][f].is_boolean())
      return make_error(errc::bad_json, "standardizer: non-numeric value");
    s.log1p[f] = j["log1p"][f].get<bool>();
    s.center[f] = j["center"][f].get<double>();
    s.scale[f] = j["scale"][f].get<double>();
    if (!(s.scale[f] > 0)) return make_error(errc::bad_json, "standardizer: scale must be positive");
  }
  return s;
}

}  // namespace xmr
