#pragma once
// Stratum reconstruction: from the packet and byte counts of one slice of a connection, estimate
// how many Stratum messages of each kind it holds (docs/detection.md). Pure functions.
//
// Model of one slice (client = miner, up = miner -> pool):
//   down packets = jobs + results + pure ACKs      down payload = jobs * job + results * result
//   up packets   = submits + keepalives + pure ACKs   up payload = submits * submit + keepalives * keepalive
//   results = submits + keepalives (every request is answered, the ACK piggybacked on the answer)
// Message sizes come from a StratumDialect; a per-message overhead (TLS records) is added to each.
// The estimate is the integer solution that leaves the least payload unexplained; what remains is
// reported as residual, never hidden.
#include <cstdint>

#include "flow/slice.h"
#include "stratum/message_sizes.h"

namespace xmr {

struct StratumEstimate {
  std::uint32_t jobs = 0;
  std::uint32_t results = 0;
  std::uint32_t submits = 0;
  std::uint32_t keepalives = 0;
  std::uint32_t acks_up = 0;    // pure ACKs miner -> pool
  std::uint32_t acks_down = 0;  // pure ACKs pool -> miner
  std::int64_t payload_up = 0;  // bytes - header * packets (may be negative if the header guess is wrong)
  std::int64_t payload_down = 0;
  std::int64_t residual_up = 0;    // payload no message size range explains (0 = fully explained)
  std::int64_t residual_down = 0;
  std::int64_t deviation = 0;      // bytes between the payload and the typical sizes of the chosen counts
  std::uint32_t requests() const noexcept { return submits + keepalives; }
};

struct ReconstructionParams {
  std::uint32_t header_bytes = 52;
  std::uint32_t per_message_overhead = 0;  // e.g. TLS record overhead
  StratumDialect dialect = monero_stratum;
};

StratumEstimate estimate_slice(const Slice& slice, const ReconstructionParams& params) noexcept;

// With the connection's own sizes (size_learning.h): the counts whose exact sizes explain the
// payload to within `tolerance_per_message` bytes per message, preferring as many results as
// requests, then the fewest messages.
struct LearnedSizes;
StratumEstimate estimate_slice(const Slice& slice, const LearnedSizes& sizes,
                               std::uint32_t tolerance_per_message = 3) noexcept;

}  // namespace xmr
