#include "model/model.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <fmt/format.h>

namespace xmr {

result<Model> Model::train(std::span<const FeatureVector> windows, const TrainOptions& o) {
  if (windows.size() < 10) return make_error(errc::bad_argument, fmt::format("{} training windows: need at least 10", windows.size()));
  if (!(o.detection_quantile > 0 && o.detection_quantile <= 1) || !(o.calibration_share > 0 && o.calibration_share < 1))
    return make_error(errc::bad_argument, "detection quantile must be in (0, 1], calibration share in (0, 1)");
  // Deterministic split: a seeded shuffle of the window indices.
  std::vector<std::size_t> idx(windows.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::mt19937_64 rng(o.seed);
  std::shuffle(idx.begin(), idx.end(), rng);
  const auto n_cal = std::max<std::size_t>(1, static_cast<std::size_t>(o.calibration_share * static_cast<double>(idx.size())));
  std::vector<FeatureVector> fit_rows, cal_rows;
  for (std::size_t i = 0; i < idx.size(); ++i) (i < n_cal ? cal_rows : fit_rows).push_back(windows[idx[i]]);

  Model m;
  m.standardizer_.fit(fit_rows);
  for (auto& r : fit_rows) r = m.standardizer_.apply(r);
  m.learner_ = make_learner(o.learner);
  m.learner_->fit(fit_rows, o.seed);
  std::vector<double> cal_scores;
  for (const auto& r : cal_rows) cal_scores.push_back(m.learner_->score(m.standardizer_.apply(r)));
  std::sort(cal_scores.begin(), cal_scores.end());
  // The smallest score at or above the quantile: that share of calibration windows alerts.
  const auto k = static_cast<std::size_t>(std::ceil(o.detection_quantile * static_cast<double>(cal_scores.size()))) - 1;
  m.threshold_ = cal_scores[std::min(k, cal_scores.size() - 1)];
  m.quantile_ = o.detection_quantile;
  m.trained_windows_ = windows.size();
  m.seed_ = o.seed;
  return m;
}

double Model::score(const FeatureVector& window) const { return learner_->score(standardizer_.apply(window)); }

std::string Model::to_json_text() const {
  nlohmann::json names = nlohmann::json::array();
  for (std::size_t i = 0; i < feature_count; ++i) names.push_back(feature_name(static_cast<Feature>(i)));
  nlohmann::json j = {{"format", "xmr-ray-model"},
                      {"version", file_version},
                      {"feature_schema_hash", fmt::format("{:016x}", feature_schema_hash())},
                      {"features", names},
                      {"threshold", threshold_},
                      {"detection_quantile", quantile_},
                      {"training", {{"windows", trained_windows_}, {"seed", seed_}}},
                      {"standardizer", standardizer_.to_json()},
                      {"learner", learner_->to_json()}};
  return j.dump();
}

result<Model> Model::from_json_text(std::string_view text) {
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error(errc::bad_json, "model file: not a JSON object");
  if (j.value("format", "") != "xmr-ray-model") return make_error(errc::bad_header, "model file: not an XMR-Ray model");
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int>() != file_version)
    return make_error(errc::unsupported, fmt::format("model file: version {} (this build reads {})",
                                                     j.contains("version") ? j["version"].dump() : "missing", file_version));
  const std::string want = fmt::format("{:016x}", feature_schema_hash());
  if (j.value("feature_schema_hash", "") != want)
    return make_error(errc::unsupported, fmt::format("model file: trained on feature schema {}, this build computes {}: "
                                                     "retrain the model",
                                                     j.value("feature_schema_hash", "?"), want));
  Model m;
  auto s = Standardizer::from_json(j.value("standardizer", nlohmann::json{}));
  if (!s) return tl::unexpected(s.error());
  m.standardizer_ = *s;
  auto l = learner_from_json(j.value("learner", nlohmann::json{}));
  if (!l) return tl::unexpected(l.error());
  m.learner_ = std::move(*l);
  if (!j.contains("threshold") || !j["threshold"].is_number()) return make_error(errc::bad_json, "model file: no threshold");
  m.threshold_ = j["threshold"].get<double>();
  m.quantile_ = j.value("detection_quantile", 0.0);
  if (j.contains("training") && j["training"].is_object()) {
    m.trained_windows_ = j["training"].value("windows", std::uint64_t{0});
    m.seed_ = j["training"].value("seed", std::uint64_t{0});
  }
  return m;
}

}  // namespace xmr
