// The same traffic on every supported link layer must meter to exactly the same records.
// nfpcapd cannot read Linux SLL/SLL2 (or we cannot trust it to), so the oracle here is our own
// Ethernet result, itself checked against nfpcapd in nfpcapd_golden_test.cpp: an Ethernet
// capture is rewritten into each link type (link header replaced, link type changed) by an
// independent helper, and the records must be identical.
#include <gtest/gtest.h>

#include <algorithm>

#include "sources/pcap/pcap_test_util.h"
#include "support/test_support.h"

namespace xmr::test::pcap {
namespace {

std::vector<FlowRecord> meter(const std::filesystem::path& p, std::uint64_t* errors = nullptr) {
  SourceOptions opt;
  opt.active_timeout_s = 60;
  opt.inactive_timeout_s = 15;
  const ReadAll r = read_all(p.string(), opt);
  if (errors != nullptr) *errors = r.errors;
  EXPECT_EQ(r.errors, 0u) << p << ": " << (r.problems.empty() ? "" : r.problems.front());
  return r.records;
}

std::filesystem::path fixture(const std::string& name) { return source_dir() / "tests/data/pcap" / name; }

// Records of `rewritten`, with packet numbers mapped back to the original capture's numbering.
std::vector<FlowRecord> meter_mapped(const TempDir& tmp, const File& f, const std::vector<std::uint64_t>& kept,
                                     const std::string& name) {
  const auto path = tmp / name;
  write_pcap_file(path, f);
  std::vector<FlowRecord> recs = meter(path);
  for (FlowRecord& r : recs) {
    EXPECT_GE(r.origin.position, 1u);
    EXPECT_LE(r.origin.position, kept.size());
    if (r.origin.position >= 1 && r.origin.position <= kept.size()) r.origin.position = kept[r.origin.position - 1];
  }
  return recs;
}

void sort_records(std::vector<FlowRecord>& v) {
  std::sort(v.begin(), v.end(), [](const FlowRecord& a, const FlowRecord& b) {
    return std::tie(a.origin.position, a.src_addr, a.dst_addr, a.src_port, a.dst_port, a.proto, a.first_ms) <
           std::tie(b.origin.position, b.src_addr, b.dst_addr, b.src_port, b.dst_port, b.proto, b.first_ms);
  });
}

struct Case {
  Link link;
  const char* name;
};
const Case cases[] = {{Link::sll, "sll"},     {Link::sll2, "sll2"},       {Link::raw, "raw"},
                      {Link::null_le, "null_le"}, {Link::null_be, "null_be"}, {Link::loop, "loop"},
                      {Link::vlan, "vlan"},   {Link::qinq, "qinq"}};

void check_all_links(const std::filesystem::path& ethernet_capture) {
  SCOPED_TRACE(ethernet_capture.filename().string());
  const std::vector<FlowRecord> want = meter(ethernet_capture);
  ASSERT_FALSE(want.empty());
  const File eth = read_pcap_file(ethernet_capture);
  ASSERT_EQ(eth.link_type, 1u);
  TempDir tmp;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<std::uint64_t> kept;
    const File f = rewrite_link(eth, c.link, kept);
    EXPECT_EQ(meter_mapped(tmp, f, kept, std::string(c.name) + ".pcap"), want);
  }
  // LINKTYPE_IPV4 carries only IPv4: compare with the IPv4 records (emission order may differ,
  // since dropping IPv6 packets moves the clock differently).
  std::vector<std::uint64_t> kept;
  const File v4 = rewrite_link(eth, Link::ipv4_only, kept);
  std::vector<FlowRecord> got = meter_mapped(tmp, v4, kept, "ipv4.pcap");
  std::vector<FlowRecord> want_v4;
  for (const FlowRecord& r : want)
    if (r.src_addr.is_v4()) want_v4.push_back(r);
  sort_records(got);
  sort_records(want_v4);
  EXPECT_EQ(got, want_v4);
}

TEST(PcapLinkTypes, OwnLoopbackFixtureOnEveryLinkType) { check_all_links(fixture("loopback_eth_ns.pcap")); }

TEST(PcapLinkTypes, SharedCapturesOnEveryLinkType) {
  // A Monero Stratum session, and a busy capture with ARP, IPv6 (with extension headers), UDP
  // and ICMP.
  check_all_links(shared_pcap("peafowl_monero_xmrstak.pcap"));
  check_all_links(shared_pcap("ndpi_wechat.pcap"));
}

TEST(PcapLinkTypes, RealSll2CaptureMatchesEthernetCapture) {
  // Two taps (tcpdump -i lo and -i any) on the same exchange: same packets, same records.
  const auto eth = meter(fixture("loopback_eth_ns.pcap"));
  const auto sll2 = meter(fixture("loopback_any_sll2.pcap"));
  EXPECT_EQ(read_pcap_file(fixture("loopback_any_sll2.pcap")).link_type, 276u);
  EXPECT_EQ(sll2, eth);
}

TEST(PcapLinkTypes, PcapngEqualsPcap) {
  // Our own fixture and a shared pcapng, each against editcap's classic-pcap conversion.
  EXPECT_EQ(meter(fixture("loopback_eth.pcapng")), meter(fixture("loopback_eth_ns.pcap")));
  TempDir tmp;
  const auto converted = tmp / "dnp3.pcap";
  const CommandResult c = run("editcap -F pcap " + sh_quote(shared_pcap("ndpi_dnp3.pcapng").string()) + " " +
                              sh_quote(converted.string()));
  ASSERT_EQ(c.exit_code, 0) << "editcap (wireshark-common) is required: " << c.err;
  const auto a = meter(shared_pcap("ndpi_dnp3.pcapng"));
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, meter(converted));
}

TEST(PcapLinkTypes, NanosecondEqualsMicrosecond) {
  File f;
  f.link_type = 1;
  for (std::uint32_t i = 0; i < 6; ++i)
    f.packets.push_back(packet(1'700'000'000 + i * 7, 123'456 + i * 100'000,
                               ethernet(0x0800, ipv4(0x0A000001, 0x0A000002, proto_tcp, tcp(40000, 3333, 0x18, 10)))));
  File ns = f;
  ns.nano = true;
  for (auto& k : ns.packets) k.frac = k.frac * 1000 + 999;  // sub-microsecond digits must not matter
  TempDir tmp;
  write_pcap_file(tmp / "us.pcap", f);
  write_pcap_file(tmp / "ns.pcap", ns);
  const auto us_recs = meter(tmp / "us.pcap");
  ASSERT_EQ(us_recs.size(), 1u);  // gaps of 7 s: one flow
  EXPECT_EQ(us_recs.front().first_ms, 1'700'000'000'123LL);
  EXPECT_EQ(us_recs.front().last_ms, 1'700'000'035'623LL);
  EXPECT_EQ(meter(tmp / "ns.pcap"), us_recs);
}

}  // namespace
}  // namespace xmr::test::pcap
