#pragma once
// Evaluation metrics (issue 6, docs/evaluation.md). Pure functions over scored items.
//
// Convention: a `Scored` item carries a *suspicion*, higher = more like mining, and an item
// alerts at threshold t when suspicion > t. (XMR-Ray's model score is the opposite way round,
// higher = less like mining, so the evaluation negates it; baselines give their own suspicion.)
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace xmr::eval {

struct Scored {
  double suspicion = 0;
  bool positive = false;  // ground truth: mining
};

struct RocPoint {
  double threshold = 0;  // items with suspicion >= threshold alert (the first point: +inf, nothing alerts)
  double fpr = 0;
  double tpr = 0;
};

// The ROC curve with one point per distinct score (tied items move together, so the curve has a
// diagonal segment across a tie), from (0,0) to (1,1).
std::vector<RocPoint> roc_curve(std::span<const Scored> items);
// Area under the ROC curve by the trapezoid rule over roc_curve(): equals the Mann-Whitney
// probability that a random positive outscores a random negative, ties counted one half.
// NaN if either class is empty.
double roc_auc(std::span<const Scored> items);

// A binomial proportion with its two-sided 95 % interval.
struct Proportion {
  std::uint64_t successes = 0;
  std::uint64_t trials = 0;
  double value = 0;  // successes / trials (NaN when trials == 0)
  double low = 0;
  double high = 0;
};
// Wilson score interval (Wilson 1927; Brown, Cai, DasGupta 2001 recommend it over the Wald
// interval for small counts and proportions near 0 or 1), z = 1.959964 for 95 %.
Proportion wilson(std::uint64_t successes, std::uint64_t trials);

// Detection rate at a fixed false-positive rate: the threshold is the lowest one that lets at
// most floor(target_fpr x benign) benign items alert (ties with that benign score do not alert).
struct DetectionAtFpr {
  double target_fpr = 0;
  double threshold = 0;
  Proportion detection;       // positives alerting, Wilson 95 %
  Proportion false_positive;  // benign alerting (achieved FPR <= target), Wilson 95 %
  std::uint64_t benign = 0;   // benign items behind the figure
  // A target FPR is only measurable with at least 3 / target benign items: below that, even zero
  // false positives do not bound the FPR under the target (rule of three, 95 %).
  bool enough_benign = false;
};
DetectionAtFpr detection_at_fpr(std::span<const Scored> items, double target_fpr);
// Detection and false positives at a given threshold (e.g. the model's own).
DetectionAtFpr detection_at_threshold(std::span<const Scored> items, double threshold);

// Items of one group (a connection, a host) alert if any of them does: the group's suspicion is
// the maximum of its items', and it is positive if any item is (a host with one miner is a miner).
std::vector<Scored> aggregate_max(std::span<const Scored> items, std::span<const std::string> groups);

// Precision when positives make up `base_rate` of what is scored: Bayes with the measured
// detection and false-positive rates. NaN when nothing would alert.
double precision_at_base_rate(double detection_rate, double false_positive_rate, double base_rate);

// Quantile of a sample by linear interpolation between order statistics (Hyndman-Fan type 7, as
// R's and NumPy's default). NaN for an empty sample.
double quantile(std::vector<double> values, double q);

struct Delays {
  std::uint64_t detected = 0;    // positive connections that alerted at all
  std::uint64_t connections = 0; // positive connections
  double median_s = 0;           // over the detected ones; NaN if none
  double p95_s = 0;
};
// Time from each mining connection's first packet to the end of its first alerting window.
Delays time_to_first_alert(std::span<const double> delays_s_of_detected, std::uint64_t positive_connections);

// Leave-groups-out folds (leave-pools-out when the group is the pool): every distinct group is
// put in exactly one fold's test side; an item is in a fold's test set iff its group is, and in
// its training set otherwise, so no test group ever reaches training. Groups are dealt to folds
// round-robin after a seeded shuffle of their sorted names (deterministic for a seed).
struct Fold {
  std::vector<std::string> test_groups;
  std::vector<std::size_t> train;  // item indices
  std::vector<std::size_t> test;
};
std::vector<Fold> leave_groups_out(std::span<const std::string> item_groups, std::size_t folds, std::uint64_t seed);

}  // namespace xmr::eval
