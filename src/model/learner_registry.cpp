#include "model/learners.h"

namespace xmr {

std::string_view to_string(LearnerKind k) noexcept {
  switch (k) {
    case LearnerKind::isolation_forest: return "isolation_forest";
    case LearnerKind::knn_distance: return "knn_distance";
    case LearnerKind::ocsvm: return "ocsvm";
  }
  return "?";
}

result<LearnerKind> parse_learner(std::string_view name) {
  for (auto k : {LearnerKind::isolation_forest, LearnerKind::knn_distance, LearnerKind::ocsvm})
    if (name == to_string(k)) return k;
  return make_error(errc::bad_argument, "unknown learner '" + std::string(name) +
                                            "' (isolation_forest, knn_distance, ocsvm)");
}

std::unique_ptr<OneClassLearner> make_learner(LearnerKind kind) {
  switch (kind) {
    case LearnerKind::isolation_forest: return std::make_unique<IsolationForest>();
    case LearnerKind::knn_distance: return std::make_unique<KnnDistance>();
    case LearnerKind::ocsvm: return std::make_unique<OneClassSvm>();
  }
  return nullptr;
}

result<std::unique_ptr<OneClassLearner>> learner_from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("learner") || !j["learner"].is_string())
    return make_error(errc::bad_json, "learner: missing name");
  auto kind = parse_learner(j["learner"].get<std::string>());
  if (!kind) return make_error(errc::bad_json, kind.error().context);
  switch (*kind) {
    case LearnerKind::isolation_forest: return IsolationForest::from_json(j);
    case LearnerKind::knn_distance: return KnnDistance::from_json(j);
    case LearnerKind::ocsvm: return OneClassSvm::from_json(j);
  }
  return make_error(errc::bad_json, "learner: unknown");
}

}  // namespace xmr
