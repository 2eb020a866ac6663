// Window features on hand-built windows: a Monero miner against look-alike benign traffic.
#include "features/window_features.h"

#include "support/synthetic_windows.h"

#include <gtest/gtest.h>

#include <algorithm>
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

namespace xmr {

namespace {
std::vector<double> poisson_counts(std::mt19937_64& rng, std::size_t n, double mean, int packets_per_event) {
  std::poisson_distribution<int> events(mean);
  std::vector<double> c(n);
  for (auto& v : c) v = events(rng) * packets_per_event;
  return c;
}
}  // namespace

TEST(MinBlockFano, PoissonCountsStayNearOneAtEveryBlockSize) {
  // Shares and blocks: Poisson events. The minimum over three block sizes of 48 slices is biased
  // low (12 blocks of 4 are few) but 95 % of 200 draws stay above 0.4, far from a timer's ~0.
  std::mt19937_64 rng(31);
  std::vector<double> f;
  for (int draw = 0; draw < 200; ++draw) f.push_back(min_block_fano(poisson_counts(rng, 48, 2.0, 1)));
  std::sort(f.begin(), f.end());
  EXPECT_GT(f[10], 0.4);
  EXPECT_GT(f[100], 0.6);
  EXPECT_LT(f[100], 1.1);
  // Each event several packets (a message and its ACK): the factor grows, it does not shrink.
  EXPECT_GT(min_block_fano(poisson_counts(rng, 48, 2.0, 2)), 1.0);
}

TEST(MinBlockFano, ATimerLongerThanASliceIsFoundByTheLargerBlocks) {
  // A poll every 120 s seen in 60 s slices: 2,0,2,0,... looks Poisson slice by slice (var/mean
  // about 1) but every block of two slices holds exactly one poll.
  std::vector<double> c;
  for (int i = 0; i < 48; ++i) c.push_back(i % 2 == 0 ? 2.0 : 0.0);
  std::span<const double> all(c);
  EXPECT_GT(min_block_fano(all.first(10)), 0.9);  // 10 slices: block 1 only
  EXPECT_LT(min_block_fano(all), 0.05);
  // The same with the poll drifting across slice boundaries (period 125 s).
  std::vector<double> drift(48, 0.0);
  for (double t = 7.0; t < 48 * 60.0; t += 125.0) drift[static_cast<std::size_t>(t / 60.0)] += 2.0;
  EXPECT_LT(min_block_fano(drift), 0.3);
}

TEST(MinBlockFano, TooShortOrSilentSeriesCarryNoEvidence) {
  EXPECT_EQ(min_block_fano(std::vector<double>{}), 1.0);
  EXPECT_EQ(min_block_fano(std::vector<double>{3, 3, 3, 3, 3}), 1.0);  // fewer than 6 blocks
  EXPECT_NEAR(min_block_fano(std::vector<double>{0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0}), 2.4, 1e-9);  // 5 blocks of 2: block 1 only
  EXPECT_EQ(min_block_fano(std::vector<double>(48, 0.0)), 1.0);
  EXPECT_EQ(min_block_fano(std::vector<double>(48, 4.0)), 0.0);  // perfectly regular
}

TEST(WindowFeatures, CountFanoComesFromTheHistoryWhenGiven) {
  // The same window: alone (10 slices of 2,0,2,0: no evidence beyond block 1) and with the
  // connection's 48-slice history, whose two-slice blocks expose the timer.
  std::vector<Slice> history;
  for (int i = 0; i < 48; ++i) {
    Slice s;
    s.index = 5000 + i;
    s.start_ms = s.index * 60'000;
    if (i % 2 == 0) {
      s.up.add(2, 2 * 52 + 150, 0x18);
      s.down.add(2, 2 * 52 + 220, 0x18);
    }
    history.push_back(s);
  }
  const std::span<const Slice> window = std::span<const Slice>(history).last(10);
  const auto sizes = learn_sizes(history, false);
  const auto alone = window_features(WindowInput{window, 60'000, &sizes});
  const auto with_history = window_features(WindowInput{window, 60'000, &sizes, history});
  EXPECT_GT(get(alone, Feature::down_count_fano), 0.9);
  EXPECT_LT(get(with_history, Feature::down_count_fano), 0.05);
  EXPECT_LT(get(with_history, Feature::up_count_fano), 0.05);
}

}  // namespace xmr
