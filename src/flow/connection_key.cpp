#include "flow/connection_key.h"

#include <cstring>

namespace xmr {

KeyedRecord key_of(const FlowRecord& r) noexcept {
  const Endpoint src{r.src_addr, r.src_port}, dst{r.dst_addr, r.dst_port};
  if (src <= dst) return {ConnectionKey{src, dst, r.proto}, true};
  return {ConnectionKey{dst, src, r.proto}, false};
}

namespace {
// 64-bit mix (splitmix64 finaliser): cheap and good enough for a table keyed by addresses that
// an attacker does not choose freely at line rate; the table is bounded anyway.
std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}
std::uint64_t load64(const std::uint8_t* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
}  // namespace

std::size_t ConnectionKeyHash::operator()(const ConnectionKey& k) const noexcept {
  std::uint64_t h = mix(load64(k.low.addr.bytes.data()) ^ 0x9e3779b97f4a7c15ull);
  h = mix(h ^ load64(k.low.addr.bytes.data() + 8));
  h = mix(h ^ load64(k.high.addr.bytes.data()));
  h = mix(h ^ load64(k.high.addr.bytes.data() + 8));
  h = mix(h ^ (std::uint64_t{k.low.port} << 24 | std::uint64_t{k.high.port} << 8 | k.proto));
  return static_cast<std::size_t>(h);
}

}  // namespace xmr
