#pragma once
// One-class learners: trained on mining windows only, they score how far a window is from
// mining (higher = less like mining). A window alerts when its score is at most the model's
// threshold, a quantile of the training scores (docs/model.md).
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "features/window_features.h"

namespace xmr {

// Per-feature scaling learned from the training windows: heavy-tailed features (heavy_tailed())
// go through log1p first; then (x - median) / standard deviation. Not the IQR: several features
// are zero for most mining windows (residual, imbalance), so an IQR near zero blew a window with a
// little residual up to dozens of units, and those windows set the threshold (docs/model.md).
struct Standardizer {
  FeatureVector center{};  // median, after log1p where applied
  FeatureVector scale{};
  std::array<bool, feature_count> log1p{};
  void fit(std::span<const FeatureVector> rows);
  FeatureVector apply(const FeatureVector& x) const noexcept;
  // The raw feature value at the center (what `explain` substitutes to measure a feature's effect).
  double raw_center(std::size_t f) const noexcept;
  nlohmann::json to_json() const;
  static result<Standardizer> from_json(const nlohmann::json& j);
};

enum class LearnerKind { isolation_forest, knn_distance, ocsvm };
std::string_view to_string(LearnerKind k) noexcept;
result<LearnerKind> parse_learner(std::string_view name);

class OneClassLearner {
 public:
  virtual ~OneClassLearner() = default;
  virtual LearnerKind kind() const noexcept = 0;
  // Rows are already standardized. Deterministic for a given seed.
  virtual void fit(std::span<const FeatureVector> rows, std::uint64_t seed) = 0;
  virtual double score(const FeatureVector& row) const = 0;
  virtual nlohmann::json to_json() const = 0;
};

std::unique_ptr<OneClassLearner> make_learner(LearnerKind kind);
result<std::unique_ptr<OneClassLearner>> learner_from_json(const nlohmann::json& j);

}  // namespace xmr
