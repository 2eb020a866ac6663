#pragma once
// Which end of a connection is the client (the miner, for mining). Evidence, strongest first:
//  1. --home-net: exactly one end inside the operator's networks is the client (miners are
//     internal hosts dialling out to pools).
//  2. SYN order: both directions' records carry SYN and one started strictly earlier: the SYN
//     precedes the SYN-ACK by at least one round trip.
//  3. Ports: a port below 1024 against one above is the server's; an ephemeral port (>= 32768,
//     Linux and Windows dynamic ranges) against a lower one is the client's.
//  4. Fallback: the higher port is the client's.
#include <cstdint>

#include "flow/connection_key.h"
#include "flow/home_net.h"
#include "flow/slice.h"

namespace xmr {

struct ClientSide {
  bool client_is_low;
  ClientBasis basis;
};

// first_syn_ms_*: the earliest start of a record with SYN in that direction, -1 if none.
ClientSide decide_client_side(const ConnectionKey& key, std::int64_t first_syn_ms_from_low,
                              std::int64_t first_syn_ms_from_high, const HomeNet& home_net) noexcept;

}  // namespace xmr
