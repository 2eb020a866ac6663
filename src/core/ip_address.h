#pragma once
// IpAddress: an IPv4 or IPv6 address as 16 bytes in network order. IPv4 is stored IPv4-mapped
// (::ffff:a.b.c.d, RFC 4291 2.5.5.2) so that one comparison and one hash serve both families.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xmr {

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};

  static IpAddress from_v4(std::uint32_t host_order) noexcept;
  static IpAddress from_v6(const std::uint8_t* network_order16) noexcept;
  // Two 64-bit halves as nfdump stores them (each in host order, high half first).
  static IpAddress from_v6_halves(std::uint64_t hi, std::uint64_t lo) noexcept;
  static std::optional<IpAddress> parse(std::string_view text) noexcept;

  bool is_v4() const noexcept;
  std::uint32_t v4() const noexcept;  // host order; meaningful only if is_v4()
  std::uint64_t v6_hi() const noexcept;
  std::uint64_t v6_lo() const noexcept;
  bool is_unspecified() const noexcept;  // all zero: "unknown" where a source has no address
  std::string to_string() const;
  // Appends the textual form to `out` without allocating a temporary (hot path of text writers).
  void append_to(std::string& out) const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

}  // namespace xmr
