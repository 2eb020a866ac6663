#include "detect/community_id.h"

#include <cstring>
#include <vector>

#include "detect/sha1.h"

namespace xmr {

namespace {
// RFC 4648 §4 base64 with padding.
std::string base64(std::span<const std::uint8_t> in) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v = std::uint32_t{in[i]} << 16 | std::uint32_t{in[i + 1]} << 8 | in[i + 2];
    for (int s = 18; s >= 0; s -= 6) out.push_back(alphabet[(v >> s) & 63]);
  }
  if (const std::size_t rest = in.size() - i; rest) {
    std::uint32_t v = std::uint32_t{in[i]} << 16;
    if (rest == 2) v |= std::uint32_t{in[i + 1]} << 8;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? alphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

bool has_ports(std::uint8_t proto) noexcept { return proto == 6 || proto == 17 || proto == 132; }  // TCP, UDP, SCTP
}  // namespace

std::string community_id_v1(const IpAddress& saddr, std::uint16_t sport, const IpAddress& daddr, std::uint16_t dport,
                            std::uint8_t proto, std::uint16_t seed) {
  const bool v4 = saddr.is_v4() && daddr.is_v4();
  const std::size_t alen = v4 ? 4 : 16;
  const std::uint8_t* s = saddr.bytes.data() + (v4 ? 12 : 0);
  const std::uint8_t* d = daddr.bytes.data() + (v4 ? 12 : 0);
  // Order the endpoints: the numerically smaller address first; equal addresses: smaller port.
  const int cmp = std::memcmp(s, d, alen);
  if (cmp > 0 || (cmp == 0 && sport > dport)) {
    std::swap(s, d);
    std::swap(sport, dport);
  }
  std::vector<std::uint8_t> buf;
  buf.reserve(2 + 2 * alen + 2 + 4);
  buf.push_back(static_cast<std::uint8_t>(seed >> 8));
  buf.push_back(static_cast<std::uint8_t>(seed));
  buf.insert(buf.end(), s, s + alen);
  buf.insert(buf.end(), d, d + alen);
  buf.push_back(proto);
  buf.push_back(0);  // padding to a 32-bit boundary
  if (has_ports(proto)) {
    for (std::uint16_t p : {sport, dport}) {
      buf.push_back(static_cast<std::uint8_t>(p >> 8));
      buf.push_back(static_cast<std::uint8_t>(p));
    }
  }
  const auto digest = sha1(buf);
  return "1:" + base64(digest);
}

}  // namespace xmr
