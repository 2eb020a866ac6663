// Inferring the exporter's active timeout from record durations (flow/active_timeout.h), for
// router-style exporters (the ambiguity with nfpcapd-style expiry is documented there).
#include "flow/active_timeout.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>


namespace xmr {

namespace {

FlowRecord tcp_record(std::int64_t first_ms, std::int64_t duration_ms) {
  FlowRecord r;
  r.proto = 6;
  r.first_ms = first_ms;
  r.last_ms = first_ms + duration_ms;
  return r;
}

// `short_records` web-like records (0.1-40 s) and `long_connections` connections of several hours
// whose records a router cuts at T; `sparse`: a record lasts from its first to its last packet, so
// for a connection with a few messages per T anywhere in (0, T].
std::vector<FlowRecord> campus(std::int64_t t_s, bool sparse, int short_records, int long_connections, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<FlowRecord> out;
  for (int i = 0; i < short_records; ++i) out.push_back(tcp_record(0, 100 + static_cast<std::int64_t>(rng() % 40'000)));
  const std::int64_t t = t_s * 1000;
  for (int c = 0; c < long_connections; ++c) {
    const std::int64_t start = static_cast<std::int64_t>(rng() % 100'000);
    for (std::int64_t at = start; at < start + 6 * 3600 * 1000; at += t) {
      const std::int64_t d = sparse ? 1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(t)) : t;
      out.push_back(tcp_record(at, d));
    }
  }
  return out;
}

}  // namespace

TEST(ActiveTimeout, RouterStyleCutsGiveTheTimeout) {
  for (std::int64_t t : {60, 300, 1800}) {
    EXPECT_EQ(infer_active_timeout_s(campus(t, false, 20'000, 50, 1)), t) << t;
    EXPECT_EQ(infer_active_timeout_s(campus(t, true, 20'000, 200, 2)), t) << t << " (sparse connections)";
  }
}

TEST(ActiveTimeout, NothingToGoOnIsTheCommonDefault) {
  EXPECT_EQ(infer_active_timeout_s(std::vector<FlowRecord>{}), 300u);
  FlowRecord udp;
  udp.proto = 17;
  udp.last_ms = 1'000'000;
  EXPECT_EQ(infer_active_timeout_s(std::vector<FlowRecord>{udp}), 300u);
}

}  // namespace xmr
