// ExportEncoder against our decoder: what `replay` writes, src/sources/netflow reads back field
// for field (times to the millisecond, IPv6, sampling, sequence numbers without gaps). The
// decoder is itself checked against softflowd (tests/sources/netflow), and the encoder against
// nfcapd in collect_interop_test.cpp.
#include <gtest/gtest.h>

#include "collector/export_encoder.h"
#include "sources/netflow/netflow_decoder.h"

namespace xmr {
namespace {

std::vector<FlowRecord> sample_records(std::size_t n, bool with_v6) {
  std::vector<FlowRecord> v;
  const std::int64_t base = 1'764'000'000'123;  // 2025-11-24, odd milliseconds on purpose
  for (std::size_t i = 0; i < n; ++i) {
    FlowRecord r;
    const bool v6 = with_v6 && i % 3 == 1;
    if (v6) {
      r.src_addr = *IpAddress::parse("2001:db8::" + std::to_string(i + 1));
      r.dst_addr = *IpAddress::parse("2001:db8:1::7");
    } else {
      r.src_addr = IpAddress::from_v4(0x0A000001 + static_cast<std::uint32_t>(i));
      r.dst_addr = IpAddress::from_v4(0xC0000201);
    }
    r.src_port = static_cast<std::uint16_t>(40000 + i);
    r.dst_port = 3333;
    r.proto = i % 5 == 4 ? proto_udp : proto_tcp;
    r.tcp_flags = r.proto == proto_tcp ? 0x1B : 0;
    r.src_tos = static_cast<std::uint8_t>(i % 4 * 8);
    r.first_ms = base + static_cast<std::int64_t>(i) * 997;
    r.last_ms = r.first_ms + static_cast<std::int64_t>(i % 7) * 60'001;
    r.pkts = 1 + i * 3;
    r.bytes = 40 + i * 1234;
    r.input_if = static_cast<std::uint32_t>(i % 3);
    r.output_if = 7;
    r.sampling_interval = i >= n / 2 ? 100 : 1;  // the interval changes half-way
    v.push_back(r);
  }
  return v;
}

struct RoundTrip {
  std::vector<FlowRecord> decoded;
  netflow::DecodeStats stats;
  collector::EncoderStats encoder;
  std::size_t max_packet = 0;
};

RoundTrip round_trip(const std::vector<FlowRecord>& in, int version, std::uint32_t template_every = 20) {
  collector::EncoderOptions o;
  o.version = version;
  o.domain = 42;
  o.template_every_packets = template_every;
  collector::ExportEncoder enc(o);
  RoundTrip rt;
  netflow::ExporterTable table;
  auto emit = [&](std::span<const std::uint8_t> p) {
    rt.max_packet = std::max(rt.max_packet, p.size());
    auto n = netflow::decode_export_packet(p, IpAddress::from_v4(0x7F000001), 5555, 1'800'000'000'000, table,
                                           rt.decoded, rt.stats);
    EXPECT_TRUE(n.has_value());
  };
  for (const auto& r : in) enc.add(r, emit);
  enc.flush(emit);
  rt.encoder = enc.stats();
  return rt;
}

void expect_same(const FlowRecord& want, const FlowRecord& got, std::size_t i) {
  EXPECT_EQ(got.src_addr, want.src_addr) << i;
  EXPECT_EQ(got.dst_addr, want.dst_addr) << i;
  EXPECT_EQ(got.src_port, want.src_port) << i;
  EXPECT_EQ(got.dst_port, want.dst_port) << i;
  EXPECT_EQ(got.proto, want.proto) << i;
  EXPECT_EQ(got.tcp_flags, want.tcp_flags) << i;
  EXPECT_EQ(got.src_tos, want.src_tos) << i;
  EXPECT_EQ(got.first_ms, want.first_ms) << i;
  EXPECT_EQ(got.last_ms, want.last_ms) << i;
  EXPECT_EQ(got.pkts, want.pkts) << i;
  EXPECT_EQ(got.bytes, want.bytes) << i;
  EXPECT_EQ(got.input_if, want.input_if) << i;
  EXPECT_EQ(got.output_if, want.output_if) << i;
  EXPECT_EQ(got.sampling_interval, want.sampling_interval) << i;
  EXPECT_EQ(got.exporter_id, 42u) << i;
}

class EncoderRoundTrip : public ::testing::TestWithParam<int> {};

TEST_P(EncoderRoundTrip, DecoderReadsBackEveryField) {
  const int version = GetParam();
  const auto in = sample_records(500, version != 5);
  const auto rt = round_trip(in, version);
  ASSERT_EQ(rt.decoded.size(), in.size()) << rt.stats.summary();
  for (std::size_t i = 0; i < in.size(); ++i) expect_same(in[i], rt.decoded[i], i);
  EXPECT_EQ(rt.stats[netflow::counter::sequence_gaps], 0u) << rt.stats.summary();
  EXPECT_EQ(rt.stats[netflow::counter::sequence_reorders], 0u) << rt.stats.summary();
  EXPECT_EQ(rt.stats[netflow::counter::bad_templates], 0u) << rt.stats.summary();
  EXPECT_EQ(rt.stats[netflow::counter::malformed_sets], 0u) << rt.stats.summary();
  EXPECT_EQ(rt.stats[netflow::counter::missing_time], 0u) << rt.stats.summary();
  // v5: at most 30 records of 48 bytes after the 24-byte header (Cisco v5 format); else the MTU budget.
  EXPECT_LE(rt.max_packet, version == 5 ? 24u + 30u * 48u : 1400u);
  EXPECT_EQ(rt.encoder.records, in.size());
  if (version != 5) {
    EXPECT_GT(rt.stats[netflow::counter::templates_refreshed], 0u) << "templates are resent";
    EXPECT_GT(rt.stats[netflow::counter::options_records], 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Versions, EncoderRoundTrip, ::testing::Values(5, 9, 10));

TEST(ExportEncoder, V5SkipsIpv6AndCountsIt) {
  const auto in = sample_records(30, true);
  const auto rt = round_trip(in, 5);
  EXPECT_EQ(rt.encoder.skipped_ipv6, 10u);
  EXPECT_EQ(rt.decoded.size(), 20u);
}

TEST(ExportEncoder, DataBeforeTemplateIsBufferedThenDecoded) {
  // Templates only in the first packet; drop it and send it again after the data: the decoder
  // buffers the data sets and decodes them when the template arrives.
  const auto in = sample_records(200, false);
  collector::EncoderOptions o;
  o.version = 10;
  o.template_every_packets = 1000;
  collector::ExportEncoder enc(o);
  std::vector<std::vector<std::uint8_t>> packets;
  for (const auto& r : in) enc.add(r, [&](std::span<const std::uint8_t> p) { packets.emplace_back(p.begin(), p.end()); });
  enc.flush([&](std::span<const std::uint8_t> p) { packets.emplace_back(p.begin(), p.end()); });
  ASSERT_GE(packets.size(), 3u);
  netflow::ExporterTable table;
  netflow::DecodeStats stats;
  std::vector<FlowRecord> out;
  for (std::size_t i = 1; i < 3; ++i)
    (void)netflow::decode_export_packet(packets[i], IpAddress::from_v4(1), 1, 1000, table, out, stats);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(stats[netflow::counter::data_sets_pending], 2u);
  (void)netflow::decode_export_packet(packets[0], IpAddress::from_v4(1), 1, 1100, table, out, stats);
  EXPECT_EQ(stats[netflow::counter::pending_decoded], 2u) << stats.summary();
  EXPECT_GT(out.size(), 0u);
}

}  // namespace
}  // namespace xmr
