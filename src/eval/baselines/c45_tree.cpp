#include "eval/baselines/c45_tree.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace xmr::eval {

namespace {

double entropy(double pos, double total) {
  if (total <= 0) return 0;
  double h = 0;
  for (double c : {pos, total - pos})
    if (c > 0) h -= c / total * std::log2(c / total);
  return h;
}

// z such that P(Z > z) = p for a standard normal, by bisection on erfc (monotone).
double upper_normal_quantile(double p) {
  double lo = -10, hi = 10;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (0.5 * std::erfc(mid / std::sqrt(2.0)) > p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

struct Grower {
  const std::vector<std::vector<double>>& rows;
  const std::vector<bool>& positive;
  const C45Options& opt;

  struct Split {
    int attribute = -1;
    double threshold = 0;
    double gain = 0;
    double ratio = 0;
  };

  std::unique_ptr<C45Tree::Node> grow(std::vector<std::size_t>& idx, std::size_t depth) {
    auto node = std::make_unique<C45Tree::Node>();
    node->total = double(idx.size());
    for (auto i : idx) node->positives += positive[i];
    if (node->positives == 0 || node->positives == node->total || idx.size() < 2 * opt.min_leaf ||
        depth >= opt.max_depth)
      return node;
    const double base = entropy(node->positives, node->total);
    std::vector<Split> candidates;
    const std::size_t width = rows[idx[0]].size();
    for (std::size_t a = 0; a < width; ++a) {
      std::sort(idx.begin(), idx.end(), [&](std::size_t x, std::size_t y) { return rows[x][a] < rows[y][a]; });
      Split best;
      best.attribute = int(a);
      double best_gain = -1;
      std::size_t thresholds = 0;
      double left_pos = 0;
      const double n = node->total;
      for (std::size_t k = 0; k + 1 < idx.size(); ++k) {
        left_pos += positive[idx[k]];
        const double v = rows[idx[k]][a], next = rows[idx[k + 1]][a];
        if (v == next) continue;
        ++thresholds;
        const double nl = double(k + 1), nr = n - nl;
        if (nl < double(opt.min_leaf) || nr < double(opt.min_leaf)) continue;
        const double gain = base - (nl / n) * entropy(left_pos, nl) - (nr / n) * entropy(node->positives - left_pos, nr);
        if (gain > best_gain) {
          best_gain = gain;
          best.threshold = v;
          best.ratio = entropy(nl, n);  // split information, completed below
        }
      }
      if (best_gain < 0 || thresholds == 0) continue;
      // Quinlan 1996: charge the choice among `thresholds` cut points to the gain.
      best.gain = best_gain - std::log2(double(thresholds)) / node->total;
      if (best.gain <= 0) continue;
      best.ratio = best.ratio > 0 ? best.gain / best.ratio : 0;
      candidates.push_back(best);
    }
    if (candidates.empty()) return node;
    double mean_gain = 0;
    for (const auto& c : candidates) mean_gain += c.gain;
    mean_gain /= double(candidates.size());
    const Split* chosen = nullptr;
    for (const auto& c : candidates)
      if (c.gain >= mean_gain - 1e-12 && (!chosen || c.ratio > chosen->ratio)) chosen = &c;
    node->attribute = chosen->attribute;
    node->threshold = chosen->threshold;
    std::vector<std::size_t> le, gt;
    for (auto i : idx) (rows[i][node->attribute] <= node->threshold ? le : gt).push_back(i);
    idx.clear();
    idx.shrink_to_fit();
    node->le = grow(le, depth + 1);
    node->gt = grow(gt, depth + 1);
    return node;
  }
};

double leaf_errors(const C45Tree::Node& n) { return std::min(n.positives, n.total - n.positives); }

// Returns the pessimistic error estimate of the (possibly pruned) subtree.
double prune(C45Tree::Node& n, double cf) {
  const double as_leaf = leaf_errors(n) + c45_added_errors(n.total, leaf_errors(n), cf);
  if (n.attribute < 0) return as_leaf;
  const double subtree = prune(*n.le, cf) + prune(*n.gt, cf);
  if (as_leaf <= subtree + 0.1) {  // 0.1: C4.5's tolerance in favour of the simpler tree
    n.attribute = -1;
    n.le.reset();
    n.gt.reset();
    return as_leaf;
  }
  return subtree;
}

std::size_t count_leaves(const C45Tree::Node* n) {
  if (!n) return 0;
  return n->attribute < 0 ? 1 : count_leaves(n->le.get()) + count_leaves(n->gt.get());
}
std::size_t depth_of(const C45Tree::Node* n) {
  if (!n || n->attribute < 0) return 0;
  return 1 + std::max(depth_of(n->le.get()), depth_of(n->gt.get()));
}

}  // namespace

double c45_added_errors(double n, double e, double cf) {
  if (n <= 0) return 0;
  if (e < 1) {
    // Exact upper limit when no error was seen: 1 - cf^(1/n); interpolated for 0 < e < 1.
    const double base = n * (1 - std::pow(cf, 1 / n));
    return e == 0 ? base : base + e * (c45_added_errors(n, 1, cf) - base);
  }
  if (e + 0.5 >= n) return std::max(n - e, 0.0);
  const double z = upper_normal_quantile(cf);
  const double f = (e + 0.5) / n;
  const double r = (f + z * z / (2 * n) + z * std::sqrt(f / n - f * f / n + z * z / (4 * n * n))) / (1 + z * z / n);
  return r * n - e;
}

void C45Tree::fit(const std::vector<std::vector<double>>& rows, const std::vector<bool>& positive, const C45Options& options) {
  std::vector<std::size_t> idx(rows.size());
  std::iota(idx.begin(), idx.end(), 0);
  Grower g{rows, positive, options};
  root_ = g.grow(idx, 0);
  prune(*root_, options.cf);
}

double C45Tree::probability(std::span<const double> row) const {
  const Node* n = root_.get();
  if (!n) return 0.5;
  while (n->attribute >= 0) n = row[std::size_t(n->attribute)] <= n->threshold ? n->le.get() : n->gt.get();
  return (n->positives + 1) / (n->total + 2);
}

std::size_t C45Tree::leaves() const noexcept { return count_leaves(root_.get()); }
std::size_t C45Tree::depth() const noexcept { return depth_of(root_.get()); }

}  // namespace xmr::eval
