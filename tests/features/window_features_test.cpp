// Window features on hand-built windows: a Monero miner against look-alike benign traffic.
#include "features/window_features.h"

#include "support/synthetic_windows.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

namespace xmr {

namespace {

using test::miner_window;
using test::mqtt_window;

double get(const FeatureVector& f, Feature k) { return f[static_cast<std::size_t>(k)]; }

FeatureVector features_of(const std::vector<Slice>& w) {
  const auto sizes = learn_sizes(w, false);
  return window_features(WindowInput{w, 60'000, &sizes});
}

}  // namespace

TEST(WindowFeatures, NamesAreUniqueAndTheSchemaHashIsStableWithinARun) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < feature_count; ++i) names.insert(std::string(feature_name(static_cast<Feature>(i))));
  EXPECT_EQ(names.size(), feature_count);
  EXPECT_FALSE(names.count("?"));
  EXPECT_EQ(feature_schema_hash(), feature_schema_hash());
  EXPECT_NE(feature_schema_hash(), 0u);
}

double share_with_packets(const std::vector<Slice>& w, double span) {
  double n = 0;
  for (const auto& s : w) n += (s.up.pkts + s.down.pkts) > 0;
  return n / span;
}

TEST(WindowFeatures, AMinerLooksLikeStratum) {
  std::mt19937_64 rng(21);
  const auto w = miner_window(rng, 30, 2.0);
  const auto f = features_of(w);
  EXPECT_GE(get(f, Feature::explained_share), 0.9);
  EXPECT_LE(get(f, Feature::result_balance), 0.1);
  EXPECT_NEAR(get(f, Feature::ack_share_up), 1.0, 0.1);
  EXPECT_NEAR(get(f, Feature::jobs_per_minute), 0.5, 0.3);
  EXPECT_NEAR(get(f, Feature::requests_per_minute), 2.0, 0.6);
  EXPECT_LE(get(f, Feature::residual_share), 0.02);
  EXPECT_NEAR(get(f, Feature::active_share), share_with_packets(w, 30), 1e-9);
  // Block times do not depend on the miner's shares.
  EXPECT_LT(std::abs(get(f, Feature::job_request_correlation)), 0.5);
  EXPECT_NEAR(get(f, Feature::submit_size_kb), 0.183, 0.004);
}

TEST(WindowFeatures, MqttTelemetryDoesNot) {
  std::mt19937_64 rng(22);
  const auto mqtt = features_of(mqtt_window(rng, 30));
  std::mt19937_64 rng2(21);
  const auto miner = features_of(miner_window(rng2, 30, 2.0));
  // Readings of arbitrary size are not a whole mix of two constant sizes answered one for one.
  EXPECT_LT(get(mqtt, Feature::explained_share), get(miner, Feature::explained_share));
  EXPECT_GT(get(mqtt, Feature::result_balance) + get(mqtt, Feature::residual_share),
            get(miner, Feature::result_balance) + get(miner, Feature::residual_share) + 0.5);
}

TEST(WindowFeatures, IdleSlicesInsideTheWindowCount) {
  std::mt19937_64 rng(23);
  auto w = miner_window(rng, 10, 1.0);
  for (std::size_t i = 0; i < w.size(); ++i) w[i].index = 1000 + 2 * static_cast<std::int64_t>(i);  // every other slice idle
  const auto f = features_of(w);
  EXPECT_NEAR(get(f, Feature::active_share), share_with_packets(w, 19), 1e-9);
}

TEST(WindowFeatures, EmptyInputGivesZerosNotNaN) {
  const auto f = window_features(WindowInput{});
  for (double v : f) EXPECT_EQ(v, 0.0);
  Slice empty;
  std::vector<Slice> w(3, empty);
  LearnedSizes none;
  const auto g = window_features(WindowInput{w, 60'000, &none});
  for (double v : g) EXPECT_TRUE(std::isfinite(v));
}

}  // namespace xmr
