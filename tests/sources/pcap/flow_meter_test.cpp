// FlowMeter on synthetic packets: timeouts at their exact boundaries, emission order, counters,
// origin, bounded state. The expectations follow from the documented semantics
// (flow_meter.h, docs/formats/pcap.md), which nfpcapd_golden_test.cpp checks against nfpcapd.
#include <gtest/gtest.h>

#include "sources/pcap/flow_meter.h"

namespace xmr {
namespace {

PacketHeaders tcp_packet(std::uint16_t sport, std::uint8_t flags = tcp_flag::ack, std::uint64_t bytes = 100,
                         std::uint8_t tos = 0) {
  PacketHeaders h;
  h.src_addr = IpAddress::from_v4(0x0A000001);
  h.dst_addr = IpAddress::from_v4(0x0A000002);
  h.src_port = sport;
  h.dst_port = 3333;
  h.proto = proto_tcp;
  h.tcp_flags = flags;
  h.l3_bytes = bytes;
  h.tos = tos;
  return h;
}

std::vector<FlowRecord> drain(FlowMeter& m) {
  std::vector<FlowRecord> out;
  while (m.has_ready()) out.push_back(m.pop_ready());
  return out;
}

TEST(FlowMeter, CountersFlagsTosAndOrigin) {
  FlowMeter m({60'000, 15'000}, 7);
  m.add_packet(1000, tcp_packet(1, tcp_flag::syn, 60, 0x20), 3);
  m.add_packet(1500, tcp_packet(1, tcp_flag::ack | tcp_flag::psh, 500, 0x00), 4);
  m.add_packet(2000, tcp_packet(1, tcp_flag::fin | tcp_flag::ack, 52), 9);
  EXPECT_FALSE(m.has_ready());  // FIN does not close the flow
  m.flush();
  const auto recs = drain(m);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].pkts, 3u);
  EXPECT_EQ(recs[0].bytes, 612u);
  EXPECT_EQ(recs[0].tcp_flags, tcp_flag::syn | tcp_flag::ack | tcp_flag::psh | tcp_flag::fin);
  EXPECT_EQ(recs[0].src_tos, 0x20);  // first packet's
  EXPECT_EQ(recs[0].first_ms, 1000);
  EXPECT_EQ(recs[0].last_ms, 2000);
  EXPECT_EQ(recs[0].origin, (Origin{7, 3}));
  EXPECT_EQ(m.open_flows(), 0u);
}

TEST(FlowMeter, InactiveTimeoutBoundary) {
  FlowMeter m({1'800'000, 15'000}, 0);
  m.add_packet(0, tcp_packet(1), 1);
  m.add_packet(14'999, tcp_packet(1), 2);  // gap below the timeout: same flow
  EXPECT_FALSE(m.has_ready());
  m.add_packet(29'999, tcp_packet(1), 3);  // gap exactly 15 s: the flow expired at 29'999
  auto recs = drain(m);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].pkts, 2u);
  EXPECT_EQ(recs[0].last_ms, 14'999);
  m.flush();
  recs = drain(m);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].first_ms, 29'999);
  EXPECT_EQ(recs[0].origin.position, 3u);
}

TEST(FlowMeter, ActiveTimeoutCutsLongFlows) {
  FlowMeter m({60'000, 15'000}, 0);
  std::uint64_t n = 0;
  for (std::int64_t t = 0; t <= 150'000; t += 10'000) m.add_packet(t, tcp_packet(1), ++n);  // 16 packets
  m.flush();
  const auto recs = drain(m);
  ASSERT_EQ(recs.size(), 3u);
  // first + 60 s is the deadline: packets at 0..50 s, 60..110 s, 120..150 s.
  EXPECT_EQ(recs[0].pkts, 6u);
  EXPECT_EQ(recs[0].last_ms, 50'000);
  EXPECT_EQ(recs[1].first_ms, 60'000);
  EXPECT_EQ(recs[1].pkts, 6u);
  EXPECT_EQ(recs[2].pkts, 4u);
  EXPECT_EQ(recs[2].origin.position, 13u);
}

TEST(FlowMeter, ExpireWithoutPacketsAndEmissionOrder) {
  FlowMeter m({1'800'000, 15'000}, 0);
  m.add_packet(0, tcp_packet(3), 1);
  m.add_packet(100, tcp_packet(2), 2);
  m.add_packet(100, tcp_packet(1), 3);
  m.add_packet(5'000, tcp_packet(3), 4);  // flow 3 now lives longer
  m.expire(15'099);
  EXPECT_FALSE(m.has_ready());
  m.expire(15'100);  // flows 2 and 1 share a deadline: creation order decides
  auto recs = drain(m);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].src_port, 2);
  EXPECT_EQ(recs[1].src_port, 1);
  m.expire(10);  // the clock never goes back
  m.expire(20'000);
  recs = drain(m);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].src_port, 3);
  EXPECT_EQ(m.open_flows(), 0u);
}

TEST(FlowMeter, FlushOrderIsFirstPacketOrder) {
  FlowMeter m({1'800'000, 15'000}, 0);
  for (std::uint16_t p : {9, 4, 7, 1}) m.add_packet(1000, tcp_packet(p), p);
  m.flush();
  const auto recs = drain(m);
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[0].src_port, 9);
  EXPECT_EQ(recs[1].src_port, 4);
  EXPECT_EQ(recs[2].src_port, 7);
  EXPECT_EQ(recs[3].src_port, 1);
}

TEST(FlowMeter, DirectionsAreSeparateFlows) {
  FlowMeter m({1'800'000, 15'000}, 0);
  PacketHeaders back = tcp_packet(1);
  std::swap(back.src_addr, back.dst_addr);
  std::swap(back.src_port, back.dst_port);
  m.add_packet(0, tcp_packet(1), 1);
  m.add_packet(1, back, 2);
  m.flush();
  const auto recs = drain(m);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].src_port, 3333);
  EXPECT_EQ(recs[1].origin.position, 2u);
}

TEST(FlowMeter, OutOfOrderTimestampsWidenTheFlow) {
  FlowMeter m({1'800'000, 15'000}, 0);
  m.add_packet(10'000, tcp_packet(1), 1);
  m.add_packet(9'000, tcp_packet(1), 2);  // merged captures can step back
  m.flush();
  const auto recs = drain(m);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].first_ms, 9'000);
  EXPECT_EQ(recs[0].last_ms, 10'000);
}

TEST(FlowMeter, StateIsBoundedByConcurrentFlows) {
  // 100k short flows, one after the other: never more than a handful open at once.
  FlowMeter m({1'800'000, 15'000}, 0);
  std::size_t max_open = 0, emitted = 0;
  for (std::uint32_t i = 0; i < 100'000; ++i) {
    PacketHeaders h = tcp_packet(static_cast<std::uint16_t>(i));
    h.src_addr = IpAddress::from_v4(0x0B000000 + i);
    m.add_packet(static_cast<std::int64_t>(i) * 1000, h, i + 1);
    max_open = std::max(max_open, m.open_flows());
    emitted += drain(m).size();
  }
  m.flush();
  emitted += drain(m).size();
  EXPECT_EQ(emitted, 100'000u);
  EXPECT_LE(max_open, 16u);
}

}  // namespace
}  // namespace xmr
