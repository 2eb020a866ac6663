#pragma once
// Window features: what the Stratum reconstruction of lW consecutive slices of one connection
// says, as a fixed vector for a one-class model (docs/features.md gives each feature's reason).
// Pure: no I/O, no clock. The schema is versioned by its names; a model file records the hash.
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "flow/slice.h"
#include "stratum/size_learning.h"
#include "stratum/stratum_estimate.h"

namespace xmr {

enum class Feature : std::size_t {
  explained_share,     // slices whose payload the learned sizes explain, both directions
  job_slice_share,     // slices with at least one job
  jobs_per_minute,
  job_count_cv,        // regularity of jobs across slices (Poisson block times: near 1/sqrt(mean))
  requests_per_minute, // submits + keepalives
  result_balance,      // |results - requests| relative to requests
  ack_share_up,        // miner pure ACKs per pool message
  residual_share,      // payload no message explains
  active_share,        // slices with any packet (persistence)
  down_up_payload_log_ratio,
  job_request_correlation,  // jobs pushed independently of the miner's requests: near 0
  job_size_kb,         // learned job size
  submit_size_kb,      // learned submit size
  // Regularity of the packet counts over the connection's recent history, each direction: the
  // smallest Fano factor (variance/mean) of the counts summed over blocks of 1, 2 and 4 slices.
  // Blocks and shares are Poisson processes: >= 1 at every block size (a message is several
  // packets). Timer-driven protocols (polling, heartbeats, telemetry) repeat the same count once
  // a block holds a whole period: near 0. Needs no reconstruction (docs/features.md).
  up_count_fano,
  down_count_fano,
  count_
};
inline constexpr std::size_t feature_count = static_cast<std::size_t>(Feature::count_);
using FeatureVector = std::array<double, feature_count>;

std::string_view feature_name(Feature f) noexcept;
// Unbounded rates and ratios whose mining values span orders of magnitude (a weak rig and a proxy
// carrying a hundred rigs; a window with no request makes a ratio explode): a model compares them
// on a log scale (log1p), or a few extreme training windows set its threshold (docs/model.md).
bool heavy_tailed(Feature f) noexcept;
// FNV-1a over the feature names in order: changes whenever the schema does.
std::uint64_t feature_schema_hash() noexcept;

struct WindowInput {
  std::span<const Slice> slices;          // lW consecutive slices (index gaps = idle slices)
  std::int64_t slice_ms = 300'000;
  const LearnedSizes* sizes = nullptr;    // the connection's sizes (size_learning.h)
  // The connection's recent slices up to and including the window's (size_cache.h), oldest
  // first; empty: the window's own slices.
  std::span<const Slice> history;
};

// The smallest Fano factor of `counts` summed over blocks of 1, 2 and 4 entries, over the most
// recent whole blocks; a block size needs at least 6 blocks with a positive mean. 1 (the Poisson value: no evidence either way) when no block size qualifies.
double min_block_fano(std::span<const double> counts) noexcept;

FeatureVector window_features(const WindowInput& in);

}  // namespace xmr
