#pragma once
// A trained detector: standardizer + one-class learner + threshold, with the feature schema it
// was trained on. The model file is JSON: versioned, carrying the schema hash; loading refuses a
// different version or schema rather than score garbage (docs/model.md).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/one_class.h"

namespace xmr {

struct TrainOptions {
  LearnerKind learner = LearnerKind::isolation_forest;
  // Share of training (mining) windows that must alert: the threshold is this quantile of the
  // scores of held-out calibration windows.
  double detection_quantile = 0.99;
  double calibration_share = 0.2;  // held out from fitting, deterministically
  std::uint64_t seed = 1;
  // Recorded in the model: the slice length and window it was trained at (0 = not recorded).
  // Features depend on the slice length (what one slice can reveal of the messages), so a model
  // only fits input sliced alike (docs/model.md).
  std::uint32_t slice_s = 0;
  std::uint32_t window_slices = 0;
};

class Model {
 public:
  static constexpr int file_version = 2;  // 2: standardizer log1p + std scale

  [[nodiscard]] static result<Model> train(std::span<const FeatureVector> mining_windows, const TrainOptions& options);
  [[nodiscard]] static result<Model> from_json_text(std::string_view text);
  std::string to_json_text() const;
  nlohmann::json to_json() const;
  [[nodiscard]] static result<Model> from_json(const nlohmann::json& j);

  double score(const FeatureVector& window) const;  // higher = less like mining
  bool alerts(double score) const noexcept { return score <= threshold_; }
  double threshold() const noexcept { return threshold_; }
  LearnerKind learner() const noexcept { return learner_->kind(); }
  std::uint32_t slice_s() const noexcept { return slice_s_; }
  std::uint32_t window_slices() const noexcept { return window_slices_; }

 private:
  Standardizer standardizer_;
  std::unique_ptr<OneClassLearner> learner_;
  double threshold_ = 0;
  double quantile_ = 0;
  std::uint64_t trained_windows_ = 0;
  std::uint64_t seed_ = 0;
  std::uint32_t slice_s_ = 0;
  std::uint32_t window_slices_ = 0;
};

// Models trained at several slice lengths (`xmr-ray train --slices 60,300,1800`), one file: the
// detector takes the one trained nearest its input's slice length. A file holding one model is a
// set of one, so every model file loads as a set.
class ModelSet {
 public:
  [[nodiscard]] static result<ModelSet> from_json_text(std::string_view text);
  std::string to_json_text() const;
  void add(Model m) { models_.push_back(std::move(m)); }
  // The model trained nearest `slice_s` on a log scale (300 is as far from 60 as from 1500);
  // a model with no recorded slice matches any. Never called on an empty set.
  const Model& select(std::uint32_t slice_s) const;
  std::size_t size() const noexcept { return models_.size(); }
  const Model& operator[](std::size_t i) const { return models_.at(i); }

 private:
  std::vector<Model> models_;
};

}  // namespace xmr
