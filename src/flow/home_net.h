#pragma once
// HomeNet: the operator's own address ranges (--home-net CIDR...). A miner is an internal host
// talking to an outside pool, so when exactly one end of a connection is inside, it is the client.
#include <optional>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/ip_address.h"

namespace xmr {

struct Cidr {
  IpAddress network;      // host bits cleared
  unsigned prefix_len = 0;  // in the 128-bit (IPv4-mapped) space: an IPv4 /8 is stored as /104

  static result<Cidr> parse(std::string_view text);  // "10.0.0.0/8", "2001:db8::/32", "192.0.2.7"
  bool contains(const IpAddress& a) const noexcept;
};

class HomeNet {
 public:
  HomeNet() = default;
  explicit HomeNet(std::vector<Cidr> nets) : nets_(std::move(nets)) {}
  bool empty() const noexcept { return nets_.empty(); }
  bool contains(const IpAddress& a) const noexcept;

 private:
  std::vector<Cidr> nets_;
};

}  // namespace xmr
