#include "core/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace xmr {

namespace {
constexpr std::uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
}

IpAddress IpAddress::from_v4(std::uint32_t host_order) noexcept {
  IpAddress a;
  std::memcpy(a.bytes.data(), v4_mapped_prefix, 12);
  a.bytes[12] = static_cast<std::uint8_t>(host_order >> 24);
  a.bytes[13] = static_cast<std::uint8_t>(host_order >> 16);
  a.bytes[14] = static_cast<std::uint8_t>(host_order >> 8);
  a.bytes[15] = static_cast<std::uint8_t>(host_order);
  return a;
}

IpAddress IpAddress::from_v6(const std::uint8_t* network_order16) noexcept {
  IpAddress a;
  std::memcpy(a.bytes.data(), network_order16, 16);
  return a;
}

IpAddress IpAddress::from_v6_halves(std::uint64_t hi, std::uint64_t lo) noexcept {
  IpAddress a;
  for (int i = 0; i < 8; ++i) {
    a.bytes[i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
    a.bytes[8 + i] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
  }
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) noexcept {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof(buf)) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (text.find(':') == std::string_view::npos) {
    in_addr v4{};
    if (inet_pton(AF_INET, buf, &v4) != 1) return std::nullopt;
    return from_v4(ntohl(v4.s_addr));
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, buf, &v6) != 1) return std::nullopt;
  return from_v6(v6.s6_addr);
}

bool IpAddress::is_v4() const noexcept { return std::memcmp(bytes.data(), v4_mapped_prefix, 12) == 0; }

std::uint32_t IpAddress::v4() const noexcept {
  return (std::uint32_t{bytes[12]} << 24) | (std::uint32_t{bytes[13]} << 16) | (std::uint32_t{bytes[14]} << 8) |
         bytes[15];
}

std::uint64_t IpAddress::v6_hi() const noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | bytes[i];
  return v;
}

std::uint64_t IpAddress::v6_lo() const noexcept {
  std::uint64_t v = 0;
  for (int i = 8; i < 16; ++i) v = (v << 8) | bytes[i];
  return v;
}

bool IpAddress::is_unspecified() const noexcept {
  for (auto b : bytes)
    if (b) return false;
  return true;
}

void IpAddress::append_to(std::string& out) const {
  if (is_v4()) {
    // Dotted quad by hand: inet_ntop's locale-free but generic path dominated the text writers.
    char buf[16];
    char* p = buf;
    for (int i = 12; i < 16; ++i) {
      unsigned v = bytes[i];
      if (v >= 100) {
        *p++ = static_cast<char>('0' + v / 100);
        v %= 100;
        *p++ = static_cast<char>('0' + v / 10);
        *p++ = static_cast<char>('0' + v % 10);
      } else if (v >= 10) {
        *p++ = static_cast<char>('0' + v / 10);
        *p++ = static_cast<char>('0' + v % 10);
      } else {
        *p++ = static_cast<char>('0' + v);
      }
      if (i < 15) *p++ = '.';
    }
    out.append(buf, static_cast<std::size_t>(p - buf));
    return;
  }
  char buf[INET6_ADDRSTRLEN];
  const char* s = inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  out += s ? s : "?";
}

std::string IpAddress::to_string() const {
  std::string s;
  append_to(s);
  return s;
}

}  // namespace xmr
