#include "flow/home_net.h"

#include <charconv>
#include <string>

namespace xmr {

namespace {
bool prefix_equal(const IpAddress& a, const IpAddress& b, unsigned bits) noexcept {
  unsigned i = 0;
  for (; bits >= 8; bits -= 8, ++i)
    if (a.bytes[i] != b.bytes[i]) return false;
  if (bits == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
  return (a.bytes[i] & mask) == (b.bytes[i] & mask);
}
}  // namespace

result<Cidr> Cidr::parse(std::string_view text) {
  const auto slash = text.find('/');
  const auto addr_text = text.substr(0, slash);
  auto addr = IpAddress::parse(addr_text);
  if (!addr) return make_error(errc::bad_argument, "not an address: '" + std::string(addr_text) + "'");
  const unsigned max_len = addr->is_v4() ? 32 : 128;
  unsigned len = max_len;
  if (slash != std::string_view::npos) {
    const auto len_text = text.substr(slash + 1);
    auto [p, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    if (ec != std::errc{} || p != len_text.data() + len_text.size() || len > max_len)
      return make_error(errc::bad_argument, "bad prefix length in '" + std::string(text) + "'");
  }
  Cidr c;
  c.prefix_len = addr->is_v4() ? len + 96 : len;
  c.network = *addr;
  // Clear the host bits so that contains() compares prefixes only.
  for (unsigned bit = c.prefix_len; bit < 128; ++bit)
    c.network.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  return c;
}

bool Cidr::contains(const IpAddress& a) const noexcept { return prefix_equal(a, network, prefix_len); }

bool HomeNet::contains(const IpAddress& a) const noexcept {
  for (const auto& n : nets_)
    if (n.contains(a)) return true;
  return false;
}

}  // namespace xmr
