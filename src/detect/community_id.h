#pragma once
// Community ID v1 (https://github.com/corelight/community-id-spec, README "Pseudo code"): a
// direction-free flow hash that Suricata, Zeek and Arkime also log, so an analyst can pivot from
// an XMR-Ray alert to the same connection elsewhere. "1:" + base64(SHA-1(seed . saddr . daddr .
// proto . 0 . sport . dport)), all in network byte order, endpoints ordered so that the smaller
// (address, port) comes first. Ports are used for TCP, UDP and SCTP only; ICMP's type/code
// mapping is not implemented (XMR-Ray alerts on TCP connections only).
#include <cstdint>
#include <string>

#include "core/ip_address.h"

namespace xmr {

std::string community_id_v1(const IpAddress& saddr, std::uint16_t sport, const IpAddress& daddr, std::uint16_t dport,
                            std::uint8_t proto, std::uint16_t seed = 0);

}  // namespace xmr
