// Explanations: the connection parser, and an explained miner whose slices add up to its
// records and whose verdicts are the detector's.
#include <gtest/gtest.h>

#include <cmath>

#include "detect/detect_fixtures.h"
#include "detect/explain.h"

namespace xmr {

TEST(ParseConnection, BothFamiliesEitherOrder) {
  auto a = parse_connection("10.1.2.3:50123-198.51.100.9:3333");
  auto b = parse_connection("198.51.100.9:3333-10.1.2.3:50123");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  auto v6 = parse_connection("[2001:db8::5]:50124-[2001:db8:1::9]:443");
  ASSERT_TRUE(v6) << v6.error().context;
  EXPECT_EQ(v6->high.port == 443 || v6->low.port == 443, true);
  EXPECT_FALSE(parse_connection("10.1.2.3:50123"));
  EXPECT_FALSE(parse_connection("10.1.2.3-198.51.100.9"));
  EXPECT_FALSE(parse_connection("10.1.2.3:50123-198.51.100.9:70000"));
  EXPECT_FALSE(parse_connection("host:1-host:2"));
}

TEST(Explain, AMinersSlicesAndWhatDroveItsScore) {
  const Model model = test::train_model();
  std::mt19937_64 rng(7);
  const auto slices = test::miner_window(rng, 20, 2.0);
  auto records = test::records_of(slices, "10.1.2.3", 50123, "198.51.100.9", 3333);
  std::mt19937_64 rng2(9);
  const auto other = test::records_of(test::mqtt_window(rng2, 20), "10.1.2.4", 40000, "203.0.113.5", 8883);
  records.insert(records.end(), other.begin(), other.end());
  std::stable_sort(records.begin(), records.end(), [](const auto& x, const auto& y) { return x.last_ms < y.last_ms; });

  const auto opts = test::detector_options();
  auto key = parse_connection("198.51.100.9:3333-10.1.2.3:50123");
  ASSERT_TRUE(key);
  auto ex = ConnectionExplainer::create(model, opts, *key);
  ASSERT_TRUE(ex) << ex.error().context;
  for (const auto& r : records) (*ex)->add(r);
  (*ex)->finish();
  const auto& e = (*ex)->explanation();
  ASSERT_TRUE(e.found);
  EXPECT_EQ(e.connection.client().port, 50123);
  ASSERT_FALSE(e.windows.empty());

  // The detector on the same records: the explained windows alert exactly when it scores the same.
  Detector d(model, opts);
  test::CollectAlerts sink;
  for (const auto& r : records) d.add(r, sink);
  d.finish(sink);
  ASSERT_FALSE(sink.alerts.empty());
  bool found_first_alert = false;
  for (const auto& w : e.windows)
    if (w.end_ms == sink.alerts.front().window_end_ms && w.start_ms == sink.alerts.front().window_start_ms) {
      found_first_alert = true;
      EXPECT_TRUE(w.alerts);
      EXPECT_DOUBLE_EQ(w.score, sink.alerts.front().score);
    }
  EXPECT_TRUE(found_first_alert);

  const auto& last = e.windows.back();
  // Slices: the packets of the records, per direction (records sit inside their slice).
  std::uint64_t up = 0, down = 0;
  for (const auto& s : last.slices) {
    up += s.slice.up.pkts;
    down += s.slice.down.pkts;
    // The reconstruction conserves packets (stratum_estimate.h).
    EXPECT_EQ(s.estimate.submits + s.estimate.keepalives + s.estimate.acks_up, s.slice.up.pkts);
    EXPECT_EQ(s.estimate.jobs + s.estimate.results + s.estimate.acks_down, s.slice.down.pkts);
  }
  std::uint64_t up_truth = 0, down_truth = 0;
  for (const auto& s : slices)
    if (s.index >= last.slices.front().slice.index && s.index <= last.slices.back().slice.index) up_truth += s.up.pkts, down_truth += s.down.pkts;
  EXPECT_EQ(up, up_truth);
  EXPECT_EQ(down, down_truth);
  // Contributions: one per feature, largest first, each the score change it claims to be.
  ASSERT_EQ(last.contributions.size(), feature_count);
  for (std::size_t i = 1; i < last.contributions.size(); ++i)
    EXPECT_GE(std::fabs(last.contributions[i - 1].contribution), std::fabs(last.contributions[i].contribution));
  const auto text = format_explanation(e);
  EXPECT_NE(text.find("10.1.2.3:50123"), std::string::npos);
  EXPECT_NE(text.find(std::string(feature_name(last.contributions[0].feature))), std::string::npos) << text;
}

TEST(Explain, AConnectionNotInTheInputSaysSo) {
  const Model model = test::train_model();
  auto ex = ConnectionExplainer::create(model, test::detector_options(), *parse_connection("10.0.0.1:1-10.0.0.2:2"));
  ASSERT_TRUE(ex);
  (*ex)->finish();
  EXPECT_FALSE((*ex)->explanation().found);
  EXPECT_NE(format_explanation((*ex)->explanation()).find("No record"), std::string::npos);
}

}  // namespace xmr
