// Metric code against cases computed by hand (docs/evaluation.md gives the definitions).
#include "eval/metrics.h"

#include <cmath>
#include <random>
#include <set>

#include <gtest/gtest.h>

namespace xmr::eval {

TEST(Roc, CurveAndAucOfAHandCase) {
  // 3 positives, 3 negatives; of the 9 positive/negative pairs the positive wins 8
  // (0.9 and 0.8 beat all three negatives, 0.6 beats 0.5 and 0.4): AUC = 8/9.
  const std::vector<Scored> items{{0.9, true}, {0.8, true}, {0.7, false}, {0.6, true}, {0.5, false}, {0.4, false}};
  const auto c = roc_curve(items);
  const std::vector<std::pair<double, double>> want{{0, 0},     {0, 1.0 / 3}, {0, 2.0 / 3}, {1.0 / 3, 2.0 / 3},
                                                    {1.0 / 3, 1}, {2.0 / 3, 1}, {1, 1}};
  ASSERT_EQ(c.size(), want.size());
  for (std::size_t i = 0; i < c.size(); ++i) {
    EXPECT_NEAR(c[i].fpr, want[i].first, 1e-12) << i;
    EXPECT_NEAR(c[i].tpr, want[i].second, 1e-12) << i;
  }
  EXPECT_TRUE(std::isinf(c[0].threshold));
  EXPECT_DOUBLE_EQ(c[3].threshold, 0.7);
  EXPECT_NEAR(roc_auc(items), 8.0 / 9, 1e-12);
}

TEST(Roc, TiesMoveTogetherAndCountOneHalf) {
  // Pairs: 0.9+ beats both negatives (2); 0.5+ ties 0.5- (1/2) and beats 0.1- (1): 3.5 / 4.
  const std::vector<Scored> items{{0.5, true}, {0.5, false}, {0.9, true}, {0.1, false}};
  const auto c = roc_curve(items);
  ASSERT_EQ(c.size(), 4u);  // +inf, 0.9, 0.5 (both tied items at once), 0.1
  EXPECT_DOUBLE_EQ(c[2].fpr, 0.5);
  EXPECT_DOUBLE_EQ(c[2].tpr, 1.0);
  EXPECT_DOUBLE_EQ(roc_auc(items), 0.875);
  // All scores equal: the diagonal, AUC one half.
  const std::vector<Scored> flat{{1, true}, {1, false}, {1, true}, {1, false}};
  EXPECT_DOUBLE_EQ(roc_auc(flat), 0.5);
  const std::vector<Scored> one_class{{1, true}, {2, true}};
  EXPECT_TRUE(std::isnan(roc_auc(one_class)));
}

TEST(Wilson, MatchesHandComputedIntervals) {
  // 0/10: upper = (z^2/n) / (1 + z^2/n) = 0.38415 / 1.38415 = 0.27753.
  auto p = wilson(0, 10);
  EXPECT_EQ(p.low, 0);
  EXPECT_NEAR(p.high, 0.27753, 5e-5);
  // 5/10: 0.5 +- 1.96 sqrt(0.025 + 0.0096037) / 1.38415 = 0.5 +- 0.26340.
  p = wilson(5, 10);
  EXPECT_NEAR(p.low, 0.23660, 5e-5);
  EXPECT_NEAR(p.high, 0.76340, 5e-5);
  p = wilson(10, 10);
  EXPECT_EQ(p.high, 1);
  EXPECT_NEAR(p.low, 1 - 0.27753, 5e-5);
  EXPECT_TRUE(std::isnan(wilson(0, 0).value));
}

TEST(DetectionAtFpr, ThresholdLetsAtMostTheAllowedBenignThrough) {
  std::vector<Scored> items;
  for (int i = 0; i < 2000; ++i) items.push_back({double(i), false});  // benign 0..1999
  for (int i = 0; i < 90; ++i) items.push_back({1998.5, true});         // above the 2nd-highest benign
  for (int i = 0; i < 10; ++i) items.push_back({1998.0, true});         // tied with it: not alerted
  // 0.05 % of 2000 = 1 benign may alert: threshold = the 2nd-highest benign score, 1998.
  auto d = detection_at_fpr(items, 0.0005);
  EXPECT_DOUBLE_EQ(d.threshold, 1998);
  EXPECT_EQ(d.false_positive.successes, 1u);
  EXPECT_EQ(d.detection.successes, 90u);
  EXPECT_EQ(d.detection.trials, 100u);
  EXPECT_EQ(d.benign, 2000u);
  EXPECT_FALSE(d.enough_benign);  // needs 3 / 0.0005 = 6000
  // 0.01 % of 2000 = 0.2: no benign may alert; the threshold is the top benign, 1999.
  d = detection_at_fpr(items, 0.0001);
  EXPECT_DOUBLE_EQ(d.threshold, 1999);
  EXPECT_EQ(d.false_positive.successes, 0u);
  EXPECT_EQ(d.detection.successes, 0u);

  std::vector<Scored> many;
  for (int i = 0; i < 6000; ++i) many.push_back({double(i % 7), false});
  many.push_back({10, true});
  d = detection_at_fpr(many, 0.0005);
  EXPECT_TRUE(d.enough_benign);
  EXPECT_EQ(d.false_positive.successes, 0u);  // 3 allowed, but the top score is tied 857 times
  EXPECT_EQ(d.detection.successes, 1u);
}

TEST(Aggregate, ConnectionDetectedIfAnyWindowIs) {
  const std::vector<Scored> w{{0.1, true}, {0.9, true}, {0.5, false}, {0.2, false}, {0.3, false}};
  const std::vector<std::string> conn{"A", "A", "B", "B", "C"};
  const auto c = aggregate_max(w, conn);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_DOUBLE_EQ(c[0].suspicion, 0.9);
  EXPECT_TRUE(c[0].positive);
  EXPECT_DOUBLE_EQ(c[1].suspicion, 0.5);
  EXPECT_FALSE(c[1].positive);
  // Hosts: A and B on one host, which is then a mining host.
  const std::vector<std::string> host{"h1", "h1", "h1", "h1", "h2"};
  const auto h = aggregate_max(w, host);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_TRUE(h[0].positive);
  EXPECT_DOUBLE_EQ(h[0].suspicion, 0.9);
  EXPECT_FALSE(h[1].positive);
}

TEST(Precision, AtABaseRate) {
  // DR 0.99, FPR 1e-4, 1 in 1000 windows mining: 0.00099 / (0.00099 + 0.0000999) = 0.908340.
  EXPECT_NEAR(precision_at_base_rate(0.99, 1e-4, 1e-3), 0.908340, 1e-6);
  EXPECT_DOUBLE_EQ(precision_at_base_rate(0.5, 0, 0.01), 1.0);
  EXPECT_TRUE(std::isnan(precision_at_base_rate(0, 0, 0.01)));
}

TEST(Delays, MedianAndP95ByLinearInterpolation) {
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 0.95), 3.85);  // h = 3 x 0.95 = 2.85
  const std::vector<double> d{600, 300, 900};
  const auto t = time_to_first_alert(d, 5);
  EXPECT_EQ(t.detected, 3u);
  EXPECT_EQ(t.connections, 5u);
  EXPECT_DOUBLE_EQ(t.median_s, 600);
  EXPECT_DOUBLE_EQ(t.p95_s, 870);
  EXPECT_TRUE(std::isnan(time_to_first_alert({}, 2).median_s));
}

TEST(LeavePoolsOut, NoTestPoolEverReachesTraining) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::string> pools;
    for (int i = 0; i < 500; ++i) pools.push_back("pool-" + std::to_string(rng() % 9));
    const auto folds = leave_groups_out(pools, 4, seed);
    ASSERT_EQ(folds.size(), 4u);
    std::multiset<std::string> tested;
    std::size_t tested_items = 0;
    for (const auto& f : folds) {
      const std::set<std::string> test_groups(f.test_groups.begin(), f.test_groups.end());
      EXPECT_FALSE(test_groups.empty());
      for (auto i : f.train) EXPECT_EQ(test_groups.count(pools[i]), 0u) << "seed " << seed << ": leak of " << pools[i];
      for (auto i : f.test) EXPECT_EQ(test_groups.count(pools[i]), 1u);
      EXPECT_EQ(f.train.size() + f.test.size(), pools.size());
      tested.insert(f.test_groups.begin(), f.test_groups.end());
      tested_items += f.test.size();
    }
    EXPECT_EQ(tested_items, pools.size());  // every item tested exactly once
    for (const auto& p : std::set<std::string>(pools.begin(), pools.end())) EXPECT_EQ(tested.count(p), 1u) << p;
    const auto again = leave_groups_out(pools, 4, seed);
    for (std::size_t f = 0; f < folds.size(); ++f) EXPECT_EQ(again[f].test_groups, folds[f].test_groups);
  }
  // More folds than pools: one pool per fold.
  const std::vector<std::string> two{"a", "b", "a"};
  EXPECT_EQ(leave_groups_out(two, 5, 1).size(), 2u);
}

}  // namespace xmr::eval
