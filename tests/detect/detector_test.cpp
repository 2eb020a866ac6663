// The detection pipeline on records built from hand-made slices: windows slide, alerts fire on
// miners and not on look-alikes, memory stays bounded.
#include "detect/detector.h"

#include <gtest/gtest.h>

#include <random>

#include "detect/eve_alerts.h"
#include "support/synthetic_windows.h"

namespace xmr {

namespace {

struct Collect final : AlertSink {
  std::vector<Alert> alerts;
  void on_alert(const Alert& a) override { alerts.push_back(a); }
};

Model train_model() {
  std::mt19937_64 rng(100);
  std::vector<FeatureVector> rows;
  for (int i = 0; i < 300; ++i) {
    auto w = test::miner_window(rng, 10, 0.5 + static_cast<double>(rng() % 40) / 10.0);
    const auto sizes = learn_sizes(w, false);
    rows.push_back(window_features(WindowInput{w, 60'000, &sizes}));
  }
  auto m = Model::train(rows, TrainOptions{});
  EXPECT_TRUE(m);
  return std::move(*m);
}

// One record per direction per slice, inside the slice, as an exporter with a 60 s active
// timeout would cut them.
std::vector<FlowRecord> records_of(const std::vector<Slice>& slices, const char* client, std::uint16_t cport,
                                   const char* server, std::uint16_t sport) {
  std::vector<FlowRecord> out;
  for (const auto& s : slices) {
    for (int dir = 0; dir < 2; ++dir) {
      const auto& c = dir == 0 ? s.up : s.down;
      if (c.pkts == 0) continue;
      FlowRecord r;
      r.src_addr = *IpAddress::parse(dir == 0 ? client : server);
      r.dst_addr = *IpAddress::parse(dir == 0 ? server : client);
      r.src_port = dir == 0 ? cport : sport;
      r.dst_port = dir == 0 ? sport : cport;
      r.proto = proto_tcp;
      r.tcp_flags = c.tcp_flags;
      r.first_ms = s.index * 60'000 + 1'000;
      r.last_ms = s.index * 60'000 + 55'000;
      r.pkts = c.pkts;
      r.bytes = c.bytes;
      out.push_back(r);
    }
  }
  return out;
}

DetectorOptions options() {
  DetectorOptions o;
  o.table.slice_ms = 60'000;
  o.window_slices = 10;
  return o;
}

}  // namespace

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
