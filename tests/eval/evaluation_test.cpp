// summarise(): levels, per-group rows and delays of a small hand-made case.
#include "eval/evaluation.h"

#include <gtest/gtest.h>

namespace xmr::eval {

namespace {
ConnectionLabel label(bool mining, const char* client, const char* pool, bool tls, std::int64_t start_ms) {
  ConnectionLabel l;
  l.mining = mining;
  l.client = Endpoint{*IpAddress::parse(client), 40000};
  l.server = Endpoint{*IpAddress::parse("198.51.100.1"), 3333};
  l.pool = pool;
  l.profile = mining ? "xmrig" : "mqtt";
  l.tls = tls;
  l.start_ms = start_ms;
  return l;
}
}  // namespace

TEST(Summarise, LevelsGroupsAndDelays) {
  const auto m1 = label(true, "10.0.0.1", "pool-a", true, 0);
  const auto m2 = label(true, "10.0.0.2", "pool-b", false, 0);
  const auto b1 = label(false, "10.0.0.1", "broker", true, 0);  // same host as m1
  const auto b2 = label(false, "10.0.0.3", "broker", false, 0);
  // Operating threshold 0.5: m1 alerts from its second window (ends at 120 s), m2 never,
  // b1 once (a false alarm), b2 never.
  const std::vector<ScoredItem> items{
      {0.1, &m1, "m1", 60'000}, {0.9, &m1, "m1", 120'000}, {0.7, &m1, "m1", 180'000},
      {0.2, &m2, "m2", 60'000}, {0.3, &m2, "m2", 120'000},
      {0.6, &b1, "b1", 60'000}, {0.0, &b1, "b1", 120'000},
      {0.1, &b2, "b2", 60'000}, {0.2, &b2, "b2", 120'000}, {0.3, &b2, "b2", 180'000}};
  const auto s = summarise("x", items, 0.5, true);
  ASSERT_EQ(s.levels.size(), 3u);
  EXPECT_EQ(s.levels[0].positives, 5u);
  EXPECT_EQ(s.levels[0].negatives, 5u);
  EXPECT_EQ(s.levels[0].at_operating.detection.successes, 2u);
  EXPECT_EQ(s.levels[0].at_operating.false_positive.successes, 1u);
  EXPECT_EQ(s.levels[1].positives, 2u);  // connections
  EXPECT_EQ(s.levels[1].negatives, 2u);
  EXPECT_EQ(s.levels[1].at_operating.detection.successes, 1u);
  EXPECT_EQ(s.levels[2].positives, 2u);  // hosts: 10.0.0.1 (mining) and 10.0.0.2; 10.0.0.3 benign
  EXPECT_EQ(s.levels[2].negatives, 1u);
  // Connection-level AUC: positives {0.9, 0.3} vs negatives {0.6, 0.3}: (1 + 1 + 0 + 0.5) / 4.
  EXPECT_DOUBLE_EQ(s.levels[1].auc, 0.625);
  ASSERT_EQ(s.per_tls.size(), 2u);  // mining only: one TLS, one plaintext connection
  for (const auto& r : s.per_tls) EXPECT_EQ(r.connections, 1u) << r.name;
  ASSERT_EQ(s.per_pool.size(), 2u);
  EXPECT_EQ(s.per_pool[0].name, "pool-a");
  EXPECT_EQ(s.per_pool[0].connections_alerted, 1u);
  EXPECT_EQ(s.per_pool[0].windows_alerted, 2u);
  EXPECT_EQ(s.delay.detected, 1u);
  EXPECT_EQ(s.delay.connections, 2u);
  EXPECT_DOUBLE_EQ(s.delay.median_s, 120);
  ASSERT_EQ(s.top_benign.size(), 2u);
  EXPECT_EQ(s.top_benign[0].connection, "b1");
  EXPECT_EQ(s.top_benign[0].windows_alerted, 1u);
}

}  // namespace xmr::eval
