// Isolation forest (Liu, Ting, Zhou, ICDM 2008): points that random axis-parallel cuts isolate
// quickly are anomalies. 200 trees of 256-row subsamples, depth limit ceil(log2 256) = 8, the
// paper's defaults. Score 2^(-E[h(x)] / c(psi)): ~1 anomalous, < 0.5 normal.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "model/learners.h"

namespace xmr {

namespace {
constexpr std::size_t tree_count = 200, sample_size = 256;

// Average path length of an unsuccessful BST search among n points (the paper's c(n)).
double average_path(double n) {
  if (n <= 1) return 0.0;
  if (n <= 2) return 1.0;
  constexpr double euler_gamma = 0.5772156649015329;
  return 2.0 * (std::log(n - 1.0) + euler_gamma) - 2.0 * (n - 1.0) / n;
}
}  // namespace

void IsolationForest::fit(std::span<const FeatureVector> rows, std::uint64_t seed) {
  nodes_.clear();
  roots_.clear();
  std::mt19937_64 rng(seed);
  psi_ = std::min(sample_size, rows.size());
  const int depth_limit = static_cast<int>(std::ceil(std::log2(std::max<double>(2.0, static_cast<double>(psi_)))));
  std::vector<std::size_t> all(rows.size());
  std::iota(all.begin(), all.end(), 0);
  for (std::size_t t = 0; t < tree_count && !rows.empty(); ++t) {
    // Sample without replacement (partial Fisher-Yates), deterministic for the seed.
    for (std::size_t i = 0; i < psi_; ++i) {
      std::uniform_int_distribution<std::size_t> pick(i, all.size() - 1);
      std::swap(all[i], all[pick(rng)]);
    }
    std::vector<std::size_t> sample(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(psi_));
    roots_.push_back(build(rows, sample, 0, depth_limit, rng));
  }
}

std::int32_t IsolationForest::build(std::span<const FeatureVector> rows, std::vector<std::size_t> idx, int depth,
                                    int limit, std::mt19937_64& rng) {
  const auto me = static_cast<std::int32_t>(nodes_.size());
  nodes_.push_back(Node{});
  if (depth >= limit || idx.size() <= 1) {
    nodes_[static_cast<std::size_t>(me)].size = static_cast<std::uint32_t>(idx.size());
    return me;
  }
  // Pick a feature that is not constant in this node; give up (leaf) if all are.
  std::vector<std::size_t> order(feature_count);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  for (std::size_t f : order) {
    double lo = rows[idx[0]][f], hi = lo;
    for (std::size_t i : idx) {
      lo = std::min(lo, rows[i][f]);
      hi = std::max(hi, rows[i][f]);
    }
    if (hi <= lo) continue;
    std::uniform_real_distribution<double> cut(lo, hi);
    const double v = cut(rng);
    std::vector<std::size_t> left, right;
    for (std::size_t i : idx) (rows[i][f] < v ? left : right).push_back(i);
    const std::int32_t l = build(rows, std::move(left), depth + 1, limit, rng);
    const std::int32_t r = build(rows, std::move(right), depth + 1, limit, rng);
    Node& n = nodes_[static_cast<std::size_t>(me)];
    n.feature = static_cast<std::int32_t>(f);
    n.value = v;
    n.left = l;
    n.right = r;
    return me;
  }
  nodes_[static_cast<std::size_t>(me)].size = static_cast<std::uint32_t>(idx.size());
  return me;
}

double IsolationForest::score(const FeatureVector& x) const {
  if (roots_.empty()) return 1.0;
  double total = 0;
  for (std::int32_t root : roots_) {
    std::int32_t n = root;
    int depth = 0;
    while (nodes_[static_cast<std::size_t>(n)].feature >= 0) {
      const Node& node = nodes_[static_cast<std::size_t>(n)];
      n = x[static_cast<std::size_t>(node.feature)] < node.value ? node.left : node.right;
      ++depth;
    }
    total += depth + average_path(nodes_[static_cast<std::size_t>(n)].size);
  }
  const double mean = total / static_cast<double>(roots_.size());
  return std::pow(2.0, -mean / average_path(static_cast<double>(psi_)));
}

nlohmann::json IsolationForest::to_json() const {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : nodes_) nodes.push_back({n.feature, n.value, n.left, n.right, n.size});
  return {{"learner", "isolation_forest"}, {"psi", psi_}, {"roots", roots_}, {"nodes", nodes}};
}

result<std::unique_ptr<OneClassLearner>> IsolationForest::from_json(const nlohmann::json& j) {
  auto f = std::make_unique<IsolationForest>();
  try {
    f->psi_ = j.at("psi").get<std::size_t>();
    f->roots_ = j.at("roots").get<std::vector<std::int32_t>>();
    for (const auto& n : j.at("nodes"))
      f->nodes_.push_back(Node{n.at(0).get<std::int32_t>(), n.at(1).get<double>(), n.at(2).get<std::int32_t>(),
                               n.at(3).get<std::int32_t>(), n.at(4).get<std::uint32_t>()});
  } catch (const nlohmann::json::exception& e) {
    return make_error(errc::bad_json, std::string("isolation forest: ") + e.what());
  }
  // Every index must point inside the node table, and features inside the schema: a model file
  // is input like any other.
  const auto n = static_cast<std::int32_t>(f->nodes_.size());
  for (std::int32_t r : f->roots_)
    if (r < 0 || r >= n) return make_error(errc::bad_json, "isolation forest: root out of range");
  for (const auto& node : f->nodes_) {
    if (node.feature < 0) continue;
    if (node.feature >= static_cast<std::int32_t>(feature_count) || node.left < 0 || node.left >= n ||
        node.right < 0 || node.right >= n)
      return make_error(errc::bad_json, "isolation forest: node out of range");
  }
  // Children are always built after their parent, so a well-formed tree has left, right > index;
  // requiring it rules out cycles.
  for (std::int32_t i = 0; i < n; ++i) {
    const auto& node = f->nodes_[static_cast<std::size_t>(i)];
    if (node.feature >= 0 && (node.left <= i || node.right <= i))
      return make_error(errc::bad_json, "isolation forest: node order");
  }
  return std::unique_ptr<OneClassLearner>(std::move(f));
}

}  // namespace xmr
