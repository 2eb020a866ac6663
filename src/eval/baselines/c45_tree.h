#pragma once
// A C4.5 decision tree (Quinlan, "C4.5: Programs for Machine Learning", 1993; continuous
// attributes as in Quinlan, "Improved use of continuous attributes in C4.5", JAIR 4, 1996), our
// own implementation of what Weka's J48 does with its defaults (-C 0.25 -M 2):
//   * binary splits `x <= t` on continuous attributes, t a value seen in training;
//   * the split maximises the gain ratio among splits whose information gain is at least the
//     average gain of the candidates, gain corrected by log2(candidate thresholds) / N (1996, sec. 3);
//   * at least `min_leaf` instances on each side of a split;
//   * pessimistic pruning by subtree replacement: a subtree becomes a leaf when the leaf's upper
//     confidence bound on errors (confidence `cf`) is no worse than the subtree's.
// Not done (J48 does): subtree raising, nominal attributes, missing values. Leaves score by the
// Laplace estimate of P(positive) so the tree ranks items for ROC curves.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace xmr::eval {

struct C45Options {
  std::size_t min_leaf = 2;  // J48 -M
  double cf = 0.25;          // J48 -C
  std::size_t max_depth = 40;
};

class C45Tree {
 public:
  // rows[i] has the same width for every i.
  void fit(const std::vector<std::vector<double>>& rows, const std::vector<bool>& positive, const C45Options& options = {});
  double probability(std::span<const double> row) const;  // P(positive), Laplace-smoothed
  std::size_t leaves() const noexcept;
  std::size_t depth() const noexcept;

  struct Node {
    int attribute = -1;  // -1: leaf
    double threshold = 0;
    double positives = 0, total = 0;
    std::unique_ptr<Node> le, gt;
  };

 private:
  std::unique_ptr<Node> root_;
};

// C4.5's estimate of errors among n instances with e observed errors at confidence cf (the upper
// limit of the binomial confidence interval, normal approximation with continuity correction,
// and the exact form for e < 1), minus e: the extra errors to add.
double c45_added_errors(double n, double e, double cf);

}  // namespace xmr::eval
