#include "stratum/stratum_estimate.h"

#include <algorithm>
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
struct Mix {
  std::int64_t big = 0, small = 0, excess = 0;  // excess: bytes beyond the tolerance
};
// All whole mixes of two sizes within `n_max` messages, as candidates for one direction.
void mixes(std::int64_t payload, std::int64_t n_max, std::int64_t big, std::int64_t small, std::int64_t tol,
           std::vector<Mix>& out) {
  out.clear();
  for (std::int64_t a = 0; a <= n_max; ++a) {
    if (big > 0 && a * big > payload + tol * n_max) break;
    for (std::int64_t b = 0; a + b <= n_max; ++b) {
      const std::int64_t explained = a * big + b * small;
      const std::int64_t off = std::llabs(payload - explained), slack = tol * (a + b);
      out.push_back({a, b, off > slack ? off - slack : 0});
      if (small <= 0 || explained > payload + slack) break;
    }
  }
}
}  // namespace

StratumEstimate estimate_slice(const Slice& slice, const LearnedSizes& sizes, std::uint32_t tolerance) noexcept {
  const std::int64_t h = sizes.header_bytes, tol = tolerance;
  const std::int64_t pu = static_cast<std::int64_t>(slice.up.pkts), pd = static_cast<std::int64_t>(slice.down.pkts);
  StratumEstimate e;
  e.payload_up = static_cast<std::int64_t>(slice.up.bytes) - h * pu;
  e.payload_down = static_cast<std::int64_t>(slice.down.bytes) - h * pd;
  // Bounded like the range estimator: slices busier than this are not Stratum-like anyway.
  const std::int64_t cap = 256;
  std::vector<Mix> up, down;
  mixes(e.payload_up, std::min(pu, cap), sizes.submit, sizes.keepalive, tol, up);
  mixes(e.payload_down, std::min(pd, cap), sizes.job, sizes.result, tol, down);
  if (up.empty()) up.push_back({0, 0, std::llabs(e.payload_up)});
  if (down.empty()) down.push_back({0, 0, std::llabs(e.payload_down)});
  // Choose the pair of mixes: least unexplained bytes, then results matching requests, then
  // the fewest messages.
  auto key = [](const Mix& u, const Mix& d) {
    return std::make_tuple(u.excess + d.excess, std::llabs(d.small - (u.big + u.small)),
                           u.big + u.small + d.big + d.small);
  };
  const Mix* bu = &up.front();
  const Mix* bd = &down.front();
  for (const auto& u : up)
    for (const auto& d : down)
      if (key(u, d) < key(*bu, *bd)) {
        bu = &u;
        bd = &d;
      }
  e.submits = static_cast<std::uint32_t>(bu->big);
  e.keepalives = static_cast<std::uint32_t>(bu->small);
  e.jobs = static_cast<std::uint32_t>(bd->big);
  e.results = static_cast<std::uint32_t>(bd->small);
  e.acks_up = static_cast<std::uint32_t>(std::max<std::int64_t>(0, pu - bu->big - bu->small));
  e.acks_down = static_cast<std::uint32_t>(std::max<std::int64_t>(0, pd - bd->big - bd->small));
  const auto signed_residual = [&](std::int64_t payload, std::int64_t a, std::int64_t big, std::int64_t b,
                                   std::int64_t small) { return payload - a * big - b * small; };
  e.residual_up = bu->excess ? signed_residual(e.payload_up, bu->big, sizes.submit, bu->small, sizes.keepalive) : 0;
  e.residual_down = bd->excess ? signed_residual(e.payload_down, bd->big, sizes.job, bd->small, sizes.result) : 0;
  return e;
}

}  // namespace xmr
