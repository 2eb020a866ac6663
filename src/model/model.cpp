#include "model/model.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
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
  m.slice_s_ = o.slice_s;
  m.window_slices_ = o.window_slices;
  return m;
}

double Model::score(const FeatureVector& window) const { return learner_->score(standardizer_.apply(window)); }

std::string Model::to_json_text() const { return to_json().dump(); }

nlohmann::json Model::to_json() const {
  nlohmann::json names = nlohmann::json::array();
  for (std::size_t i = 0; i < feature_count; ++i) names.push_back(feature_name(static_cast<Feature>(i)));
  nlohmann::json j = {{"format", "xmr-ray-model"},
                      {"version", file_version},
                      {"feature_schema_hash", fmt::format("{:016x}", feature_schema_hash())},
                      {"features", names},
                      {"threshold", threshold_},
                      {"detection_quantile", quantile_},
                      {"training",
                       {{"windows", trained_windows_}, {"seed", seed_}, {"slice_s", slice_s_}, {"window_slices", window_slices_}}},
                      {"standardizer", standardizer_.to_json()},
                      {"learner", learner_->to_json()}};
  return j;
}

result<Model> Model::from_json_text(std::string_view text) {
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error(errc::bad_json, "model file: not a JSON object");
  return from_json(j);
}

result<Model> Model::from_json(const nlohmann::json& j) {
  if (!j.is_object()) return make_error(errc::bad_json, "model file: a model is not a JSON object");
  if (j.value("format", "") != "xmr-ray-model") return make_error(errc::bad_header, "model file: not an XMR-Ray model");
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int>() != file_version)
    return make_error(errc::unsupported, fmt::format("model file: version {} (this build reads {}): retrain the model",
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
    const auto& t = j["training"];
    if (t.contains("slice_s") && t["slice_s"].is_number_unsigned() && t["slice_s"].get<std::uint64_t>() <= 86'400)
      m.slice_s_ = t["slice_s"].get<std::uint32_t>();
    if (t.contains("window_slices") && t["window_slices"].is_number_unsigned() && t["window_slices"].get<std::uint64_t>() <= 1000)
      m.window_slices_ = t["window_slices"].get<std::uint32_t>();
  }
  return m;
}

result<ModelSet> ModelSet::from_json_text(std::string_view text) {
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error(errc::bad_json, "model file: not a JSON object");
  ModelSet set;
  if (j.value("format", "") != "xmr-ray-model-set") {  // a single model
    auto m = Model::from_json(j);
    if (!m) return tl::unexpected(m.error());
    set.add(std::move(*m));
    return set;
  }
  if (!j.contains("models") || !j["models"].is_array() || j["models"].empty() || j["models"].size() > 64)
    return make_error(errc::bad_json, "model set: want a non-empty \"models\" array (at most 64)");
  for (std::size_t i = 0; i < j["models"].size(); ++i) {
    auto m = Model::from_json(j["models"][i]);
    if (!m) return make_error(m.error().code, fmt::format("model set: model {}: {}", i + 1, m.error().context));
    set.add(std::move(*m));
  }
  return set;
}

std::string ModelSet::to_json_text() const {
  if (models_.size() == 1) return models_.front().to_json_text();
  nlohmann::json models = nlohmann::json::array();
  for (const auto& m : models_) models.push_back(m.to_json());
  return nlohmann::json{{"format", "xmr-ray-model-set"}, {"version", Model::file_version}, {"models", models}}.dump();
}

const Model& ModelSet::select(std::uint32_t slice_s) const {
  if (models_.empty()) throw std::logic_error("ModelSet::select on an empty set");
  const Model* best = &models_.front();
  double best_distance = INFINITY;
  for (const auto& m : models_) {
    const double d = m.slice_s() == 0 || slice_s == 0
                         ? 0.0
                         : std::fabs(std::log(static_cast<double>(m.slice_s()) / static_cast<double>(slice_s)));
    if (d < best_distance) {
      best_distance = d;
      best = &m;
    }
  }
  return *best;
}

}  // namespace xmr
