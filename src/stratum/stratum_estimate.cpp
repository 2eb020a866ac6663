#include "stratum/stratum_estimate.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <tuple>
#include <vector>
#include <limits>

#include "stratum/size_learning.h"

namespace xmr {

namespace {

// Two message kinds a and b sharing `n` messages: the split that best explains `payload`, first
// by bytes left unexplained by the size ranges, then by distance from the typical (mid) sizes.
struct Split {
  std::int64_t a = 0;         // count of kind a; kind b gets n - a
  std::int64_t residual = 0;  // bytes outside what the ranges allow
  std::int64_t deviation = 0; // |payload - typical payload| of the split
};
Split split_two(std::int64_t payload, std::int64_t n, SizeRange a, SizeRange b, std::int64_t overhead) {
  const std::int64_t ma = a.mid() + overhead, mb = b.mid() + overhead;
  // The typical-size split, then its neighbours: the range residual is piecewise linear in k, so
  // the best k is at or next to the one the typical sizes give (or at an end of [0, n]).
  std::int64_t guess = ma == mb ? n : (payload - n * mb + (ma - mb) / 2) / (ma - mb);
  guess = std::clamp<std::int64_t>(guess, 0, n);
  Split best{0, std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::max()};
  for (std::int64_t k : {guess - 1, guess, guess + 1, std::int64_t{0}, n}) {
    if (k < 0 || k > n) continue;
    const std::int64_t lo = k * (a.min_bytes + overhead) + (n - k) * (b.min_bytes + overhead);
    const std::int64_t hi = k * (a.max_bytes + overhead) + (n - k) * (b.max_bytes + overhead);
    const std::int64_t res = payload < lo ? payload - lo : (payload > hi ? payload - hi : 0);
    const std::int64_t dev = std::llabs(payload - (k * ma + (n - k) * mb));
    if (std::llabs(res) < std::llabs(best.residual) ||
        (std::llabs(res) == std::llabs(best.residual) && dev < best.deviation))
      best = {k, res, dev};
  }
  return best;
}

// Bounds the scan over request counts: a slice of an absurdly busy connection is not Stratum
// anyway, and the cost must stay linear in what one slice can hold.
constexpr std::int64_t max_requests_scanned = 4096;

}  // namespace

StratumEstimate estimate_slice(const Slice& slice, const ReconstructionParams& params) noexcept {
  const auto& d = params.dialect;
  const std::int64_t h = params.header_bytes, o = params.per_message_overhead;
  StratumEstimate best;
  best.payload_up = static_cast<std::int64_t>(slice.up.bytes) - h * static_cast<std::int64_t>(slice.up.pkts);
  best.payload_down = static_cast<std::int64_t>(slice.down.bytes) - h * static_cast<std::int64_t>(slice.down.pkts);
  const std::int64_t pu = static_cast<std::int64_t>(slice.up.pkts), pd = static_cast<std::int64_t>(slice.down.pkts);
  const std::int64_t lu = best.payload_up, ld = best.payload_down;

  // Scan the number of request/answer pairs m; keep the one that leaves the fewest bytes
  // unexplained, then the one closest to typical message sizes (ranges overlap enough that
  // several m often explain a slice exactly).
  std::int64_t best_cost = std::numeric_limits<std::int64_t>::max(), best_dev = best_cost;
  const std::int64_t max_m = std::min({pu, pd, max_requests_scanned});
  for (std::int64_t m = 0; m <= max_m; ++m) {
    // Up: m requests (submits or keepalives), the other packets pure ACKs.
    const Split up = split_two(lu, m, d.submit, d.keepalive, o);
    // Down: m results; of the other packets, as many jobs as the remaining payload calls for.
    const std::int64_t job_mid = d.job.mid() + o;
    const std::int64_t rest_payload = ld - m * (d.result.mid() + o);
    const std::int64_t rest_pkts = pd - m;
    std::int64_t jobs = rest_payload > 0 ? (rest_payload + job_mid / 2) / job_mid : 0;
    jobs = std::clamp<std::int64_t>(jobs, 0, rest_pkts);
    const std::int64_t lo = m * (d.result.min_bytes + o) + jobs * (d.job.min_bytes + o);
    const std::int64_t hi = m * (d.result.max_bytes + o) + jobs * (d.job.max_bytes + o);
    const std::int64_t down_res = ld < lo ? ld - lo : (ld > hi ? ld - hi : 0);
    const std::int64_t cost = std::llabs(up.residual) + std::llabs(down_res);
    const std::int64_t dev = up.deviation + std::llabs(rest_payload - jobs * job_mid);
    if (cost < best_cost || (cost == best_cost && dev < best_dev)) {
      best_cost = cost;
      best_dev = dev;
      best.submits = static_cast<std::uint32_t>(up.a);
      best.keepalives = static_cast<std::uint32_t>(m - up.a);
      best.results = static_cast<std::uint32_t>(m);
      best.jobs = static_cast<std::uint32_t>(jobs);
      best.acks_up = static_cast<std::uint32_t>(pu - m);
      best.acks_down = static_cast<std::uint32_t>(rest_pkts - jobs);
      best.residual_up = up.residual;
      best.residual_down = down_res;
      best.deviation = dev;
    }
  }
  if (best_cost == std::numeric_limits<std::int64_t>::max()) {  // no packets at all one way
    best.acks_up = static_cast<std::uint32_t>(pu);
    best.acks_down = static_cast<std::uint32_t>(pd);
    best.residual_up = lu;
    best.residual_down = ld;
  }
  return best;
}

namespace {

// The best way to explain one direction's payload with `n` messages of which `a` are of size
// `big` (the rest `small`): for each message count n, the count of big messages a whose mix leaves
// the fewest bytes beyond `tol` per message, the lowest such a on ties. Sizes of 0 are kinds the
// connection never showed: they hold no messages.
struct MixChoice {
  std::int64_t big = 0;
  std::int64_t excess = 0;  // bytes beyond the tolerance
};

// Among a in [lo, hi]: minimises g(a) = max(0, |x - a*d| - (c + t*a)), lowest a on ties. For
// d > t, g is convex and piecewise linear, so the minimiser is the lowest zero of g, or next to
// the kink x/d, or an end; otherwise (degenerate sizes) the range is scanned.
MixChoice best_count(std::int64_t x, std::int64_t d, std::int64_t c, std::int64_t t, std::int64_t lo, std::int64_t hi) {
  auto g = [&](std::int64_t a) { return std::max<std::int64_t>(0, std::llabs(x - a * d) - (c + t * a)); };
  MixChoice best{lo, g(lo)};
  auto consider = [&](std::int64_t a) {
    if (a < lo || a > hi) return;
    const std::int64_t e = g(a);
    if (e < best.excess || (e == best.excess && a < best.big)) best = {a, e};
  };
  if (d <= t) {
    for (std::int64_t a = lo + 1; a <= hi; ++a) consider(a);
    return best;
  }
  consider(hi);
  // Lowest a with x - a*d <= c + t*a: a >= (x - c) / (d + t).
  const std::int64_t num = x - c, den = d + t;
  const std::int64_t zero = num <= 0 ? 0 : (num + den - 1) / den;
  consider(zero);
  const std::int64_t kink = x <= 0 ? 0 : x / d;
  for (std::int64_t a : {kink - 1, kink, kink + 1}) consider(a);
  return best;
}

// Per total message count n in [0, n_max]: the best mix of n messages (up: requests).
constexpr std::int64_t max_messages_per_direction = 256;
using MixTable = std::array<MixChoice, max_messages_per_direction + 1>;

// Returns how many entries of `out` it filled (n_max + 1).
std::size_t best_mix_per_total(std::int64_t payload, std::int64_t n_max, std::int64_t big, std::int64_t small,
                               std::int64_t tol, MixTable& out) {
  for (std::int64_t n = 0; n <= n_max; ++n) {
    if (small <= 0 && big <= 0) {
      out[static_cast<std::size_t>(n)] = {0, n == 0 ? std::llabs(payload) : std::numeric_limits<std::int64_t>::max()};
      continue;
    }
    // a big + (n - a) small = n*small + a*(big - small); slack tol*n whatever the split.
    const std::int64_t lo = small <= 0 ? n : 0, hi = big <= 0 ? 0 : n;
    if (lo > hi) {
      out[static_cast<std::size_t>(n)] = {0, std::numeric_limits<std::int64_t>::max()};
      continue;
    }
    const std::int64_t x = payload - n * std::max<std::int64_t>(small, 0);
    const std::int64_t d = std::max<std::int64_t>(big, 0) - std::max<std::int64_t>(small, 0);
    if (d < 0) {  // big smaller than small: mirror so that the step is positive
      const auto m = best_count(x - n * d, -d, tol * n, 0, n - hi, n - lo);
      out[static_cast<std::size_t>(n)] = {n - m.big, m.excess};
    } else {
      out[static_cast<std::size_t>(n)] = best_count(x, d, tol * n, 0, lo, hi);
    }
  }
  return static_cast<std::size_t>(n_max + 1);
}

// Per count s of small messages in [0, n_max]: the best number of big messages beside them
// (down: jobs beside s results), at most n_max in all.
std::size_t best_mix_per_small(std::int64_t payload, std::int64_t n_max, std::int64_t big, std::int64_t small,
                               std::int64_t tol, MixTable& out) {
  const std::int64_t s_max = small <= 0 ? 0 : n_max;
  for (std::int64_t s = 0; s <= s_max; ++s) {
    const std::int64_t x = payload - s * std::max<std::int64_t>(small, 0);
    const std::int64_t hi = big <= 0 ? 0 : n_max - s;
    out[static_cast<std::size_t>(s)] = best_count(x, std::max<std::int64_t>(big, 0), tol * s, tol, 0, hi);
  }
  return static_cast<std::size_t>(s_max + 1);
}

}  // namespace

StratumEstimate estimate_slice(const Slice& slice, const LearnedSizes& sizes, std::uint32_t tolerance) noexcept {
  const std::int64_t h = sizes.header_bytes, tol = tolerance;
  const std::int64_t pu = static_cast<std::int64_t>(slice.up.pkts), pd = static_cast<std::int64_t>(slice.down.pkts);
  StratumEstimate e;
  e.payload_up = static_cast<std::int64_t>(slice.up.bytes) - h * pu;
  e.payload_down = static_cast<std::int64_t>(slice.down.bytes) - h * pd;
  // Bounded like the range estimator: slices busier than this are not Stratum-like anyway.
  const std::int64_t cap = max_messages_per_direction;
  // Choose the pair of mixes: least unexplained bytes, then results matching requests, then the
  // fewest messages. The first key is a sum of one term per direction, so only each direction's
  // least-excess mixes can win; among them the other two keys decide. O(cap) per direction
  // plus the pairs of tied minima, instead of every pair of mixes.
  MixTable up, down;
  const std::size_t n_up = best_mix_per_total(e.payload_up, std::min(pu, cap), sizes.submit, sizes.keepalive, tol, up);
  const std::size_t n_down = best_mix_per_small(e.payload_down, std::min(pd, cap), sizes.job, sizes.result, tol, down);
  std::int64_t min_up = std::numeric_limits<std::int64_t>::max(), min_down = min_up;
  for (std::size_t i = 0; i < n_up; ++i) min_up = std::min(min_up, up[i].excess);
  for (std::size_t i = 0; i < n_down; ++i) min_down = std::min(min_down, down[i].excess);
  std::int64_t best_r = 0, best_s = 0;
  auto best_key = std::make_tuple(std::numeric_limits<std::int64_t>::max(), std::int64_t{0});
  for (std::size_t r = 0; r < n_up; ++r) {
    if (up[r].excess != min_up) continue;
    for (std::size_t s = 0; s < n_down; ++s) {
      if (down[s].excess != min_down) continue;
      const auto ri = static_cast<std::int64_t>(r), si = static_cast<std::int64_t>(s);
      const auto key = std::make_tuple(std::llabs(si - ri), ri + si + down[s].big);
      if (key < best_key) {
        best_key = key;
        best_r = ri;
        best_s = si;
      }
    }
  }
  const MixChoice bu = up[static_cast<std::size_t>(best_r)], bd = down[static_cast<std::size_t>(best_s)];
  e.submits = static_cast<std::uint32_t>(bu.big);
  e.keepalives = static_cast<std::uint32_t>(best_r - bu.big);
  e.jobs = static_cast<std::uint32_t>(bd.big);
  e.results = static_cast<std::uint32_t>(best_s);
  e.acks_up = static_cast<std::uint32_t>(std::max<std::int64_t>(0, pu - best_r));
  e.acks_down = static_cast<std::uint32_t>(std::max<std::int64_t>(0, pd - bd.big - best_s));
  const auto signed_residual = [&](std::int64_t payload, std::int64_t a, std::int64_t big, std::int64_t b,
                                   std::int64_t small) { return payload - a * big - b * small; };
  e.residual_up = bu.excess ? signed_residual(e.payload_up, bu.big, sizes.submit, best_r - bu.big, sizes.keepalive) : 0;
  e.residual_down = bd.excess ? signed_residual(e.payload_down, bd.big, sizes.job, best_s, sizes.result) : 0;
  return e;
}

}  // namespace xmr
