#pragma once
// A trained detector: standardizer + one-class learner + threshold, with the feature schema it
// was trained on. The model file is JSON: versioned, carrying the schema hash; loading refuses a
// different version or schema rather than score garbage (docs/model.md).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "model/one_class.h"

namespace xmr {

struct TrainOptions {
  LearnerKind learner = LearnerKind::isolation_forest;
  // Share of training (mining) windows that must alert: the threshold is this quantile of the
  // scores of held-out calibration windows.
  double detection_quantile = 0.99;
  double calibration_share = 0.2;  // held out from fitting, deterministically
  std::uint64_t seed = 1;
};

class Model {
 public:
  static constexpr int file_version = 1;

  [[nodiscard]] static result<Model> train(std::span<const FeatureVector> mining_windows, const TrainOptions& options);
  [[nodiscard]] static result<Model> from_json_text(std::string_view text);
  std::string to_json_text() const;

  double score(const FeatureVector& window) const;  // higher = less like mining
  bool alerts(double score) const noexcept { return score <= threshold_; }
  double threshold() const noexcept { return threshold_; }
  LearnerKind learner() const noexcept { return learner_->kind(); }

 private:
  Standardizer standardizer_;
  std::unique_ptr<OneClassLearner> learner_;
  double threshold_ = 0;
  double quantile_ = 0;
  std::uint64_t trained_windows_ = 0;
  std::uint64_t seed_ = 0;
};

}  // namespace xmr
