// ConnectionTable: duplicates from several exporters, one-sided connections, time from outside.
#include <gtest/gtest.h>

#include "flow/connection_table.h"

namespace xmr {

namespace {
struct Slices final : SliceSink {
  std::vector<Slice> slices;
  std::vector<ConnectionInfo> closed;
  void on_slice(const ConnectionInfo&, const Slice& s) override { slices.push_back(s); }
  void on_close(const ConnectionInfo& c) override { closed.push_back(c); }
};

FlowRecord rec(bool up, std::int64_t first_ms, std::int64_t last_ms, std::uint64_t pkts, std::uint64_t bytes,
               std::uint32_t exporter) {
  FlowRecord r;
  r.src_addr = *IpAddress::parse(up ? "10.0.0.5" : "198.51.100.7");
  r.dst_addr = *IpAddress::parse(up ? "198.51.100.7" : "10.0.0.5");
  r.src_port = up ? 50000 : 3333;
  r.dst_port = up ? 3333 : 50000;
  r.proto = proto_tcp;
  r.tcp_flags = tcp_flag::ack;
  r.first_ms = first_ms;
  r.last_ms = last_ms;
  r.pkts = pkts;
  r.bytes = bytes;
  r.exporter_id = exporter;
  return r;
}

ConnectionTableOptions opts() {
  ConnectionTableOptions o;
  o.slice_ms = 60'000;
  return o;
}
}  // namespace

TEST(Exporters, ASecondExporterReportingTheSameDirectionIsDropped) {
  ConnectionTable t(opts());
  Slices sink;
  t.add(rec(true, 61'000, 110'000, 10, 2600, 1), sink);
  t.add(rec(true, 61'010, 110'020, 10, 2600, 2), sink);   // the same packets seen by router 2
  t.add(rec(false, 61'050, 115'000, 14, 3900, 2), sink);  // router 2 owns the other direction: kept
  t.add(rec(false, 61'060, 115'010, 14, 3900, 1), sink);  // and router 1's copy of it is dropped
  t.flush(sink);
  ASSERT_EQ(sink.slices.size(), 1u);
  EXPECT_EQ(sink.slices[0].up.pkts, 10u);
  EXPECT_EQ(sink.slices[0].down.pkts, 14u);
  EXPECT_EQ(t.stats().duplicate_records, 2u);
  ASSERT_EQ(sink.closed.size(), 1u);
  EXPECT_EQ(sink.closed[0].records_up, 1u);
  EXPECT_EQ(sink.closed[0].records_down, 1u);
  EXPECT_EQ(t.stats().one_sided_connections, 0u);
}

TEST(Exporters, RecordsWithoutExporterIdentityAreNeverDeduplicated) {
  ConnectionTable t(opts());
  Slices sink;
  t.add(rec(true, 61'000, 110'000, 10, 2600, 0), sink);
  t.add(rec(true, 61'000, 110'000, 10, 2600, 0), sink);
  t.flush(sink);
  ASSERT_EQ(sink.slices.size(), 1u);
  EXPECT_EQ(sink.slices[0].up.pkts, 20u);
  EXPECT_EQ(t.stats().duplicate_records, 0u);
  EXPECT_EQ(t.stats().one_sided_connections, 1u);  // and only one direction was seen
}

TEST(ObserveTime, ClosesSlicesWithoutARecord) {
  ConnectionTable t(opts());
  Slices sink;
  t.add(rec(true, 61'000, 110'000, 10, 2600, 0), sink);
  EXPECT_TRUE(sink.slices.empty());
  t.observe_time(100'000, sink);  // earlier than now: ignored
  EXPECT_TRUE(sink.slices.empty());
  t.observe_time(120'000 + 2 * 60'000 + 1, sink);  // past slice 1's end plus the lateness
  EXPECT_EQ(sink.slices.size(), 1u);
  EXPECT_EQ(t.now_ms(), 240'001);
}

}  // namespace xmr
