// The detection pipeline on records built from hand-made slices: windows slide, alerts fire on
// miners and not on look-alikes, memory stays bounded.
#include "detect/detector.h"

#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "detect/detect_fixtures.h"
#include "detect/eve_alerts.h"

namespace xmr {

using test::CollectAlerts;
using test::records_of;
using test::train_model;
using Collect = CollectAlerts;
// These tests count full windows only: score-early is off here (pipeline_cases_test.cpp covers it).
inline DetectorOptions options() {
  auto o = test::detector_options();
  o.early_min_duration_ms = -1;
  return o;
}

TEST(Detector, AlertsOnAMinerOnceAndNamesItsEnds) {
  const Model model = train_model();
  Detector d(model, options());
  Collect sink;
  std::mt19937_64 rng(7);
  const auto slices = test::miner_window(rng, 30, 2.0);
  for (const auto& r : records_of(slices, "10.1.2.3", 50123, "198.51.100.9", 3333)) d.add(r, sink);
  d.finish(sink);
  // A window is scored when a slice closes, from the 10th slice of the connection on; a slice
  // with no packet at all produces no record, so closes nothing.
  std::uint64_t expected = 0;
  for (const auto& s : slices) expected += s.index >= slices.front().index + 9 && s.up.pkts + s.down.pkts > 0;
  EXPECT_EQ(d.stats().windows_scored, expected);
  ASSERT_GE(sink.alerts.size(), 1u);
  EXPECT_LE(sink.alerts.size(), 2u);  // re-alerts only every 12 windows
  const Alert& a = sink.alerts.front();
  EXPECT_EQ(a.connection.client().addr.to_string(), "10.1.2.3");
  EXPECT_EQ(a.connection.server().port, 3333);
  EXPECT_LE(a.score, a.threshold);
  const auto eve = nlohmann::json::parse(eve_alert_json(a));
  EXPECT_EQ(eve["event_type"], "alert");
  EXPECT_EQ(eve["src_ip"], "10.1.2.3");
  EXPECT_EQ(eve["dest_port"], 3333);
  EXPECT_EQ(eve["xmr_ray"]["learned_sizes"]["submit"].get<int>() / 10, 18);
}

TEST(Detector, StaysQuietOnMqttTelemetry) {
  const Model model = train_model();
  Detector d(model, options());
  Collect sink;
  std::mt19937_64 rng(8);
  for (int c = 0; c < 20; ++c)
    for (const auto& r : records_of(test::mqtt_window(rng, 30), "10.1.2.4", static_cast<std::uint16_t>(40000 + c),
                                    "203.0.113.5", 8883))
      d.add(r, sink);
  d.finish(sink);
  EXPECT_GT(d.stats().windows_scored, 0u);
  EXPECT_EQ(sink.alerts.size(), 0u);
}

TEST(Detector, ShortConnectionsAreNeverScored) {
  const Model model = train_model();
  Detector d(model, options());
  Collect sink;
  std::mt19937_64 rng(9);
  for (const auto& r : records_of(test::miner_window(rng, 5, 2.0), "10.1.2.3", 50123, "198.51.100.9", 3333))
    d.add(r, sink);
  d.finish(sink);
  EXPECT_EQ(d.stats().windows_scored, 0u);
  EXPECT_EQ(d.stats().connections_too_short, 1u);
}

}  // namespace xmr

namespace xmr {

TEST(Prefilter, BulkWindowsAreNotScoredButCounted) {
  const Model model = train_model();
  Detector d(model, options());
  Collect sink;
  // A download: full-sized segments one way, ACKs the other, for 20 slices.
  std::vector<Slice> bulk;
  for (int i = 0; i < 20; ++i) {
    Slice s;
    s.index = 2000 + i;
    s.down.add(1000, 1000 * 1500, 0x18);
    s.up.add(500, 500 * 52, 0x10);
    bulk.push_back(s);
  }
  for (const auto& r : records_of(bulk, "10.1.2.3", 50123, "192.0.2.80", 443)) d.add(r, sink);
  d.finish(sink);
  EXPECT_EQ(d.stats().windows_scored, 0u);
  EXPECT_EQ(d.stats().windows_prefiltered, 11u);
  EXPECT_EQ(sink.alerts.size(), 0u);
}

}  // namespace xmr
