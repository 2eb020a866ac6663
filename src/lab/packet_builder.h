#pragma once
// Builds real Ethernet II + IPv4/IPv6 + TCP frames with correct lengths and checksums.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/ip_address.h"

namespace xmr::lab {

// TCP flag bits, RFC 9293 section 3.1.
inline constexpr std::uint8_t tcp_fin = 0x01, tcp_syn = 0x02, tcp_rst = 0x04, tcp_psh = 0x08, tcp_ack = 0x10;

struct TcpSegmentSpec {
  bool ipv6 = false;
  std::array<std::uint8_t, 16> src_ip{};  // IPv4 in the first 4 bytes when !ipv6
  std::array<std::uint8_t, 16> dst_ip{};
  std::array<std::uint8_t, 6> src_mac{};
  std::array<std::uint8_t, 6> dst_mac{};
  std::uint16_t src_port = 0, dst_port = 0;
  std::uint32_t seq = 0, ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;
  std::uint8_t ttl = 64;
  std::uint16_t ip_id = 0;
  std::vector<std::uint8_t> options;  // already padded to a multiple of 4 bytes
  const std::uint8_t* payload = nullptr;
  std::size_t payload_len = 0;
};

// Appends the whole frame to `out` (cleared first).
void build_tcp_frame(const TcpSegmentSpec& spec, std::vector<std::uint8_t>& out);

// RFC 1071 one's-complement sum helpers, exposed for tests.
std::uint16_t internet_checksum(const std::uint8_t* data, std::size_t len, std::uint32_t initial = 0);

}  // namespace xmr::lab
