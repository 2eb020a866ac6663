// decode_packet on hand-built frames: IPv6 extension-header walk, fragments, ICMP type/code,
// NULL in both byte orders, TOS/traffic class. Frames come from pcap_test_util.h builders.
#include <gtest/gtest.h>

#include "sources/pcap/packet_decoder.h"
#include "sources/pcap/pcap_test_util.h"

namespace xmr::test::pcap {
namespace {

DecodeResult decode(int dlt, const std::string& frame, PacketHeaders& h, std::uint32_t wire = 0) {
  return decode_packet(dlt, std::span(reinterpret_cast<const std::uint8_t*>(frame.data()), frame.size()),
                       wire != 0 ? wire : static_cast<std::uint32_t>(frame.size()), h);
}

// An 8-byte extension header (Hop-by-Hop / Destination Options / Routing with length 0).
std::string ext8(std::uint8_t next) { return std::string(1, static_cast<char>(next)) + std::string(7, '\0'); }

TEST(PacketDecoder, Ipv6WalksExtensionHeadersToTcp) {
  const std::string l4 = tcp(443, 50000, 0x12);
  const std::string ext = ext8(60) + ext8(43) + ext8(6);  // HBH -> DestOpts -> Routing -> TCP
  PacketHeaders h;
  const auto r = decode(link_type::ethernet, ethernet(0x86DD, ipv6(1, 2, 6, l4, ext, 0, 0xB8)), h);
  ASSERT_EQ(r.status, DecodeStatus::ok) << r.message;
  EXPECT_EQ(h.proto, proto_tcp);
  EXPECT_EQ(h.src_port, 443);
  EXPECT_EQ(h.dst_port, 50000);
  EXPECT_EQ(h.tcp_flags, 0x12);
  EXPECT_EQ(h.tos, 0xB8);
  EXPECT_EQ(h.l3_bytes, 40u + ext.size() + l4.size());
  EXPECT_FALSE(h.src_addr.is_v4());
}

TEST(PacketDecoder, Ipv6FragmentFirstAndLater) {
  const std::string l4 = udp(53, 5353, 100);
  std::string first_frag = std::string(1, 17) + std::string(1, 0) + std::string("\x00\x01", 2) + std::string(4, '\x01');
  std::string later_frag = std::string(1, 17) + std::string(1, 0) + std::string("\x00\xB0", 2) + std::string(4, '\x01');
  PacketHeaders h;
  ASSERT_EQ(decode(link_type::raw, ipv6(1, 2, 17, l4, first_frag, 44), h).status, DecodeStatus::ok);
  EXPECT_EQ(h.proto, proto_udp);
  EXPECT_EQ(h.src_port, 53);
  EXPECT_TRUE(h.fragment);
  ASSERT_EQ(decode(link_type::raw, ipv6(1, 2, 17, std::string(40, 'x'), later_frag, 44), h).status, DecodeStatus::ok);
  EXPECT_EQ(h.proto, proto_udp);
  EXPECT_EQ(h.src_port, 0);
  EXPECT_EQ(h.dst_port, 0);
}

TEST(PacketDecoder, Ipv6ExtensionHeaderSnapped) {
  std::string frame = ipv6(1, 2, 6, tcp(1, 2, 0x10), ext8(6) + ext8(6), 0);
  PacketHeaders h;
  const auto r = decode(link_type::raw, frame.substr(0, 40 + 4), h, static_cast<std::uint32_t>(frame.size()));
  EXPECT_EQ(r.status, DecodeStatus::snapped);
}

TEST(PacketDecoder, Ipv4LaterFragmentHasNoPorts) {
  PacketHeaders h;
  ASSERT_EQ(decode(link_type::raw, ipv4(1, 2, proto_udp, std::string(64, 'x'), 0, 0x00B9), h).status,
            DecodeStatus::ok);
  EXPECT_TRUE(h.fragment);
  EXPECT_EQ(h.src_port, 0);
  EXPECT_EQ(h.l3_bytes, 84u);
  ASSERT_EQ(decode(link_type::raw, ipv4(1, 2, proto_udp, udp(7, 8, 56), 0, 0x2000), h).status, DecodeStatus::ok);
  EXPECT_TRUE(h.fragment);
  EXPECT_EQ(h.src_port, 7);
}

TEST(PacketDecoder, IcmpTypeCodeInDstPort) {
  PacketHeaders h;
  ASSERT_EQ(decode(link_type::ipv4, ipv4(1, 2, proto_icmp, icmp(3, 3)), h).status, DecodeStatus::ok);
  EXPECT_EQ(h.dst_port, 0x0303);
  EXPECT_EQ(h.src_port, 0);
  ASSERT_EQ(decode(link_type::ipv6, ipv6(1, 2, proto_icmp6, icmp(128, 0)), h).status, DecodeStatus::ok);
  EXPECT_EQ(h.dst_port, 128 << 8);
}

TEST(PacketDecoder, NullHeaderEitherByteOrder) {
  const std::string ip = ipv4(1, 2, proto_udp, udp(1, 2));
  PacketHeaders h;
  EXPECT_EQ(decode(link_type::null_bsd, std::string("\x02\0\0\0", 4) + ip, h).status, DecodeStatus::ok);
  EXPECT_EQ(decode(link_type::null_bsd, std::string("\0\0\0\x02", 4) + ip, h).status, DecodeStatus::ok);
  EXPECT_EQ(decode(link_type::null_bsd, std::string("\x1E\0\0\0", 4) + ipv6(1, 2, 17, udp(1, 2)), h).status,
            DecodeStatus::ok);  // Darwin AF_INET6 = 30
  EXPECT_EQ(decode(link_type::null_bsd, std::string("\x07\0\0\0", 4) + ip, h).status, DecodeStatus::not_ip);
}

TEST(PacketDecoder, EthernetPaddingIsNotCounted) {
  // A 40-byte IPv4 packet padded to Ethernet's 60-byte minimum: bytes = IP total length.
  PacketHeaders h;
  const std::string frame = ethernet(0x0800, ipv4(1, 2, proto_tcp, tcp(1, 2, 0x10))) + std::string(6, '\0');
  ASSERT_EQ(decode(link_type::ethernet, frame, h).status, DecodeStatus::ok);
  EXPECT_EQ(h.l3_bytes, 40u);
}

TEST(PacketDecoder, UnknownLinkTypeIsMalformedNotACrash) {
  PacketHeaders h;
  EXPECT_EQ(decode(9999, "abc", h).status, DecodeStatus::malformed);
  EXPECT_FALSE(is_supported_link_type(9999));
  EXPECT_EQ(decode(link_type::raw, "", h).status, DecodeStatus::snapped);
}

}  // namespace
}  // namespace xmr::test::pcap
