#pragma once
// The one-class learners compared in docs/model.md. Internal to src/model.
#include <cstdint>
#include <random>
#include <vector>

#include "model/one_class.h"

namespace xmr {

class IsolationForest final : public OneClassLearner {
 public:
  LearnerKind kind() const noexcept override { return LearnerKind::isolation_forest; }
  void fit(std::span<const FeatureVector> rows, std::uint64_t seed) override;
  double score(const FeatureVector& row) const override;
  nlohmann::json to_json() const override;
  static result<std::unique_ptr<OneClassLearner>> from_json(const nlohmann::json& j);

 private:
  struct Node {
    std::int32_t feature = -1;  // -1: leaf
    double value = 0;
    std::int32_t left = -1, right = -1;
    std::uint32_t size = 0;  // leaf: training rows that reached it
  };
  std::int32_t build(std::span<const FeatureVector> rows, std::vector<std::size_t> idx, int depth, int limit,
                     std::mt19937_64& rng);
  std::vector<Node> nodes_;
  std::vector<std::int32_t> roots_;
  std::size_t psi_ = 0;
};

// Mean Euclidean distance to the k nearest training windows (k = 5), on at most 4000 of them.
class KnnDistance final : public OneClassLearner {
 public:
  LearnerKind kind() const noexcept override { return LearnerKind::knn_distance; }
  void fit(std::span<const FeatureVector> rows, std::uint64_t seed) override;
  double score(const FeatureVector& row) const override;
  nlohmann::json to_json() const override;
  static result<std::unique_ptr<OneClassLearner>> from_json(const nlohmann::json& j);

 private:
  std::vector<FeatureVector> points_;
};

// One-class SVM (Schölkopf et al. 2001) trained by libsvm, RBF kernel, nu = 0.05; the support
// vectors are kept so that scoring and the model file need no libsvm state.
class OneClassSvm final : public OneClassLearner {
 public:
  LearnerKind kind() const noexcept override { return LearnerKind::ocsvm; }
  void fit(std::span<const FeatureVector> rows, std::uint64_t seed) override;
  double score(const FeatureVector& row) const override;
  nlohmann::json to_json() const override;
  static result<std::unique_ptr<OneClassLearner>> from_json(const nlohmann::json& j);

 private:
  std::vector<FeatureVector> support_;
  std::vector<double> coef_;
  double rho_ = 0, gamma_ = 0;
};

}  // namespace xmr
