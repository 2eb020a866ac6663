// ConnectionTable: pairing, slicing, orientation, bounded memory. Hand-built records.
#include "flow/connection_table.h"
#include "flow/client_side.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

namespace xmr {

namespace {

struct Collected final : SliceSink {
  struct Entry {
    ConnectionInfo info;
    Slice slice;
  };
  std::vector<Entry> slices;
  std::vector<ConnectionInfo> closed;
  void on_slice(const ConnectionInfo& c, const Slice& s) override { slices.push_back({c, s}); }
  void on_close(const ConnectionInfo& c) override { closed.push_back(c); }
};

FlowRecord rec(const char* src, std::uint16_t sp, const char* dst, std::uint16_t dp, std::int64_t first_ms,
               std::int64_t last_ms, std::uint64_t pkts, std::uint64_t bytes, std::uint8_t flags = tcp_flag::ack) {
  FlowRecord r;
  r.src_addr = *IpAddress::parse(src);
  r.dst_addr = *IpAddress::parse(dst);
  r.src_port = sp;
  r.dst_port = dp;
  r.proto = proto_tcp;
  r.first_ms = first_ms;
  r.last_ms = last_ms;
  r.pkts = pkts;
  r.bytes = bytes;
  r.tcp_flags = flags;
  return r;
}

ConnectionTableOptions opts(std::int64_t slice_ms = 60'000) {
  ConnectionTableOptions o;
  o.slice_ms = slice_ms;
  return o;
}

}  // namespace

TEST(ConnectionTable, PairsBothDirectionsIntoOneOrientedSlice) {
  ConnectionTable t(opts());
  Collected sink;
  // Miner 10.0.0.5:50000 -> pool 198.51.100.7:3333, both directions inside slice [60 s, 120 s).
  t.add(rec("10.0.0.5", 50000, "198.51.100.7", 3333, 61'000, 110'000, 10, 2600), sink);
  t.add(rec("198.51.100.7", 3333, "10.0.0.5", 50000, 61'050, 115'000, 14, 3900), sink);
  t.flush(sink);
  ASSERT_EQ(sink.slices.size(), 1u);
  const auto& e = sink.slices[0];
  EXPECT_EQ(e.info.client().port, 50000);
  EXPECT_EQ(e.info.server().port, 3333);
  EXPECT_EQ(e.slice.index, 1);
  EXPECT_EQ(e.slice.up.pkts, 10u);
  EXPECT_EQ(e.slice.up.bytes, 2600u);
  EXPECT_EQ(e.slice.down.pkts, 14u);
  EXPECT_EQ(e.slice.down.bytes, 3900u);
  EXPECT_EQ(sink.closed.size(), 1u);
  EXPECT_EQ(t.size(), 0u);
}

TEST(ConnectionTable, SpreadingAcrossSlicesConservesPacketsAndBytes) {
  // Property: whatever the cut points, the slices of a connection add up to its records.
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    ConnectionTable t(opts(60'000));
    Collected sink;
    std::uint64_t pkts[2] = {0, 0}, bytes[2] = {0, 0};
    std::int64_t start = 1'700'000'000'000 + static_cast<std::int64_t>(rng() % 100'000);
    for (int i = 0; i < 20; ++i) {
      const std::int64_t len = static_cast<std::int64_t>(rng() % 200'000);
      const std::uint64_t p = rng() % 500, b = p * 52 + rng() % 10'000;
      const bool up = rng() & 1;
      auto r = up ? rec("10.0.0.5", 50000, "198.51.100.7", 3333, start, start + len, p, b)
                  : rec("198.51.100.7", 3333, "10.0.0.5", 50000, start, start + len, p, b);
      pkts[up ? 0 : 1] += p;
      bytes[up ? 0 : 1] += b;
      t.add(r, sink);
      start += len / 2;
    }
    t.flush(sink);
    std::uint64_t got_p[2] = {0, 0}, got_b[2] = {0, 0};
    std::int64_t last_index = INT64_MIN;
    for (const auto& e : sink.slices) {
      EXPECT_GT(e.slice.index, last_index) << "slices of a connection come in increasing order, trial " << trial;
      last_index = e.slice.index;
      got_p[0] += e.slice.up.pkts;
      got_b[0] += e.slice.up.bytes;
      got_p[1] += e.slice.down.pkts;
      got_b[1] += e.slice.down.bytes;
    }
    ASSERT_EQ(got_p[0], pkts[0]) << "trial " << trial;
    ASSERT_EQ(got_b[0], bytes[0]) << "trial " << trial;
    ASSERT_EQ(got_p[1], pkts[1]) << "trial " << trial;
    ASSERT_EQ(got_b[1], bytes[1]) << "trial " << trial;
  }
}

TEST(ConnectionTable, ARecordOverTwoSlicesGoesWholeToTheSliceOfItsMidpoint) {
  ConnectionTable t(opts(60'000));
  Collected sink;
  // [50 s, 80 s]: midpoint 65 s, in slice 1. Kept whole: message counts stay integral.
  t.add(rec("10.0.0.5", 50000, "198.51.100.7", 3333, 50'000, 80'000, 7, 1645), sink);
  t.flush(sink);
  ASSERT_EQ(sink.slices.size(), 1u);
  EXPECT_EQ(sink.slices[0].slice.index, 1);
  EXPECT_EQ(sink.slices[0].slice.up.pkts, 7u);
  EXPECT_EQ(sink.slices[0].slice.up.bytes, 1645u);
}

TEST(ConnectionTable, ARecordOverManySlicesIsSplitByTimeOverlap) {
  ConnectionTable t(opts(60'000));
  Collected sink;
  // [0, 180 s): a third in each of slices 0, 1, 2.
  t.add(rec("10.0.0.5", 50000, "198.51.100.7", 3333, 0, 179'999, 300, 30'000), sink);
  t.flush(sink);
  ASSERT_EQ(sink.slices.size(), 3u);
  for (const auto& e : sink.slices) EXPECT_EQ(e.slice.up.pkts, 100u);
  EXPECT_EQ(t.stats().spread_records, 1u);
}

TEST(ConnectionTable, SlicesCloseAsDataTimeAdvancesNotAtTheEnd) {
  ConnectionTable t(opts(60'000));  // lateness defaults to two slices
  Collected sink;
  for (int m = 0; m < 10; ++m)
    t.add(rec("10.0.0.5", 50000, "198.51.100.7", 3333, m * 60'000 + 1000, m * 60'000 + 50'000, 5, 500), sink);
  // Data time is in slice 9; slices before 9 - 2 = 7 must already be closed.
  ASSERT_GE(sink.slices.size(), 7u);
  EXPECT_EQ(sink.slices[0].slice.index, 0);
  t.flush(sink);
  EXPECT_EQ(sink.slices.size(), 10u);
}

TEST(ConnectionTable, LateRecordsAreKeptAndCounted) {
  ConnectionTable t(opts(60'000));
  Collected sink;
  t.add(rec("10.0.0.5", 50000, "198.51.100.7", 3333, 1000, 2000, 1, 100), sink);
  t.add(rec("10.0.0.5", 50000, "198.51.100.7", 3333, 600'000, 601'000, 1, 100), sink);  // closes slice 0
  t.add(rec("10.0.0.5", 50000, "198.51.100.7", 3333, 3000, 4000, 3, 300), sink);      // late for slice 0
  t.flush(sink);
  EXPECT_EQ(t.stats().late_records, 1u);
  std::uint64_t pkts = 0;
  for (const auto& e : sink.slices) pkts += e.slice.up.pkts;
  EXPECT_EQ(pkts, 5u);
}

TEST(ConnectionTable, MemoryIsBoundedByEvictingTheLeastRecentlyUpdated) {
  auto o = opts();
  o.max_connections = 100;
  ConnectionTable t(o);
  Collected sink;
  for (int i = 0; i < 1000; ++i)
    t.add(rec("10.0.0.5", static_cast<std::uint16_t>(40000 + i), "198.51.100.7", 3333, 1000, 2000, 1, 60), sink);
  EXPECT_EQ(t.size(), 100u);
  EXPECT_EQ(t.stats().evicted_full, 900u);
  EXPECT_EQ(sink.closed.size(), 900u);  // evicted connections still hand on their slices
  t.flush(sink);
  EXPECT_EQ(sink.slices.size(), 1000u);
}

TEST(ConnectionTable, IdleConnectionsAreRetired) {
  ConnectionTable t(opts(60'000));  // idle timeout defaults to three slices
  Collected sink;
  t.add(rec("10.0.0.5", 50000, "198.51.100.7", 3333, 1000, 2000, 1, 60), sink);
  t.add(rec("10.0.0.6", 50001, "198.51.100.7", 3333, 1000'000, 1001'000, 1, 60), sink);
  EXPECT_EQ(t.stats().retired_idle, 1u);
  EXPECT_EQ(t.size(), 1u);
}

TEST(ConnectionTable, NonTcpIsFilteredAndCounted) {
  ConnectionTable t(opts());
  Collected sink;
  auto r = rec("10.0.0.5", 5353, "224.0.0.251", 5353, 1000, 2000, 1, 60);
  r.proto = proto_udp;
  t.add(r, sink);
  EXPECT_EQ(t.stats().not_tcp, 1u);
  EXPECT_EQ(t.size(), 0u);
}

TEST(ConnectionTable, AnOnlyDirectionStillMakesSlices) {
  // Asymmetric routing: only miner -> pool is exported. Degrade, don't break.
  ConnectionTable t(opts());
  Collected sink;
  t.add(rec("10.0.0.5", 50000, "198.51.100.7", 3333, 1000, 50'000, 12, 3000), sink);
  t.flush(sink);
  ASSERT_EQ(sink.slices.size(), 1u);
  EXPECT_EQ(sink.slices[0].info.client().port, 50000);
  EXPECT_EQ(sink.slices[0].slice.down.pkts, 0u);
  EXPECT_EQ(sink.slices[0].slice.up.pkts, 12u);
}

TEST(ClientSide, EvidenceInOrderOfStrength) {
  auto key_for = [](const char* a, std::uint16_t pa, const char* b, std::uint16_t pb) {
    return key_of(rec(a, pa, b, pb, 0, 0, 1, 1)).key;
  };
  // Ports: pool on 3333, miner on an ephemeral port.
  auto k = key_for("10.0.0.5", 50000, "198.51.100.7", 3333);
  auto s = decide_client_side(k, -1, -1, HomeNet{});
  EXPECT_EQ(s.basis, ClientBasis::ports);
  EXPECT_EQ((s.client_is_low ? k.low : k.high).port, 50000);
  // SYN order beats ports: the side whose SYN came first opened it, even from port 443.
  auto k2 = key_for("10.0.0.5", 443, "198.51.100.7", 50000);
  const std::int64_t syn_from_low = (k2.low.port == 443) ? 100 : 200, syn_from_high = (k2.low.port == 443) ? 200 : 100;
  auto s2 = decide_client_side(k2, syn_from_low, syn_from_high, HomeNet{});
  EXPECT_EQ(s2.basis, ClientBasis::syn_order);
  EXPECT_EQ((s2.client_is_low ? k2.low : k2.high).port, 443);
  // Home net beats everything.
  HomeNet home({*Cidr::parse("198.51.100.0/24")});
  auto s3 = decide_client_side(k, -1, -1, home);
  EXPECT_EQ(s3.basis, ClientBasis::home_net);
  EXPECT_EQ((s3.client_is_low ? k.low : k.high).addr, *IpAddress::parse("198.51.100.7"));
}

TEST(Cidr, ParsesAndMatchesBothFamilies) {
  auto v4 = Cidr::parse("10.1.0.0/16");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->contains(*IpAddress::parse("10.1.200.3")));
  EXPECT_FALSE(v4->contains(*IpAddress::parse("10.2.0.1")));
  EXPECT_FALSE(v4->contains(*IpAddress::parse("::ffff:10.2.0.1")));
  auto v6 = Cidr::parse("2001:db8::/32");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(*IpAddress::parse("2001:db8:ffff::1")));
  EXPECT_FALSE(v6->contains(*IpAddress::parse("2001:db9::1")));
  EXPECT_TRUE(Cidr::parse("192.0.2.7"));
  EXPECT_FALSE(Cidr::parse("10.0.0.0/33"));
  EXPECT_FALSE(Cidr::parse("10.0.0.0/"));
  EXPECT_FALSE(Cidr::parse("nonsense/8"));
  auto host_bits = Cidr::parse("10.1.2.3/8");
  ASSERT_TRUE(host_bits);
  EXPECT_TRUE(host_bits->contains(*IpAddress::parse("10.200.0.1")));
}

}  // namespace xmr
