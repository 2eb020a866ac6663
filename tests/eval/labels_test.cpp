#include "eval/labels.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace xmr {

TEST(LabelSet, LoadsRowsAndFindsConnectionsEitherWayRound) {
  test::TempDir d;
  test::write_file(d / "labels.csv",
                   "client_ip,client_port,server_ip,server_port,proto,label,family,profile,pool,tls,start_ms,end_ms,hashrate_hs\n"
                   "10.0.0.5,50000,198.51.100.7,3333,6,mining,monero,xmrig-nodejs-pool,pool-a,yes,1000,2000,5000\n"
                   "2001:db8::5,40000,2001:db8::1,1883,6,benign,mqtt,mqtt-telemetry,,no,1000,2000,0\n"
                   "garbage line\n"
                   "10.0.0.6,70000,198.51.100.7,3333,6,mining,monero,x,p,no,0,0,0\n"
                   "10.0.0.7,1,198.51.100.7,3333,6,maybe,monero,x,p,no,0,0,0\n");
  std::vector<std::string> problems;
  Diagnostics diag([&](const Problem& p) { problems.push_back(format_problem(p)); });
  auto set = LabelSet::load((d / "labels.csv").string(), diag);
  ASSERT_TRUE(set) << set.error().context;
  EXPECT_EQ(set->size(), 2u);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[0].find("line 4"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("line 5"), std::string::npos) << problems[1];  // port 70000
  EXPECT_NE(problems[2].find("line 6"), std::string::npos) << problems[2];  // label "maybe"

  FlowRecord down;  // pool -> miner: the key is the same either way round
  down.src_addr = *IpAddress::parse("198.51.100.7");
  down.src_port = 3333;
  down.dst_addr = *IpAddress::parse("10.0.0.5");
  down.dst_port = 50000;
  down.proto = 6;
  const auto* l = set->find(key_of(down).key);
  ASSERT_NE(l, nullptr);
  EXPECT_TRUE(l->mining);
  EXPECT_TRUE(l->tls);
  EXPECT_EQ(l->pool, "pool-a");
  down.dst_port = 50001;
  EXPECT_EQ(set->find(key_of(down).key), nullptr);
}

TEST(LabelSet, RefusesAFileThatIsNotLabels) {
  test::TempDir d;
  test::write_file(d / "x.csv", "a,b,c\n1,2,3\n");
  Diagnostics diag;
  auto set = LabelSet::load((d / "x.csv").string(), diag);
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().code, errc::bad_header);
  EXPECT_FALSE(LabelSet::load((d / "missing.csv").string(), diag));
}

}  // namespace xmr
