// Decoder behaviour on hand-built packets: every mapping and edge case of docs/formats/netflow.md.
// Expected values follow from the packet bytes and the RFC/Cisco layouts, not from our output.
#include <gtest/gtest.h>

#include "netflow_packet_builder.h"
#include "sources/netflow/netflow_decoder.h"

namespace xmr::netflow {
namespace {

using test::Packet;
const IpAddress exporter = IpAddress::from_v4(0xC0000201);  // 192.0.2.1

struct Harness {
  ExporterTable table;
  DecodeStats stats;
  std::vector<FlowRecord> out;
  explicit Harness(DecoderLimits lim = {}) : table(lim) {}
  result<std::size_t> decode(const Packet& p, std::int64_t now_ms = 1'700'000'000'000, std::uint16_t port = 2055) {
    return decode_export_packet(p.b, exporter, port, now_ms, table, out, stats);
  }
};

Packet v5_packet(std::uint16_t count, std::uint32_t seq, std::size_t records_present, std::uint16_t sampling = 0) {
  Packet p;
  p.u16(5).u16(count).u32(100'000).u32(1'700'000'000).u32(500'000'000).u32(seq).u8(1).u8(2).u16(sampling);
  for (std::size_t i = 0; i < records_present; ++i) {
    p.u32(0x0A000001).u32(0x0A000002 + i).u32(0).u16(3).u16(4).u32(10).u32(1000)
        .u32(90'000).u32(99'000).u16(40000).u16(3333).u8(0).u8(0x1B).u8(6).u8(0x20)
        .u16(0).u16(0).u8(24).u8(24).u16(0);
  }
  return p;
}

TEST(NetflowV5, FieldsTimesAndSampling) {
  Harness r;
  auto n = r.decode(v5_packet(2, 7, 2, 0x4000 | 100));
  ASSERT_TRUE(n);
  ASSERT_EQ(*n, 2u);
  const FlowRecord& f = r.out[0];
  EXPECT_EQ(f.src_addr, IpAddress::from_v4(0x0A000001));
  EXPECT_EQ(f.dst_addr, IpAddress::from_v4(0x0A000002));
  EXPECT_EQ(f.src_port, 40000);
  EXPECT_EQ(f.dst_port, 3333);
  EXPECT_EQ(f.proto, 6);
  EXPECT_EQ(f.tcp_flags, 0x1B);
  EXPECT_EQ(f.src_tos, 0x20);
  EXPECT_EQ(f.pkts, 10u);
  EXPECT_EQ(f.bytes, 1000u);
  EXPECT_EQ(f.input_if, 3u);
  EXPECT_EQ(f.output_if, 4u);
  // export time 1700000000.5 s at uptime 100 s; first at uptime 90 s -> 10 s earlier.
  EXPECT_EQ(f.first_ms, 1'700'000'000'500 - 10'000);
  EXPECT_EQ(f.last_ms, 1'700'000'000'500 - 1'000);
  EXPECT_EQ(f.sampling_interval, 100u);  // low 14 bits of the sampling field
  EXPECT_EQ(f.exporter_id, 0x0102u);     // engine type 1, engine id 2
  EXPECT_EQ(f.exporter_addr, exporter);
}

TEST(NetflowV5, CountBeyondDatagramDecodesWholeRecordsOnly) {
  Harness r;
  Packet p = v5_packet(30, 0, 3);
  p.b.resize(p.b.size() - 10);  // third record cut
  auto n = r.decode(p);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(r.stats[counter::bad_length], 1u);
}

TEST(NetflowV5, SequenceGapsCountLostFlows) {
  Harness r;
  ASSERT_TRUE(r.decode(v5_packet(2, 100, 2)));
  ASSERT_TRUE(r.decode(v5_packet(2, 102, 2)));  // in order
  ASSERT_TRUE(r.decode(v5_packet(2, 110, 2)));  // 6 flows lost
  EXPECT_EQ(r.stats[counter::sequence_gaps], 1u);
  EXPECT_EQ(r.stats[counter::lost_units], 6u);
  ASSERT_TRUE(r.decode(v5_packet(2, 50, 2)));  // behind: reorder/restart, not a gap
  EXPECT_EQ(r.stats[counter::sequence_reorders], 1u);
}

TEST(NetflowHeader, UnknownVersionAndTruncatedHeaderAreErrors) {
  Harness r;
  Packet p;
  p.u16(7).u16(0);
  EXPECT_FALSE(r.decode(p));
  EXPECT_EQ(r.stats[counter::bad_version], 1u);
  Packet q;
  q.u16(9).u16(1).u32(0);
  auto n = r.decode(q);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, errc::truncated);
  EXPECT_FALSE(r.decode(Packet{}));
}

// v9 template 256: src4 dst4 sport dport proto flags first last pkts bytes.
Packet& v9_template(Packet& p, std::uint16_t id = 256) {
  p.begin_set(0).u16(id).u16(10);
  p.u16(8).u16(4).u16(12).u16(4).u16(7).u16(2).u16(11).u16(2).u16(4).u16(1).u16(6).u16(1);
  p.u16(22).u16(4).u16(21).u16(4).u16(2).u16(4).u16(1).u16(4);
  return p.end_set();
}
Packet& v9_data(Packet& p, std::uint32_t dst, std::uint16_t id = 256) {
  p.begin_set(id);
  p.u32(0x0A000001).u32(dst).u16(1234).u16(3333).u8(6).u8(0x12).u32(50'000).u32(59'000).u32(7).u32(700);
  p.u16(0);  // padding to 4 bytes
  return p.end_set();
}

TEST(NetflowV9, TemplateThenDataUptimeTimes) {
  Harness r;
  Packet p;
  p.v9_header(60'000, 1'700'000'000, 1, 42);
  v9_template(p);
  v9_data(p, 0x0A000009);
  auto n = r.decode(p);
  ASSERT_TRUE(n);
  ASSERT_EQ(*n, 1u);
  const FlowRecord& f = r.out[0];
  EXPECT_EQ(f.dst_addr, IpAddress::from_v4(0x0A000009));
  EXPECT_EQ(f.src_port, 1234);
  EXPECT_EQ(f.pkts, 7u);
  EXPECT_EQ(f.bytes, 700u);
  EXPECT_EQ(f.tcp_flags, 0x12);
  EXPECT_EQ(f.first_ms, 1'700'000'000'000 - 10'000);
  EXPECT_EQ(f.last_ms, 1'700'000'000'000 - 1'000);
  EXPECT_EQ(f.exporter_id, 42u);
  EXPECT_EQ(r.stats[counter::templates_added], 1u);
}

TEST(NetflowV9, UptimeWrapKeepsFlowInThePast) {
  Harness r;
  Packet p;
  p.v9_header(1'000, 1'700'000'000, 1, 0);  // uptime wrapped; flow started at 2^32 - 9000
  p.begin_set(0).u16(300).u16(3).u16(8).u16(4).u16(12).u16(4).u16(22).u16(4).end_set();
  p.begin_set(300).u32(1).u32(2).u32(0xFFFFFFFFu - 8'999).end_set();
  ASSERT_TRUE(r.decode(p));
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_EQ(r.out[0].first_ms, 1'700'000'000'000 - 10'000);
}

TEST(NetflowV9, DataBeforeTemplateIsBufferedThenDecoded) {
  Harness r;
  Packet d;
  d.v9_header(60'000, 1'700'000'000, 1, 0);
  v9_data(d, 0x0A000005);
  ASSERT_TRUE(r.decode(d));
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(r.stats[counter::data_sets_pending], 1u);
  Packet t;
  t.v9_header(61'000, 1'700'000'001, 2, 0);
  v9_template(t);
  ASSERT_TRUE(r.decode(t));
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_EQ(r.stats[counter::pending_decoded], 1u);
  // Times come from the packet that carried the data, not the template's.
  EXPECT_EQ(r.out[0].first_ms, 1'700'000'000'000 - 10'000);
  EXPECT_EQ(r.table.pending_bytes(), 0u);
}

TEST(NetflowV9, PendingDataExpiresAndIsBounded) {
  DecoderLimits lim;
  lim.max_pending_sets_per_exporter = 2;
  Harness r(lim);
  for (int i = 0; i < 5; ++i) {
    Packet d;
    d.v9_header(60'000, 1'700'000'000, static_cast<std::uint32_t>(i), 0);
    v9_data(d, 1, static_cast<std::uint16_t>(400 + i));
    ASSERT_TRUE(r.decode(d, 1'000));
  }
  EXPECT_EQ(r.stats[counter::data_sets_pending], 2u);
  EXPECT_EQ(r.stats[counter::pending_dropped], 3u);
  r.table.expire(1'000 + lim.pending_max_age_ms + 1, r.stats);
  EXPECT_EQ(r.stats[counter::pending_dropped], 5u);
  EXPECT_EQ(r.table.pending_bytes(), 0u);
}

TEST(NetflowV9, OptionsTemplateSamplingAppliesToRecords) {
  Harness r;
  Packet p;
  p.v9_header(60'000, 1'700'000'000, 1, 0);
  // Options template 257: scope system (type 1, 4 bytes); options SAMPLING_INTERVAL (34, 4),
  // SAMPLING_ALGORITHM (35, 1). RFC 3954 §6.1: lengths in bytes.
  p.begin_set(1).u16(257).u16(4).u16(8).u16(1).u16(4).u16(34).u16(4).u16(35).u16(1).u16(0).end_set();
  p.begin_set(257).u32(0).u32(512).u8(2).u16(0).u8(0).end_set();
  v9_template(p);
  v9_data(p, 3);
  ASSERT_TRUE(r.decode(p));
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_EQ(r.out[0].sampling_interval, 512u);
  EXPECT_EQ(r.stats[counter::options_records], 1u);
  EXPECT_EQ(r.stats[counter::options_templates], 1u);
}

TEST(NetflowV9, TemplateRefreshAndChangedLayout) {
  Harness r;
  Packet a;
  a.v9_header(60'000, 1'700'000'000, 1, 0);
  v9_template(a);
  v9_template(a);  // refresh, same layout
  ASSERT_TRUE(r.decode(a));
  EXPECT_EQ(r.stats[counter::templates_refreshed], 1u);
  Packet b;
  b.v9_header(60'000, 1'700'000'000, 2, 0);
  // Same id, new layout: dst first, then src, then bytes only.
  b.begin_set(0).u16(256).u16(3).u16(12).u16(4).u16(8).u16(4).u16(1).u16(8).end_set();
  b.begin_set(256).u32(0x0B000001).u32(0x0B000002).u64(123456789012ull).end_set();
  ASSERT_TRUE(r.decode(b));
  EXPECT_EQ(r.stats[counter::templates_changed], 1u);
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_EQ(r.out[0].dst_addr, IpAddress::from_v4(0x0B000001));
  EXPECT_EQ(r.out[0].src_addr, IpAddress::from_v4(0x0B000002));
  EXPECT_EQ(r.out[0].bytes, 123456789012ull);
  EXPECT_EQ(r.stats[counter::missing_time], 1u);  // no time fields: receive time used
}

TEST(NetflowV9, SequenceCountsPackets) {
  Harness r;
  for (std::uint32_t seq : {10u, 11u, 15u}) {
    Packet p;
    p.v9_header(60'000, 1'700'000'000, seq, 0);
    v9_template(p);
    ASSERT_TRUE(r.decode(p));
  }
  EXPECT_EQ(r.stats[counter::sequence_gaps], 1u);
  EXPECT_EQ(r.stats[counter::lost_units], 3u);
}

TEST(NetflowV9, SourceIdsHaveSeparateTemplates) {
  Harness r;
  Packet t;
  t.v9_header(60'000, 1'700'000'000, 1, 1);
  v9_template(t);
  ASSERT_TRUE(r.decode(t));
  Packet d;
  d.v9_header(60'000, 1'700'000'000, 1, 2);  // other source id: template unknown there
  v9_data(d, 3);
  ASSERT_TRUE(r.decode(d));
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(r.stats[counter::data_sets_pending], 1u);
}

// IPFIX template 256: src6 dst6 sport dport proto, flowStart/EndMilliseconds, octet/packetDeltaCount
// (reduced-size: 4 bytes), an enterprise field (PEN 9, 3 bytes) and a variable-length field.
Packet& ipfix_template_v6(Packet& p) {
  p.begin_set(2).u16(256).u16(11);
  p.u16(27).u16(16).u16(28).u16(16).u16(7).u16(2).u16(11).u16(2).u16(4).u16(1);
  p.u16(152).u16(8).u16(153).u16(8).u16(1).u16(4).u16(2).u16(4);
  p.u16(0x8000 | 77).u16(3).u32(9);        // enterprise-specific: skipped by length
  p.u16(82).u16(0xFFFF);                   // interfaceName, variable length (RFC 7011 §7)
  return p.end_set();
}
Packet& ipfix_data_v6(Packet& p, std::size_t varlen) {
  p.begin_set(256);
  for (int i = 0; i < 16; ++i) p.u8(i == 0 ? 0x20 : (i == 15 ? 1 : 0));
  for (int i = 0; i < 16; ++i) p.u8(i == 0 ? 0x20 : (i == 15 ? 2 : 0));
  p.u16(5555).u16(443).u8(17).u64(1'700'000'000'123).u64(1'700'000'004'567).u32(999).u32(3);
  p.u8(0xAA).u8(0xBB).u8(0xCC);
  if (varlen < 255) {
    p.u8(varlen);
  } else {
    p.u8(255).u16(varlen);
  }
  for (std::size_t i = 0; i < varlen; ++i) p.u8('x');
  return p.end_set();
}

TEST(Ipfix, V6EnterpriseAndVariableLengthFields) {
  for (std::size_t varlen : {0u, 5u, 300u}) {
    Harness r;
    Packet p;
    p.ipfix_header(1'700'000'010, 0, 7);
    ipfix_template_v6(p);
    ipfix_data_v6(p, varlen);
    ipfix_data_v6(p, varlen);
    p.finish_ipfix();
    auto n = r.decode(p);
    ASSERT_TRUE(n);
    ASSERT_EQ(*n, 2u) << "varlen " << varlen << " " << r.stats.summary();
    const FlowRecord& f = r.out[1];
    EXPECT_EQ(f.src_addr.to_string(), "2000::1");
    EXPECT_EQ(f.dst_addr.to_string(), "2000::2");
    EXPECT_EQ(f.src_port, 5555);
    EXPECT_EQ(f.dst_port, 443);
    EXPECT_EQ(f.proto, 17);
    EXPECT_EQ(f.first_ms, 1'700'000'000'123);
    EXPECT_EQ(f.last_ms, 1'700'000'004'567);
    EXPECT_EQ(f.bytes, 999u);
    EXPECT_EQ(f.pkts, 3u);
    EXPECT_EQ(f.exporter_id, 7u);
  }
}

TEST(Ipfix, VariableLengthOverrunIsCountedNotRead) {
  Harness r;
  Packet p;
  p.ipfix_header(1'700'000'010, 0, 7);
  ipfix_template_v6(p);
  ipfix_data_v6(p, 5);
  p.b[p.b.size() - 6] = 200;  // variable length says 200, only 5 bytes in the set
  p.finish_ipfix();
  ASSERT_TRUE(r.decode(p));
  EXPECT_EQ(r.stats[counter::bad_records], 1u);
  EXPECT_TRUE(r.out.empty());
}

TEST(Ipfix, WithdrawalSingleAndAll) {
  Harness r;
  Packet p;
  p.ipfix_header(1'700'000'010, 0, 1);
  p.begin_set(2).u16(256).u16(2).u16(8).u16(4).u16(12).u16(4)
      .u16(257).u16(2).u16(8).u16(4).u16(12).u16(4)
      .u16(258).u16(2).u16(8).u16(4).u16(12).u16(4).end_set();
  p.begin_set(2).u16(256).u16(0).end_set();  // withdraw 256 (RFC 7011 §8.1)
  p.finish_ipfix();
  ASSERT_TRUE(r.decode(p));
  EXPECT_EQ(r.stats[counter::templates_added], 3u);
  EXPECT_EQ(r.stats[counter::templates_withdrawn], 1u);
  EXPECT_EQ(r.table.template_count(), 2u);
  Packet q;
  q.ipfix_header(1'700'000'011, 0, 1);
  q.begin_set(2).u16(2).u16(0).end_set();  // withdraw all data templates
  q.begin_set(257).u32(1).u32(2).end_set();  // now unknown: buffered
  q.finish_ipfix();
  ASSERT_TRUE(r.decode(q));
  EXPECT_EQ(r.table.template_count(), 0u);
  EXPECT_EQ(r.stats[counter::templates_withdrawn], 3u);
  EXPECT_TRUE(r.out.empty());
}

TEST(Ipfix, OptionsSamplingSystemInitAndUptimeTimes) {
  Harness r;
  Packet p;
  p.ipfix_header(1'700'000'100, 0, 1);
  // Options template 300: scope observationDomainId (149, 4); samplingPacketInterval (305) = 1,
  // samplingPacketSpace (306) = 99 -> 1 in 100; systemInitTimeMilliseconds (160).
  p.begin_set(3).u16(300).u16(4).u16(1).u16(149).u16(4).u16(305).u16(4).u16(306).u16(4).u16(160).u16(8).end_set();
  p.begin_set(300).u32(1).u32(1).u32(99).u64(1'699'999'000'000).end_set();
  p.begin_set(2).u16(256).u16(4).u16(8).u16(4).u16(12).u16(4).u16(22).u16(4).u16(21).u16(4).end_set();
  p.begin_set(256).u32(1).u32(2).u32(5'000).u32(6'000).end_set();
  p.finish_ipfix();
  ASSERT_TRUE(r.decode(p));
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_EQ(r.out[0].sampling_interval, 100u);
  EXPECT_EQ(r.out[0].first_ms, 1'699'999'005'000);
  EXPECT_EQ(r.out[0].last_ms, 1'699'999'006'000);
}

TEST(Ipfix, BiflowReverseRecord) {
  Harness r;
  Packet p;
  p.ipfix_header(1'700'000'100, 0, 1);
  p.begin_set(2).u16(256).u16(9).u16(8).u16(4).u16(12).u16(4).u16(7).u16(2).u16(11).u16(2).u16(4).u16(1)
      .u16(1).u16(8).u16(2).u16(8)
      .u16(0x8000 | 1).u16(8).u32(29305).u16(0x8000 | 2).u16(8).u32(29305).end_set();  // RFC 5103
  p.begin_set(256).u32(1).u32(2).u16(40000).u16(3333).u8(6).u64(100).u64(2).u64(5000).u64(4).end_set();
  p.finish_ipfix();
  ASSERT_TRUE(r.decode(p));
  ASSERT_EQ(r.out.size(), 2u);
  EXPECT_EQ(r.out[1].src_addr, IpAddress::from_v4(2));
  EXPECT_EQ(r.out[1].src_port, 3333);
  EXPECT_EQ(r.out[1].dst_port, 40000);
  EXPECT_EQ(r.out[1].bytes, 5000u);
  EXPECT_EQ(r.out[1].pkts, 4u);
}

TEST(Ipfix, SequenceCountsDataRecords) {
  Harness r;
  auto packet = [](std::uint32_t seq, int records) {
    Packet p;
    p.ipfix_header(1'700'000'100, seq, 1);
    p.begin_set(2).u16(256).u16(2).u16(8).u16(4).u16(12).u16(4).end_set();
    p.begin_set(256);
    for (int i = 0; i < records; ++i) p.u32(1).u32(2);
    p.end_set();
    return p.finish_ipfix();
  };
  ASSERT_TRUE(r.decode(packet(0, 3)));
  ASSERT_TRUE(r.decode(packet(3, 2)));
  ASSERT_TRUE(r.decode(packet(9, 1)));  // records 5..8 lost
  EXPECT_EQ(r.stats[counter::sequence_gaps], 1u);
  EXPECT_EQ(r.stats[counter::lost_units], 4u);
}

// ---- hostile inputs ----

TEST(Hostile, ZeroLengthAndOversizedSetsStopThePacketWithoutLosingEarlierRecords) {
  for (std::uint16_t bad_len : {0, 2, 4000}) {
    Harness r;
    Packet p;
    p.v9_header(60'000, 1'700'000'000, 1, 0);
    v9_template(p);
    v9_data(p, 9);
    p.u16(256).u16(bad_len);
    ASSERT_TRUE(r.decode(p));
    EXPECT_EQ(r.out.size(), 1u) << bad_len;
    EXPECT_EQ(r.stats[counter::malformed_sets], 1u) << bad_len;
  }
}

TEST(Hostile, ZeroFieldAndOverflowingTemplates) {
  Harness r;
  Packet p;
  p.v9_header(60'000, 1'700'000'000, 1, 0);
  p.begin_set(0).u16(256).u16(0).end_set();          // v9: zero fields
  p.begin_set(0).u16(257).u16(65535).u16(8).u16(4).end_set();  // count beyond the set
  p.begin_set(0).u16(258).u16(2).u16(1).u16(0).u16(2).u16(0).end_set();  // record length 0
  // Record longer than any set can hold: 2 fields of 40000 bytes.
  p.begin_set(0).u16(259).u16(2).u16(8).u16(40000).u16(12).u16(40000).end_set();
  p.begin_set(0).u16(12).u16(1).u16(8).u16(4).end_set();  // template id below 256
  ASSERT_TRUE(r.decode(p));
  EXPECT_EQ(r.stats[counter::bad_templates], 5u) << r.stats.summary();
  EXPECT_EQ(r.table.template_count(), 0u);
}

TEST(Hostile, OptionsScopesBeyondSetOrCount) {
  Harness r;
  Packet p;
  p.v9_header(60'000, 1'700'000'000, 1, 0);
  p.begin_set(1).u16(260).u16(65532).u16(4).u16(1).u16(4).end_set();  // scope length beyond flowset
  p.begin_set(1).u16(261).u16(3).u16(4).u16(1).u16(4).end_set();      // not a multiple of 4
  ASSERT_TRUE(r.decode(p));
  Packet q;
  q.ipfix_header(1'700'000'000, 0, 0);
  q.begin_set(3).u16(262).u16(1).u16(9).u16(149).u16(4).end_set();  // scope count > field count
  q.begin_set(3).u16(263).u16(1).u16(0).u16(149).u16(4).end_set();  // scope count 0
  q.finish_ipfix();
  ASSERT_TRUE(r.decode(q));
  EXPECT_EQ(r.stats[counter::bad_templates], 4u) << r.stats.summary();
  EXPECT_EQ(r.table.template_count(), 0u);
}

TEST(Hostile, FieldCapAndTemplateFloodStayBounded) {
  DecoderLimits lim;
  lim.max_templates_per_exporter = 10;
  lim.max_fields_per_template = 8;
  Harness r(lim);
  Packet big;
  big.ipfix_header(1'700'000'000, 0, 0);
  big.begin_set(2).u16(256).u16(9);
  for (int i = 0; i < 9; ++i) big.u16(8).u16(4);
  big.end_set().finish_ipfix();
  ASSERT_TRUE(r.decode(big));
  EXPECT_EQ(r.stats[counter::field_cap_hit], 1u);
  for (std::uint32_t k = 0; k < 100; ++k) {
    Packet p;
    p.ipfix_header(1'700'000'000, 0, 0);
    p.begin_set(2);
    for (std::uint16_t i = 0; i < 20; ++i) p.u16(256 + k * 20 + i).u16(1).u16(8).u16(4);
    p.end_set().finish_ipfix();
    ASSERT_TRUE(r.decode(p));
  }
  EXPECT_EQ(r.table.template_count(), 10u);
  EXPECT_EQ(r.stats[counter::template_cap_hit], 100u * 20 - 10);
}

TEST(Hostile, ExporterFloodIsCapped) {
  DecoderLimits lim;
  lim.max_exporters = 5;
  Harness r(lim);
  for (std::uint16_t port = 1; port <= 20; ++port) {
    Packet p;
    p.ipfix_header(1'700'000'000, 0, 0);
    p.finish_ipfix();
    (void)r.decode(p, 1'000, port);
  }
  EXPECT_EQ(r.table.size(), 5u);
  EXPECT_EQ(r.stats[counter::exporter_cap_hit], 15u);
}

TEST(Hostile, IpfixLengthLies) {
  Harness r;
  Packet p;
  p.ipfix_header(1'700'000'000, 0, 0);
  p.begin_set(2).u16(256).u16(2).u16(8).u16(4).u16(12).u16(4).end_set();
  p.finish_ipfix();
  p.b[2] = 0x10;  // length 4096+ beyond datagram: sets still walked within the datagram
  ASSERT_TRUE(r.decode(p));
  EXPECT_EQ(r.stats[counter::bad_length], 1u);
  EXPECT_EQ(r.stats[counter::templates_added], 1u);
  Packet q;
  q.ipfix_header(1'700'000'000, 0, 0);
  q.b[3] = 3;  // length 3 < header
  ASSERT_TRUE(r.decode(q));
  EXPECT_EQ(r.stats[counter::bad_length], 2u);
}

TEST(Hostile, StrayTrailingBytesAndReservedSets) {
  Harness r;
  Packet p;
  p.ipfix_header(1'700'000'000, 0, 0);
  p.begin_set(100).u32(0).end_set();
  p.u8(1).u8(2);
  p.finish_ipfix();
  ASSERT_TRUE(r.decode(p));
  EXPECT_EQ(r.stats[counter::reserved_sets], 1u);
  EXPECT_EQ(r.stats[counter::malformed_sets], 1u);
}

TEST(Diagnostics, ProblemsNameExporterAndByteOffset) {
  std::vector<std::string> seen;
  Diagnostics diag([&](const Problem& pr) { seen.push_back(format_problem(pr)); });
  ExporterTable table({}, &diag);
  DecodeStats stats;
  std::vector<FlowRecord> out;
  Packet p;
  p.v9_header(60'000, 1'700'000'000, 1, 0);
  p.u16(256).u16(900);
  ASSERT_TRUE(decode_export_packet(p.b, exporter, 2055, 0, table, out, stats));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_NE(seen[0].find("192.0.2.1:2055"), std::string::npos) << seen[0];
  EXPECT_NE(seen[0].find("20"), std::string::npos) << seen[0];  // set header at byte 20
  EXPECT_EQ(diag.count(errc::corrupt_block), 1u);
}

}  // namespace
}  // namespace xmr::netflow
