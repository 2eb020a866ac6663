#include "lab/packet_builder.h"

namespace xmr::lab {

namespace {

void put16(std::vector<std::uint8_t>& v, std::size_t at, std::uint16_t x) {
  v[at] = static_cast<std::uint8_t>(x >> 8);
  v[at + 1] = static_cast<std::uint8_t>(x);
}
void put32(std::vector<std::uint8_t>& v, std::size_t at, std::uint32_t x) {
  put16(v, at, static_cast<std::uint16_t>(x >> 16));
  put16(v, at + 2, static_cast<std::uint16_t>(x));
}

std::uint32_t sum_words(const std::uint8_t* data, std::size_t len, std::uint32_t sum) {
  std::size_t i = 0;
  for (; i + 1 < len; i += 2) sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
  if (i < len) sum += static_cast<std::uint32_t>(data[i] << 8);
  return sum;
}

std::uint16_t fold(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

}  // namespace

std::uint16_t internet_checksum(const std::uint8_t* data, std::size_t len, std::uint32_t initial) {
  return fold(sum_words(data, len, initial));
}

void build_tcp_frame(const TcpSegmentSpec& s, std::vector<std::uint8_t>& out) {
  const std::size_t eth_len = 14;                     // IEEE 802.3 Ethernet II header
  const std::size_t ip_len = s.ipv6 ? 40 : 20;        // RFC 8200 section 3; RFC 791 section 3.1 (no options)
  const std::size_t tcp_len = 20 + s.options.size();  // RFC 9293 section 3.1
  const std::size_t total = eth_len + ip_len + tcp_len + s.payload_len;
  out.assign(total, 0);
  for (int i = 0; i < 6; ++i) {
    out[static_cast<std::size_t>(i)] = s.dst_mac[static_cast<std::size_t>(i)];
    out[static_cast<std::size_t>(6 + i)] = s.src_mac[static_cast<std::size_t>(i)];
  }
  put16(out, 12, s.ipv6 ? 0x86dd : 0x0800);  // EtherTypes, IEEE registry
  const std::size_t ip = eth_len;
  const std::size_t tcp = ip + ip_len;
  const auto l4_len = static_cast<std::uint32_t>(tcp_len + s.payload_len);
  if (s.ipv6) {
    out[ip] = 0x60;
    put16(out, ip + 4, static_cast<std::uint16_t>(l4_len));
    out[ip + 6] = 6;  // next header TCP
    out[ip + 7] = s.ttl;
    for (std::size_t i = 0; i < 16; ++i) {
      out[ip + 8 + i] = s.src_ip[i];
      out[ip + 24 + i] = s.dst_ip[i];
    }
  } else {
    out[ip] = 0x45;
    put16(out, ip + 2, static_cast<std::uint16_t>(ip_len + l4_len));
    put16(out, ip + 4, s.ip_id);
    put16(out, ip + 6, 0x4000);  // DF, as Linux sets with PMTU discovery
    out[ip + 8] = s.ttl;
    out[ip + 9] = 6;
    for (std::size_t i = 0; i < 4; ++i) {
      out[ip + 12 + i] = s.src_ip[i];
      out[ip + 16 + i] = s.dst_ip[i];
    }
    put16(out, ip + 10, internet_checksum(out.data() + ip, 20));
  }
  put16(out, tcp, s.src_port);
  put16(out, tcp + 2, s.dst_port);
  put32(out, tcp + 4, s.seq);
  put32(out, tcp + 8, s.ack);
  out[tcp + 12] = static_cast<std::uint8_t>((tcp_len / 4) << 4);
  out[tcp + 13] = s.flags;
  put16(out, tcp + 14, s.window);
  for (std::size_t i = 0; i < s.options.size(); ++i) out[tcp + 20 + i] = s.options[i];
  for (std::size_t i = 0; i < s.payload_len; ++i) out[tcp + tcp_len + i] = s.payload[i];
  // Pseudo-header: RFC 9293 section 3.1 (IPv4), RFC 8200 section 8.1 (IPv6).
  std::uint32_t sum = 0;
  const std::size_t addr_len = s.ipv6 ? 16 : 4;
  sum = sum_words(s.src_ip.data(), addr_len, sum);
  sum = sum_words(s.dst_ip.data(), addr_len, sum);
  sum += 6;
  sum += l4_len & 0xffff;
  sum += l4_len >> 16;
  put16(out, tcp + 16, internet_checksum(out.data() + tcp, l4_len, sum));
}

}  // namespace xmr::lab
