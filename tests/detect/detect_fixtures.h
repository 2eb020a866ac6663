#pragma once
// Shared by the detect tests: a model trained on hand-built miner windows, and records cut from
// hand-built slices as an exporter with a 60 s active timeout would cut them.
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "detect/detector.h"
#include "support/synthetic_windows.h"

namespace xmr::test {

struct CollectAlerts final : AlertSink {
  std::vector<Alert> alerts;
  void on_alert(const Alert& a) override { alerts.push_back(a); }
};

inline Model train_model() {
  std::mt19937_64 rng(100);
  std::vector<FeatureVector> rows;
  for (int i = 0; i < 300; ++i) {
    auto w = miner_window(rng, 10, 0.5 + static_cast<double>(rng() % 40) / 10.0);
    const auto sizes = learn_sizes(w, false);
    rows.push_back(window_features(WindowInput{w, 60'000, &sizes}));
  }
  auto m = Model::train(rows, TrainOptions{});
  EXPECT_TRUE(m);
  return std::move(*m);
}

// One record per direction per slice, inside the slice ([+1 s, +55 s)); `exporter` 0 = none.
inline std::vector<FlowRecord> records_of(const std::vector<Slice>& slices, const char* client, std::uint16_t cport,
                                          const char* server, std::uint16_t sport, std::uint32_t exporter = 0) {
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
      r.exporter_id = exporter;
      if (exporter) r.exporter_addr = IpAddress::from_v4(0x0a000000u + exporter);
      out.push_back(r);
    }
  }
  return out;
}

inline DetectorOptions detector_options() {
  DetectorOptions o;
  o.table.slice_ms = 60'000;
  o.window_slices = 10;
  return o;
}

}  // namespace xmr::test
