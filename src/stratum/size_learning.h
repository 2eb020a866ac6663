#pragma once
// Learning a connection's own message sizes. A Stratum client and pool send the same message
// kinds over and over with near-constant sizes (xmr-stak against its pool: every submit 183 B,
// every result 63 B, every job 253 B — shared/data peafowl_monero_xmrstak.pcap). Fixed ranges
// per dialect are too wide to count messages (docs/detection.md), so first find the sizes that
// explain the most slices of this connection exactly, then count with them.
//
// Method: the header size comes from the bound that payload cannot be negative
// (header_size.h). Then, per direction, every slice votes for the pairs of sizes (big, small)
// for which its payload is a whole mix a * big + b * small (within `tolerance_per_message` bytes
// per message). Pool -> miner: the pair explaining the most slices with the fewest messages
// (jobs are ~4x results, so parsimony separates them). Miner -> pool: the pair whose mixes hold
// as many requests as the pool sent results (Stratum is request/response). Ranges are widened
// upwards by `max_overhead` so that TLS records and WebSocket frames are learned as part of the size.
#include <cstdint>
#include <span>

#include "flow/slice.h"
#include "stratum/message_sizes.h"

namespace xmr {

struct LearnedSizes {
  std::uint32_t header_bytes = 52;
  std::uint32_t job = 0, result = 0;         // pool -> miner payload sizes (0 = not seen)
  std::uint32_t submit = 0, keepalive = 0;   // miner -> pool
  std::uint32_t down_votes = 0, up_votes = 0;  // slices explained by the winning pairs
  std::uint32_t slices = 0;                    // slices considered
};

struct SizeLearningParams {
  StratumDialect dialect = monero_stratum;
  std::uint32_t max_overhead = 40;            // TLS record (22-29 B) + WebSocket frame (2-14 B)
  std::uint32_t tolerance_per_message = 3;    // ids and counters change a message by a few digits
  std::uint32_t max_messages_per_slice = 24;  // parsimony search bound (every message count up to it)
  // Busier slices (a fast rig or a proxy at 300 s slices: hundreds of shares) vote under the
  // hypothesis that every packet the pool sent is a message (its ACKs ride on its answers) and
  // that few of them are jobs; beyond this many packets a slice gives no evidence.
  std::uint32_t max_packets_busy_slice = 256;
};

LearnedSizes learn_sizes(std::span<const Slice> slices, bool ipv6, const SizeLearningParams& params = {});

}  // namespace xmr
