// IPv4 fragments against nfpcapd: a datagram in order counts once with its reassembled length;
// out-of-order and incomplete datagrams are not counted (nfpcapd drops them silently, we report).
#include <gtest/gtest.h>

#include <map>

#include "sources/pcap/pcap_test_util.h"
#include "support/test_support.h"

namespace xmr::test::pcap {
namespace {

constexpr std::uint32_t a = 0x0A000001, b = 0x0A000002, c = 0x0A000003;

// Fragments of `l4` (a transport header + payload) in chunks of `chunk` bytes (multiple of 8).
std::vector<std::string> fragments(std::uint32_t src, std::uint32_t dst, std::uint8_t proto, const std::string& l4,
                                   std::size_t chunk, std::uint16_t id) {
  std::vector<std::string> out;
  for (std::size_t off = 0; off < l4.size(); off += chunk) {
    const bool more = off + chunk < l4.size();
    std::string ip = ipv4(src, dst, proto, l4.substr(off, chunk), 0,
                          static_cast<std::uint16_t>((more ? 0x2000 : 0) | off / 8));
    ip[4] = static_cast<char>(id >> 8);
    ip[5] = static_cast<char>(id);
    out.push_back(ethernet(0x0800, ip));
  }
  return out;
}

TEST(PcapFragments, CountedLikeNfpcapd) {
  File f;
  std::uint32_t t = 1'000;
  auto add = [&](const std::string& frame) { f.packets.push_back(packet(t++, 0, frame)); };
  for (const auto& fr : fragments(a, b, proto_udp, udp(1234, 5678, 3000), 1480, 7)) add(fr);   // 3 fragments
  add(ethernet(0x0800, ipv4(a, b, proto_udp, udp(1234, 5678, 10))));                           // same flow, whole
  for (const auto& fr : fragments(a, c, proto_tcp, tcp(40000, 80, 0x18, 1600), 1000, 8)) add(fr);  // 2 fragments
  auto rev = fragments(b, a, proto_udp, udp(9, 9, 2000), 1480, 9);  // reversed: not counted
  add(rev[1]);
  add(rev[0]);
  add(fragments(c, a, proto_udp, udp(7, 7, 2000), 1480, 10)[0]);  // incomplete: not counted
  TempDir tmp;
  write_pcap_file(tmp / "frag.pcap", f);

  SourceOptions opt;
  opt.inactive_timeout_s = 60;
  const ReadAll ours = read_all((tmp / "frag.pcap").string(), opt);
  const auto oracle = run_nfpcapd(tmp / "frag.pcap", 1800, 60);

  using Key = std::tuple<IpAddress, IpAddress, std::uint16_t, std::uint16_t, std::uint8_t>;
  std::map<Key, std::pair<std::uint64_t, std::uint64_t>> mine, theirs;
  for (const auto& r : ours.records) {
    auto& s = mine[{r.src_addr, r.dst_addr, r.src_port, r.dst_port, r.proto}];
    s.first += r.pkts;
    s.second += r.bytes;
  }
  for (const auto& o : oracle) {
    auto& s = theirs[{o.src, o.dst, o.src_port, o.dst_port, o.proto}];
    s.first += o.pkts;
    s.second += o.bytes;
  }
  EXPECT_EQ(mine, theirs);
  ASSERT_EQ(mine.size(), 2u);
  // Our own arithmetic, independent of nfpcapd: 20 + 8 + 3000 reassembled, plus 20 + 8 + 10.
  EXPECT_EQ((mine[{IpAddress::from_v4(a), IpAddress::from_v4(b), 1234, 5678, proto_udp}]),
            (std::pair<std::uint64_t, std::uint64_t>{2, 3028 + 38}));
  // The reversed datagram (2 reports: orphan fragment, then an incomplete one) and the
  // incomplete one are reported with their packet numbers.
  ASSERT_EQ(ours.problems.size(), 3u);
  EXPECT_NE(ours.problems[0].find("packet 7: bad_packet: fragment without its first fragment"), std::string::npos)
      << ours.problems[0];
  EXPECT_NE(ours.problems[2].find("packet 9: bad_packet: incomplete fragmented datagram"), std::string::npos)
      << ours.problems[2];
  EXPECT_EQ(ours.skipped, 3u);
}

}  // namespace
}  // namespace xmr::test::pcap
