#include <algorithm>
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
}  // namespace

void Standardizer::fit(std::span<const FeatureVector> rows) {
  std::vector<double> col(rows.size());
  for (std::size_t f = 0; f < feature_count; ++f) {
    for (std::size_t i = 0; i < rows.size(); ++i) col[i] = rows[i][f];
    const double med = quantile(col, 0.5), q1 = quantile(col, 0.25), q3 = quantile(col, 0.75);
    double spread = q3 - q1;
    if (spread <= 1e-9) {  // a (nearly) constant feature in training: fall back to its range
      const auto [lo, hi] = std::minmax_element(col.begin(), col.end());
      spread = col.empty() ? 1.0 : (*hi - *lo);
    }
    center[f] = med;
    scale[f] = spread > 1e-9 ? spread : 1.0;
  }
}

FeatureVector Standardizer::apply(const FeatureVector& x) const noexcept {
  FeatureVector y;
  for (std::size_t f = 0; f < feature_count; ++f) y[f] = (x[f] - center[f]) / scale[f];
  return y;
}

nlohmann::json Standardizer::to_json() const { return {{"center", center}, {"scale", scale}}; }

result<Standardizer> Standardizer::from_json(const nlohmann::json& j) {
  Standardizer s;
  if (!j.is_object() || !j.contains("center") || !j.contains("scale") || !j["center"].is_array() ||
      !j["scale"].is_array() || j["center"].size() != feature_count || j["scale"].size() != feature_count)
    return make_error(errc::bad_json, "standardizer: want center and scale arrays of the feature count");
  for (std::size_t f = 0; f < feature_count; ++f) {
    if (!j["center"][f].is_number() || !j["scale"][f].is_number())
      return make_error(errc::bad_json, "standardizer: non-numeric value");
    s.center[f] = j["center"][f].get<double>();
    s.scale[f] = j["scale"][f].get<double>();
    if (!(s.scale[f] > 0)) return make_error(errc::bad_json, "standardizer: scale must be positive");
  }
  return s;
}

}  // namespace xmr
