#include "flow/client_side.h"

namespace xmr {

namespace {
constexpr std::uint16_t first_unprivileged_port = 1024;  // RFC 6335 §6: system ports 0-1023
constexpr std::uint16_t first_ephemeral_port = 32768;    // Linux ip_local_port_range default; Windows uses 49152+
}  // namespace

ClientSide decide_client_side(const ConnectionKey& key, std::int64_t syn_low, std::int64_t syn_high,
                              const HomeNet& home_net) noexcept {
  if (!home_net.empty()) {
    const bool low_in = home_net.contains(key.low.addr), high_in = home_net.contains(key.high.addr);
    if (low_in != high_in) return {low_in, ClientBasis::home_net};
  }
  if (syn_low >= 0 && syn_high >= 0 && syn_low != syn_high) return {syn_low < syn_high, ClientBasis::syn_order};
  const std::uint16_t pl = key.low.port, ph = key.high.port;
  if ((pl < first_unprivileged_port) != (ph < first_unprivileged_port))
    return {pl >= first_unprivileged_port, ClientBasis::ports};
  if ((pl >= first_ephemeral_port) != (ph >= first_ephemeral_port))
    return {pl >= first_ephemeral_port, ClientBasis::ports};
  return {pl >= ph, ClientBasis::fallback};
}

}  // namespace xmr
