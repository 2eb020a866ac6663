// Damaged input: every case is reported with the file and packet number, counted, skipped, and
// the good packets around it are still metered. Files are built with the independent writer in
// pcap_test_util.h.
#include <gtest/gtest.h>

#include <gmock/gmock.h>

#include "sources/pcap/pcap_source.h"
#include "sources/pcap/pcap_test_util.h"
#include "support/test_support.h"

namespace xmr::test::pcap {
namespace {

using ::testing::HasSubstr;

constexpr std::uint32_t a = 0x0A000001, b = 0x0A000002;

Packet good_tcp(std::uint32_t sec, std::uint16_t sport = 40000, std::size_t payload = 20) {
  return packet(sec, 0, ethernet(0x0800, ipv4(a, b, proto_tcp, tcp(sport, 3333, 0x18, payload))));
}

ReadAll meter_file(const TempDir& tmp, const std::string& name, const std::string& bytes) {
  write_file(tmp / name, bytes);
  SourceOptions opt;
  opt.format = InputFormat::pcap;
  return read_all((tmp / name).string(), opt);
}

std::uint64_t total_pkts(const ReadAll& r) {
  std::uint64_t n = 0;
  for (const auto& rec : r.records) n += rec.pkts;
  return n;
}

std::string all_problems(const ReadAll& r) {
  std::string s;
  for (const auto& p : r.problems) s += p + "\n";
  return s;
}

File three_good_and(Packet bad) {
  File f;
  f.packets = {good_tcp(100), good_tcp(101), std::move(bad), good_tcp(102)};
  return f;
}

TEST(PcapBadInput, TruncatedInsideLastPacket) {
  File f;
  for (std::uint32_t i = 0; i < 5; ++i) f.packets.push_back(good_tcp(100 + i));
  std::string bytes = pcap_bytes(f);
  bytes.resize(bytes.size() - 10);  // last packet's data cut short
  TempDir tmp;
  const ReadAll r = meter_file(tmp, "cut.pcap", bytes);
  ASSERT_EQ(r.problems.size(), 1u) << all_problems(r);
  EXPECT_THAT(r.problems[0], HasSubstr("cut.pcap: packet 5: truncated"));
  EXPECT_EQ(total_pkts(r), 4u);  // the four complete packets are kept
}

TEST(PcapBadInput, TruncatedInsideRecordHeader) {
  File f;
  for (std::uint32_t i = 0; i < 3; ++i) f.packets.push_back(good_tcp(100 + i));
  std::string bytes = pcap_bytes(f);
  bytes += std::string(7, '\0');  // 7 of the 16 bytes of a 4th record header
  TempDir tmp;
  const ReadAll r = meter_file(tmp, "hdr.pcap", bytes);
  ASSERT_EQ(r.problems.size(), 1u) << all_problems(r);
  EXPECT_THAT(r.problems[0], HasSubstr("hdr.pcap: packet 4: truncated"));
  EXPECT_EQ(total_pkts(r), 3u);
}

TEST(PcapBadInput, LyingCaptureLengthDoesNotAllocateIt) {
  File f;
  f.packets = {good_tcp(100), good_tcp(101)};
  std::string bytes = pcap_bytes(f);
  // A third record claiming 0x7FFFFFF0 captured bytes, followed by a few.
  std::string rec;
  put32(rec, 102);
  put32(rec, 0);
  put32(rec, 0x7FFFFFF0);
  put32(rec, 0x7FFFFFF0);
  bytes += rec + "abcdefgh";
  TempDir tmp;
  const ReadAll r = meter_file(tmp, "lie.pcap", bytes);
  ASSERT_EQ(r.problems.size(), 1u) << all_problems(r);
  EXPECT_THAT(r.problems[0], HasSubstr("lie.pcap: packet 3:"));
  EXPECT_EQ(total_pkts(r), 2u);
}

TEST(PcapBadInput, GarbageFileHeader) {
  TempDir tmp;
  write_file(tmp / "junk.pcap", std::string("\xA1\xB2\xC3\xD4", 4) + std::string(40, '\x7F'));  // magic, then nonsense
  Diagnostics diag;
  SourceContext ctx{(tmp / "junk.pcap").string(), 0, &diag, {}};
  auto src = open_pcap_source(ctx.name, ctx);
  ASSERT_FALSE(src.has_value());
  EXPECT_THAT(src.error().context, HasSubstr("junk.pcap"));
  // Through the dispatcher: reported once, no records, no crash.
  const ReadAll r = meter_file(tmp, "junk2.pcap", std::string("\xA1\xB2\xC3\xD4", 4) + std::string(40, '\x7F'));
  EXPECT_EQ(r.errors, 1u);
  EXPECT_TRUE(r.records.empty());
}

TEST(PcapBadInput, TruncatedFileHeader) {
  TempDir tmp;
  const ReadAll r = meter_file(tmp, "short.pcap", std::string("\xD4\xC3\xB2\xA1\x02\x00", 6));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0], HasSubstr("short.pcap"));
  EXPECT_THAT(r.problems[0], HasSubstr("truncated"));
  EXPECT_TRUE(r.records.empty());
}

TEST(PcapBadInput, UnsupportedLinkType) {
  File f;
  f.link_type = 147;  // LINKTYPE_USER0
  f.packets = {good_tcp(100)};
  TempDir tmp;
  const ReadAll r = meter_file(tmp, "user0.pcap", pcap_bytes(f));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0], HasSubstr("user0.pcap"));
  EXPECT_THAT(r.problems[0], HasSubstr("link type 147 is not supported"));
}

TEST(PcapBadInput, SnappedBeforeTransportHeaderIsSkipped) {
  Packet bad = good_tcp(100, 50000);
  bad.data.resize(14 + 20 + 6);  // Ethernet + IPv4 + 6 bytes of TCP: no flags
  TempDir tmp;
  const ReadAll r = meter_file(tmp, "snap.pcap", pcap_bytes(three_good_and(bad)));
  ASSERT_EQ(r.problems.size(), 1u) << all_problems(r);
  EXPECT_THAT(r.problems[0], HasSubstr("snap.pcap: packet 3: bad_packet: TCP header snapped"));
  EXPECT_EQ(r.skipped, 1u);
  EXPECT_EQ(total_pkts(r), 3u);
}

TEST(PcapBadInput, SnappedAfterTcpHeaderCountsWireLength) {
  File f;
  f.packets = {good_tcp(100, 40000, 1000)};
  f.packets[0].data.resize(14 + 20 + 20);  // caplen covers the headers only, like -s 54
  TempDir tmp;
  const ReadAll r = meter_file(tmp, "s54.pcap", pcap_bytes(f));
  EXPECT_EQ(r.errors, 0u) << all_problems(r);
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].bytes, 20u + 20u + 1000u);  // the IP total length, not the captured part
  EXPECT_EQ(r.records[0].tcp_flags, 0x18);
}

TEST(PcapBadInput, SnappedInsideEthernetAndIpHeaders) {
  Packet eth_cut = good_tcp(100, 50001);
  eth_cut.data.resize(10);
  Packet ip_cut = good_tcp(100, 50002);
  ip_cut.data.resize(14 + 12);
  File f;
  f.packets = {good_tcp(100), eth_cut, ip_cut, good_tcp(101)};
  TempDir tmp;
  const ReadAll r = meter_file(tmp, "cuts.pcap", pcap_bytes(f));
  ASSERT_EQ(r.problems.size(), 2u) << all_problems(r);
  EXPECT_THAT(r.problems[0], HasSubstr("packet 2: bad_packet: Ethernet header snapped"));
  EXPECT_THAT(r.problems[1], HasSubstr("packet 3: bad_packet: IPv4 header snapped"));
  EXPECT_EQ(total_pkts(r), 2u);
}

Packet with_ip_byte(std::size_t at, std::uint8_t v) {
  Packet p = good_tcp(100, 50000);
  p.data[14 + at] = static_cast<char>(v);
  return p;
}

TEST(PcapBadInput, BogusIpHeaderLengths) {
  struct Case {
    Packet p;
    const char* message;
  };
  Packet long_total = good_tcp(100, 50000);
  long_total.data[14 + 2] = 0x40;  // total length 0x40xx: beyond the frame
  Case cases[] = {
      {with_ip_byte(0, 0x44), "IPv4 header length below 20 bytes"},
      {[] {
         Packet p = with_ip_byte(0, 0x4F);  // a 60-byte header ...
         p.data.resize(14 + 40);            // ... in a packet captured up to byte 40 of IP
         return p;
       }(),
       "IPv4 options snapped"},
      {with_ip_byte(0, 0x55), "IP version is not 4"},
      {[] {
         Packet p = good_tcp(100, 50000);
         p.data[14 + 2] = 0;
         p.data[14 + 3] = 10;  // total length 10 < header
         return p;
       }(),
       "IPv4 total length smaller than its header"},
      {long_total, "IPv4 total length exceeds the frame"},
  };
  TempDir tmp;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    const ReadAll r = meter_file(tmp, "ip.pcap", pcap_bytes(three_good_and(c.p)));
    ASSERT_EQ(r.problems.size(), 1u) << all_problems(r);
    EXPECT_THAT(r.problems[0], HasSubstr("ip.pcap: packet 3: bad_packet: "));
    EXPECT_THAT(r.problems[0], HasSubstr(c.message));
    EXPECT_EQ(total_pkts(r), 3u);
  }
}

TEST(PcapBadInput, NonIpFramesAreIgnoredQuietly) {
  Packet arp = packet(100, 0, ethernet(0x0806, std::string(28, '\0')));
  Packet llc = packet(100, 0, ethernet(0x0026, std::string(38, '\0')));  // 802.3 length field
  File f;
  f.packets = {good_tcp(100), arp, llc, good_tcp(101)};
  TempDir tmp;
  const ReadAll r = meter_file(tmp, "arp.pcap", pcap_bytes(f));
  EXPECT_EQ(r.errors, 0u) << all_problems(r);
  EXPECT_EQ(total_pkts(r), 2u);
}

TEST(PcapBadInput, EndlessVlanTagsAreRejected) {
  std::string frame(12, '\x02');
  for (int i = 0; i < 20; ++i) frame += std::string("\x81\x00\x00\x01", 4);
  frame += std::string("\x08\x00", 2) + ipv4(a, b, proto_udp, udp(1, 2));
  TempDir tmp;
  const ReadAll r = meter_file(tmp, "vlan.pcap", pcap_bytes(three_good_and(packet(100, 0, frame))));
  ASSERT_EQ(r.problems.size(), 1u) << all_problems(r);
  EXPECT_THAT(r.problems[0], HasSubstr("packet 3: bad_packet: too many VLAN tags"));
}

}  // namespace
}  // namespace xmr::test::pcap
