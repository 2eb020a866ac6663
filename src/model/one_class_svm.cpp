#include <svm.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "model/learners.h"

namespace xmr {

namespace {
constexpr std::size_t max_rows = 5000;  // libsvm training is quadratic in the rows
constexpr double nu = 0.05;             // upper bound on the training share outside the boundary

void quiet(const char*) {}  // libsvm prints progress to stdout by default

double rbf(const FeatureVector& a, const FeatureVector& b, double gamma) {
  double s = 0;
  for (std::size_t f = 0; f < feature_count; ++f) s += (a[f] - b[f]) * (a[f] - b[f]);
  return std::exp(-gamma * s);
}
}  // namespace

void OneClassSvm::fit(std::span<const FeatureVector> rows, std::uint64_t seed) {
  support_.clear();
  coef_.clear();
  gamma_ = 1.0 / static_cast<double>(feature_count);  // libsvm's default gamma
  rho_ = 0;
  if (rows.empty()) return;
  std::vector<std::size_t> idx(rows.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(idx.begin(), idx.end(), rng);
  idx.resize(std::min(idx.size(), max_rows));
  std::sort(idx.begin(), idx.end());

  // libsvm's sparse rows: feature_count nodes plus the -1 terminator each.
  std::vector<svm_node> nodes(idx.size() * (feature_count + 1));
  std::vector<svm_node*> x(idx.size());
  std::vector<double> y(idx.size(), 1.0);
  for (std::size_t r = 0; r < idx.size(); ++r) {
    svm_node* row = &nodes[r * (feature_count + 1)];
    for (std::size_t f = 0; f < feature_count; ++f) row[f] = svm_node{static_cast<int>(f + 1), rows[idx[r]][f]};
    row[feature_count] = svm_node{-1, 0.0};
    x[r] = row;
  }
  svm_problem prob{static_cast<int>(idx.size()), y.data(), x.data()};
  svm_parameter param{};
  param.svm_type = ONE_CLASS;
  param.kernel_type = RBF;
  param.gamma = gamma_;
  param.nu = nu;
  param.cache_size = 100;
  param.eps = 1e-3;
  param.shrinking = 1;
  svm_set_print_string_function(&quiet);
  if (svm_check_parameter(&prob, &param) != nullptr) return;  // cannot happen with the constants above
  svm_model* m = svm_train(&prob, &param);
  for (int i = 0; i < m->l; ++i) {
    FeatureVector v{};
    for (const svm_node* n = m->SV[i]; n->index != -1; ++n)
      if (n->index >= 1 && static_cast<std::size_t>(n->index) <= feature_count) v[static_cast<std::size_t>(n->index - 1)] = n->value;
    support_.push_back(v);
    coef_.push_back(m->sv_coef[0][i]);
  }
  rho_ = m->rho[0];
  svm_free_and_destroy_model(&m);
}

double OneClassSvm::score(const FeatureVector& x) const {
  // libsvm's decision value: sum_i coef_i K(sv_i, x) - rho, positive inside the boundary.
  double f = -rho_;
  for (std::size_t i = 0; i < support_.size(); ++i) f += coef_[i] * rbf(support_[i], x, gamma_);
  return -f;
}

nlohmann::json OneClassSvm::to_json() const {
  return {{"learner", "ocsvm"}, {"gamma", gamma_}, {"rho", rho_}, {"coef", coef_}, {"support", support_}};
}

result<std::unique_ptr<OneClassLearner>> OneClassSvm::from_json(const nlohmann::json& j) {
  auto m = std::make_unique<OneClassSvm>();
  try {
    m->gamma_ = j.at("gamma").get<double>();
    m->rho_ = j.at("rho").get<double>();
    m->coef_ = j.at("coef").get<std::vector<double>>();
    for (const auto& p : j.at("support")) {
      if (!p.is_array() || p.size() != feature_count) return make_error(errc::bad_json, "ocsvm: vector of wrong width");
      FeatureVector v;
      for (std::size_t f = 0; f < feature_count; ++f) v[f] = p.at(f).get<double>();
      m->support_.push_back(v);
    }
  } catch (const nlohmann::json::exception& e) {
    return make_error(errc::bad_json, std::string("ocsvm: ") + e.what());
  }
  if (m->coef_.size() != m->support_.size()) return make_error(errc::bad_json, "ocsvm: coef and support differ in length");
  return std::unique_ptr<OneClassLearner>(std::move(m));
}

}  // namespace xmr
