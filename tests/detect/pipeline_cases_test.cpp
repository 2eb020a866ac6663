// Cases that must not be missed (issue 5): sessions shorter than lW slices (score early, alert
// again with more evidence), one direction missing (asymmetric routing), several exporters
// duplicating a flow, records and files out of time order; and the sharded detector agreeing
// with the single-threaded one.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "detect/detect_fixtures.h"
#include "detect/sharded_detector.h"

namespace xmr {

namespace {
using test::CollectAlerts;
using test::records_of;

const Model& model() {
  static const Model m = test::train_model();
  return m;
}

std::vector<Alert> run(const std::vector<FlowRecord>& records, DetectorOptions o, DetectorStats* stats = nullptr,
                       ConnectionTableStats* tstats = nullptr) {
  Detector d(model(), o);
  CollectAlerts sink;
  for (const auto& r : records) d.add(r, sink);
  d.finish(sink);
  if (stats) *stats = d.stats();
  if (tstats) *tstats = d.table().stats();
  return sink.alerts;
}

// A miner of `slices` minutes (60 s slices) starting at minute 1000.
std::vector<FlowRecord> miner(std::uint64_t seed, int slices, const char* client = "10.1.2.3",
                              std::uint16_t port = 50123, std::uint32_t exporter = 0) {
  std::mt19937_64 rng(seed);
  return records_of(test::miner_window(rng, slices, 2.0), client, port, "198.51.100.9", 3333, exporter);
}
}  // namespace

TEST(ScoreEarly, SessionShorterThanAWindowIsScoredWithTheSlicesItHas) {
  // Sessions of 7 slices of 60 s against lW = 10, early scoring from 5 minutes: scored, and
  // alerted early. Six sessions: a model can miss one atypical short session, not most.
  auto o = test::detector_options();
  o.early_min_duration_ms = 300'000;
  int alerted = 0;
  for (std::uint64_t seed = 21; seed <= 26; ++seed) {
    DetectorStats s;
    const auto alerts = run(miner(seed, 7), o, &s);
    EXPECT_GT(s.windows_early, 0u);
    EXPECT_EQ(s.windows_scored, s.windows_early);
    EXPECT_EQ(s.connections_too_short, 0u);
    ASSERT_LE(alerts.size(), 1u);
    if (alerts.empty()) continue;
    ++alerted;
    EXPECT_TRUE(alerts[0].early);
    EXPECT_FALSE(alerts[0].update);
    EXPECT_LT(alerts[0].slices, 10u);
  }
  EXPECT_GE(alerted, 5);
}

TEST(ScoreEarly, OffItIsNeverScored) {
  auto o = test::detector_options();
  o.early_min_duration_ms = -1;
  DetectorStats s;
  EXPECT_TRUE(run(miner(21, 7), o, &s).empty());
  EXPECT_EQ(s.windows_scored, 0u);
  EXPECT_EQ(s.connections_too_short, 1u);
}

TEST(ScoreEarly, TooShortEvenForEarlyScoringIsCounted) {
  auto o = test::detector_options();
  o.early_min_duration_ms = 600'000;
  DetectorStats s;
  EXPECT_TRUE(run(miner(21, 4), o, &s).empty());
  EXPECT_EQ(s.windows_scored, 0u);
  EXPECT_EQ(s.connections_too_short, 1u);
}

TEST(ScoreEarly, AlertsAgainWhenTheFirstFullWindowArrives) {
  // 14 slices: early windows first, then full ones. One early alert, then one update from the
  // first full window (more evidence), then silence (re-alerts only every 12 windows).
  auto o = test::detector_options();
  o.early_min_duration_ms = 300'000;
  const auto alerts = run(miner(22, 14), o);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_TRUE(alerts[0].early);
  EXPECT_FALSE(alerts[0].update);
  EXPECT_FALSE(alerts[1].early);
  EXPECT_TRUE(alerts[1].update);
  EXPECT_EQ(alerts[1].window_end_ms - alerts[1].window_start_ms, 10 * 60'000);  // a full lW window
  EXPECT_GT(alerts[1].windows_scored, alerts[0].windows_scored);
}

TEST(AsymmetricRouting, OneDirectionMissingDegradesAndIsCounted) {
  // Only the miner -> pool direction is exported (the return path goes through another router).
  auto records = miner(23, 30);
  std::erase_if(records, [](const FlowRecord& r) { return r.src_port == 3333; });
  ASSERT_FALSE(records.empty());
  DetectorStats s;
  ConnectionTableStats t;
  const auto alerts = run(records, test::detector_options(), &s, &t);
  EXPECT_EQ(t.one_sided_connections, 1u);
  EXPECT_GT(s.windows_scored, 0u);
  EXPECT_EQ(s.windows_one_sided, s.windows_scored);
  for (const auto& a : alerts) EXPECT_TRUE(a.one_sided);
  // The pool -> miner direction alone: the same, and the miner end is still the high port.
  auto down = miner(23, 30);
  std::erase_if(down, [](const FlowRecord& r) { return r.src_port != 3333; });
  const auto alerts_down = run(down, test::detector_options(), &s, &t);
  EXPECT_EQ(t.one_sided_connections, 1u);
  for (const auto& a : alerts_down) EXPECT_EQ(a.connection.client().port, 50123);
}

TEST(Exporters, SeveralExportersDuplicatingAFlowCountItOnce) {
  const auto one = miner(24, 30, "10.1.2.3", 50123, 1);
  auto both = one;
  for (auto r : one) {  // a second router on the path reports every record again, a little later
    r.exporter_id = 2;
    r.exporter_addr = IpAddress::from_v4(0x0a000002);
    r.first_ms += 3;
    r.last_ms += 3;
    both.push_back(r);
  }
  std::stable_sort(both.begin(), both.end(), [](const FlowRecord& a, const FlowRecord& b) { return a.last_ms < b.last_ms; });
  DetectorStats s1, s2;
  ConnectionTableStats t1, t2;
  const auto a1 = run(one, test::detector_options(), &s1, &t1);
  const auto a2 = run(both, test::detector_options(), &s2, &t2);
  EXPECT_EQ(t2.duplicate_records, one.size());
  EXPECT_EQ(t1.duplicate_records, 0u);
  EXPECT_EQ(s1.windows_scored, s2.windows_scored);
  ASSERT_EQ(a1.size(), a2.size());
  for (std::size_t i = 0; i < a1.size(); ++i) {
    EXPECT_DOUBLE_EQ(a1[i].score, a2[i].score);
    EXPECT_EQ(a1[i].features, a2[i].features);
  }
  // Without dedup the doubled counts change what the window looks like: the check above is not vacuous.
  auto o = test::detector_options();
  o.table.exporter_failover_ms = -1;
  auto anon = both;
  for (auto& r : anon) r.exporter_id = 0, r.exporter_addr = IpAddress{};
  DetectorStats s3;
  const auto a3 = run(anon, o, &s3);
  bool differs = a3.size() != a1.size();
  for (std::size_t i = 0; !differs && i < a1.size(); ++i) differs = a1[i].features != a3[i].features;
  EXPECT_TRUE(differs);
}

TEST(Exporters, AnExporterThatGoesSilentIsReplaced) {
  // Exporter 1 reports the first 10 minutes, exporter 2 the rest (a route change). Exporter 2
  // takes over once exporter 1 has been silent for a slice: at most one slice per direction
  // (the one right after the change) is dropped as a duplicate.
  auto records = miner(25, 30);
  for (auto& r : records) {
    const bool early = r.first_ms < (1000 + 10) * 60'000;
    r.exporter_id = early ? 1 : 2;
    r.exporter_addr = IpAddress::from_v4(early ? 0x0a000001 : 0x0a000002);
  }
  ConnectionTableStats t;
  run(records, test::detector_options(), nullptr, &t);
  EXPECT_LE(t.duplicate_records, 2u);
  EXPECT_EQ(t.exporter_failovers, 2u);  // one per direction
  EXPECT_EQ(t.records, records.size());
}

TEST(TimeOrder, RecordsShuffledWithinTheLatenessGiveTheSameResult) {
  // Two miners interleaved; records shuffled within blocks of two slices (inside the default
  // lateness of two slices): the same windows and alerts as in time order.
  auto records = miner(26, 30);
  const auto other = miner(27, 30, "10.1.2.4", 50124);
  records.insert(records.end(), other.begin(), other.end());
  std::stable_sort(records.begin(), records.end(), [](const FlowRecord& a, const FlowRecord& b) { return a.last_ms < b.last_ms; });
  auto shuffled = records;
  std::mt19937_64 rng(5);
  for (std::size_t i = 0; i < shuffled.size(); i += 8)
    std::shuffle(shuffled.begin() + static_cast<std::ptrdiff_t>(i),
                 shuffled.begin() + static_cast<std::ptrdiff_t>(std::min(shuffled.size(), i + 8)), rng);
  ASSERT_NE(records, shuffled);
  DetectorStats s1, s2;
  ConnectionTableStats t2;
  const auto a1 = run(records, test::detector_options(), &s1);
  const auto a2 = run(shuffled, test::detector_options(), &s2, &t2);
  EXPECT_EQ(t2.late_records, 0u);
  EXPECT_EQ(s1.windows_scored, s2.windows_scored);
  ASSERT_EQ(a1.size(), a2.size());
  std::map<std::uint16_t, double> score1, score2;
  for (const auto& a : a1) score1[a.connection.client().port] += a.score;
  for (const auto& a : a2) score2[a.connection.client().port] += a.score;
  EXPECT_EQ(score1, score2);
}

TEST(TimeOrder, RecordsFarOutOfOrderAreCountedLateNotLost) {
  // The second half of the records first: the first half arrives for closed slices.
  auto records = miner(28, 30);
  std::rotate(records.begin(), records.begin() + static_cast<std::ptrdiff_t>(records.size() / 2), records.end());
  ConnectionTableStats t;
  DetectorStats s;
  run(records, test::detector_options(), &s, &t);
  EXPECT_GT(t.late_records, 0u);
  EXPECT_EQ(t.records, records.size());
}

namespace {
struct SortedAlerts {
  std::vector<std::tuple<std::uint16_t, std::int64_t, double>> rows;
};
SortedAlerts sharded(const std::vector<FlowRecord>& records, unsigned threads, RecordPrefilterStats* pf = nullptr) {
  CollectAlerts sink;
  ShardedDetector d(model(), test::detector_options(), threads, sink);
  for (std::size_t i = 0; i < records.size(); i += 100)
    d.add(std::span<const FlowRecord>(records).subspan(i, std::min<std::size_t>(100, records.size() - i)));
  d.finish();
  if (pf) *pf = d.prefilter_stats();
  SortedAlerts out;
  for (const auto& a : sink.alerts) out.rows.emplace_back(a.connection.client().port, a.window_end_ms, a.score);
  std::sort(out.rows.begin(), out.rows.end());
  return out;
}
}  // namespace

TEST(Sharded, TwoThreadsFindWhatOneFinds) {
  std::vector<FlowRecord> records;
  for (int c = 0; c < 12; ++c) {
    const auto m = miner(40 + static_cast<std::uint64_t>(c), 25, "10.1.2.3", static_cast<std::uint16_t>(50000 + c));
    records.insert(records.end(), m.begin(), m.end());
  }
  // Noise the pre-filter must drop: UDP, and complete short TCP connections.
  for (int i = 0; i < 500; ++i) {
    FlowRecord r;
    r.src_addr = *IpAddress::parse("10.9.9.9");
    r.dst_addr = IpAddress::from_v4(0xc0000200u + static_cast<std::uint32_t>(i % 200));
    r.src_port = static_cast<std::uint16_t>(40000 + i);
    r.dst_port = i % 2 ? 53 : 443;
    r.proto = i % 2 ? proto_udp : proto_tcp;
    r.tcp_flags = r.proto == proto_tcp ? (tcp_flag::syn | tcp_flag::ack | tcp_flag::fin) : 0;
    r.first_ms = (1000 + i % 25) * 60'000 + 2'000;
    r.last_ms = r.first_ms + 1'500;
    r.pkts = 12;
    r.bytes = 12 * 600;
    records.push_back(r);
  }
  std::stable_sort(records.begin(), records.end(), [](const FlowRecord& a, const FlowRecord& b) { return a.last_ms < b.last_ms; });
  RecordPrefilterStats pf;
  const auto one = sharded(records, 1, &pf);
  EXPECT_EQ(pf.not_tcp, 250u);
  EXPECT_EQ(pf.short_complete, 250u);
  EXPECT_EQ(pf.passed, records.size() - 500);
  const auto two = sharded(records, 2);
  EXPECT_FALSE(one.rows.empty());
  EXPECT_EQ(one.rows, two.rows);
}

TEST(Prefilter, ACompleteConnectionLongEnoughToScoreIsKept) {
  DetectorOptions o = test::detector_options();
  RecordPrefilter pf(min_scorable_connection_ms(o));
  FlowRecord r;
  r.proto = proto_tcp;
  r.tcp_flags = tcp_flag::syn | tcp_flag::fin | tcp_flag::ack;
  r.first_ms = 0;
  r.last_ms = min_scorable_connection_ms(o);
  EXPECT_TRUE(pf.pass(r));
  r.last_ms -= 1;
  EXPECT_FALSE(pf.pass(r));
  r.tcp_flags = tcp_flag::ack | tcp_flag::psh;  // a piece of a longer connection: kept however short
  EXPECT_TRUE(pf.pass(r));
  EXPECT_EQ(pf.stats().short_complete, 1u);
  // lW = 10 slices of 60 s with early scoring from 10 minutes: 9 slices is the shorter bound.
  EXPECT_EQ(min_scorable_connection_ms(o), 9 * 60'000);
}

}  // namespace xmr
