// Analyst controls: allowlist and suppression parsing, matching and counting.
#include <gtest/gtest.h>

#include "detect/alert_controls.h"
#include "detect/community_id.h"
#include "detect/detect_fixtures.h"

namespace xmr {

namespace {
ConnectionInfo conn(const char* miner, std::uint16_t mport, const char* pool, std::uint16_t pport) {
  FlowRecord r;
  r.src_addr = *IpAddress::parse(miner);
  r.dst_addr = *IpAddress::parse(pool);
  r.src_port = mport;
  r.dst_port = pport;
  r.proto = proto_tcp;
  const auto k = key_of(r);
  ConnectionInfo c;
  c.key = k.key;
  c.client_is_low = k.from_low;
  return c;
}
Alert alert(const ConnectionInfo& c) {
  Alert a;
  a.connection = c;
  return a;
}
}  // namespace

TEST(EndpointPattern, ParsesEveryForm) {
  EXPECT_TRUE(EndpointPattern::parse("10.0.0.0/8"));
  EXPECT_TRUE(EndpointPattern::parse("192.0.2.7"));
  EXPECT_EQ(EndpointPattern::parse("192.0.2.7:3333")->port, 3333);
  EXPECT_EQ(EndpointPattern::parse("[2001:db8::7]:443")->port, 443);
  EXPECT_EQ(EndpointPattern::parse("2001:db8::/32")->port, -1);
  EXPECT_EQ(EndpointPattern::parse("10.0.0.0/8:3333")->port, 3333);
  EXPECT_FALSE(EndpointPattern::parse("pool.example.org"));
  EXPECT_FALSE(EndpointPattern::parse("192.0.2.7:99999"));
  EXPECT_FALSE(EndpointPattern::parse("192.0.2.7:"));
  EXPECT_FALSE(EndpointPattern::parse("10.0.0.0/33"));
  EXPECT_FALSE(EndpointPattern::parse("[2001:db8::7"));
}

TEST(Allowlist, MatchesHostsPoolsCidrsAndEndpoints) {
  auto a = Allowlist::parse(
      "# sanctioned mining\n"
      "10.20.0.0/16          # the research cluster\n"
      "pool 198.51.100.9:3333\n"
      "miner 10.1.2.3\n"
      "\n"
      "[2001:db8::7]:443\n",
      "allow.txt");
  ASSERT_TRUE(a) << a.error().context;
  EXPECT_EQ(a->size(), 4u);
  EXPECT_TRUE(a->allows(conn("10.20.5.5", 50000, "203.0.113.1", 4444)));   // CIDR, miner side
  EXPECT_TRUE(a->allows(conn("10.9.9.9", 50000, "198.51.100.9", 3333)));   // the pool endpoint
  EXPECT_FALSE(a->allows(conn("10.9.9.9", 50000, "198.51.100.9", 5555)));  // another port of it
  EXPECT_TRUE(a->allows(conn("10.1.2.3", 50000, "203.0.113.1", 4444)));    // the miner host
  EXPECT_FALSE(a->allows(conn("10.9.9.9", 50000, "10.1.2.3", 4444)));      // 'miner' only: not as a pool
  EXPECT_TRUE(a->allows(conn("2001:db8::99", 50000, "2001:db8::7", 443)));
  EXPECT_FALSE(a->allows(conn("10.9.9.9", 50000, "203.0.113.1", 4444)));
}

TEST(Allowlist, ErrorsNameFileAndLine) {
  auto a = Allowlist::parse("10.0.0.0/8\n\nnot-an-address\n", "allow.txt");
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().context.find("allow.txt: line 3"), std::string::npos) << a.error().context;
  EXPECT_NE(a.error().context.find("not-an-address"), std::string::npos);
  auto b = Allowlist::parse("pool 1.2.3.4 5.6.7.8\n", "x");
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().context.find("line 1"), std::string::npos);
}

TEST(Suppressions, ByCommunityIdOrMinerPoolPair) {
  const auto c1 = conn("10.1.2.3", 50123, "198.51.100.9", 3333);
  const auto id1 = community_id_v1(c1.client().addr, 50123, c1.server().addr, 3333, proto_tcp);
  auto s = Suppressions::parse(id1 + "\n10.4.4.4 203.0.113.7\n10.5.5.5 203.0.113.8:7777\n", "known.txt");
  ASSERT_TRUE(s) << s.error().context;
  EXPECT_EQ(s->size(), 3u);
  EXPECT_TRUE(s->suppresses(c1, id1));
  const auto c2 = conn("10.4.4.4", 40000, "203.0.113.7", 443);
  EXPECT_TRUE(s->suppresses(c2, "1:x"));
  const auto c3 = conn("203.0.113.7", 40000, "10.4.4.4", 443);  // the pair reversed: not the same alert
  EXPECT_FALSE(s->suppresses(c3, "1:x"));
  EXPECT_TRUE(s->suppresses(conn("10.5.5.5", 1, "203.0.113.8", 7777), "1:x"));
  EXPECT_FALSE(s->suppresses(conn("10.5.5.5", 1, "203.0.113.8", 7778), "1:x"));
  EXPECT_FALSE(Suppressions::parse("10.4.4.4\n", "known.txt"));
}

TEST(AlertFilter, CountsWhatEachListSilences) {
  auto allow = Allowlist::parse("10.20.0.0/16\n", "a");
  auto supp = Suppressions::parse("10.4.4.4 203.0.113.7\n", "s");
  ASSERT_TRUE(allow && supp);
  test::CollectAlerts out;
  AlertFilter f(&*allow, &*supp, out);
  f.on_alert(alert(conn("10.20.1.1", 50000, "203.0.113.1", 3333)));
  f.on_alert(alert(conn("10.4.4.4", 50000, "203.0.113.7", 3333)));
  f.on_alert(alert(conn("10.6.6.6", 50000, "203.0.113.7", 3333)));
  EXPECT_EQ(f.stats().allowlisted, 1u);
  EXPECT_EQ(f.stats().suppressed, 1u);
  EXPECT_EQ(f.stats().passed, 1u);
  ASSERT_EQ(out.alerts.size(), 1u);
  EXPECT_EQ(out.alerts[0].connection.client().addr.to_string(), "10.6.6.6");
  AlertFilter none(nullptr, nullptr, out);
  none.on_alert(alert(conn("10.20.1.1", 50000, "203.0.113.1", 3333)));
  EXPECT_EQ(out.alerts.size(), 2u);
}

}  // namespace xmr
