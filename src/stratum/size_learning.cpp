#include "stratum/size_learning.h"

#include "stratum/header_size.h"

#include <algorithm>
#include <cstdlib>
#include <tuple>
#include <vector>

namespace xmr {

namespace {


// Vote grid over (big, small) size pairs for one direction.
class VoteGrid {
 public:
  VoteGrid(SizeRange big, SizeRange small, std::uint32_t widen)
      : big_lo_(big.min_bytes), big_n_(big.max_bytes + widen - big.min_bytes + 1),
        small_lo_(small.min_bytes), small_n_(small.max_bytes + widen - small.min_bytes + 1),
        votes_(big_n_ * small_n_, 0), messages_(big_n_ * small_n_, 0), error_(big_n_ * small_n_, 0), stamp_(big_n_ * small_n_, -1) {}

  // One slice's votes: every cell whose sizes make `payload` a whole mix of at most `pkts`
  // messages gets one vote (at most one per slice), remembering the fewest messages that do it:
  // two small sizes can build almost any payload out of many messages, so parsimony decides.
  // `expected` >= 0: the slice should hold about that many messages (the pool's answers tell);
  // mixes of expected, expected - 1 and expected + 1 messages are tried, costing their distance
  // from it. Otherwise mixes of 1..max_msgs messages, costing their count (parsimony).
  void vote(std::int64_t payload, std::int64_t pkts, std::int64_t tol, std::int64_t expected, std::int64_t max_msgs,
            int slice_id) {
    if (payload <= 0 || pkts <= 0) return;  // only ACKs, or nothing: no evidence about sizes
    ++evidence_;
    std::int64_t order[3];
    std::size_t count = 0;
    if (expected >= 0) {
      for (std::int64_t n : {expected, expected - 1, expected + 1})
        if (n >= 1 && n <= pkts) order[count++] = n;
      // Few of many requests are keepalives (a miner sends them only when idle): at most max_msgs.
      for (std::size_t k = 0; k < count; ++k)
        vote_n(payload, order[k], tol, std::llabs(order[k] - expected), slice_id, order[k] - max_msgs, order[k]);
      return;
    }
    for (std::int64_t n = 1; n <= std::min(pkts, max_msgs); ++n) vote_n(payload, n, tol, n, slice_id, 0, n);
  }

  // A slice too busy for the parsimony search: every one of its `pkts` packets (or one or two
  // fewer) is a message, and at most `max_big` of them are of the big kind (jobs: a few per block
  // time, against one result per share). Cost: the distance from `pkts`.
  void vote_busy(std::int64_t payload, std::int64_t pkts, std::int64_t tol, std::int64_t max_big, int slice_id) {
    if (payload <= 0 || pkts <= 0) return;
    ++evidence_;
    for (std::int64_t n : {pkts, pkts - 1, pkts - 2})
      if (n >= 1) vote_n(payload, n, tol, pkts - n, slice_id, 0, std::min(n, max_big));
  }

  // Votes for every cell whose sizes make `payload` a mix of exactly n messages, a of them big.
  // Only mixes with a_lo <= a <= a_hi big messages.
  void vote_n(std::int64_t payload, std::int64_t n, std::int64_t tol, std::int64_t cost, int slice_id, std::int64_t a_lo,
              std::int64_t a_hi) {
    const std::int64_t slack = tol * n;
    const std::int64_t big_max = static_cast<std::int64_t>(big_lo_ + big_n_) - 1;
    for (std::int64_t a = std::max<std::int64_t>(a_lo, 0); a <= std::min(a_hi, n); ++a) {
      const std::int64_t b = n - a;
      // Only the small sizes for which some big size in the grid can close the mix: payload - b*small
      // within [a*big_lo - slack, a*big_max + slack]. Widened by one each side against rounding;
      // the checks below are exact. (Scanning every small size cost most of detection's time.)
      std::size_t s_first = 0, s_last = small_n_ - 1;
      if (b > 0) {
        const std::int64_t lo = (payload - a * big_max - slack) / b - 1, hi = (payload - a * big_lo_ + slack) / b + 1;
        const std::int64_t grid_lo = small_lo_, grid_hi = static_cast<std::int64_t>(small_lo_ + small_n_) - 1;
        if (hi < grid_lo || lo > grid_hi) continue;
        s_first = static_cast<std::size_t>(std::max(lo, grid_lo) - grid_lo);
        s_last = static_cast<std::size_t>(std::min(hi, grid_hi) - grid_lo);
      }
      for (std::size_t s = s_first; s <= s_last; ++s) {
        const std::int64_t small = static_cast<std::int64_t>(small_lo_ + s);
        const std::int64_t rest = payload - b * small;
        if (a == 0) {
          if (rest >= -slack && rest <= slack) mark_row(s, slice_id, cost, std::llabs(rest));
          continue;
        }
        // big in [(rest - slack) / a, (rest + slack) / a]
        if (rest + slack < 0) continue;
        std::int64_t lo = rest - slack <= 0 ? 0 : (rest - slack + a - 1) / a, hi = (rest + slack) / a;
        lo = std::max<std::int64_t>(lo, big_lo_);
        hi = std::min<std::int64_t>(hi, big_lo_ + static_cast<std::int64_t>(big_n_) - 1);
        for (std::int64_t big = lo; big <= hi; ++big)
          mark(static_cast<std::size_t>(big - big_lo_), s, slice_id, cost, std::llabs(rest - a * big));
      }
    }
  }

  struct Best {
    std::uint32_t big = 0, small = 0, votes = 0;
    std::uint64_t messages = 0;  // summed cost of the cheapest explanation of each voting slice
  };
  // unexplained_cost < 0: the pair that explains the most slices, then at the least summed
  // cost, then with the least byte error, then nearest the typical sizes of the ranges.
  // unexplained_cost >= 0: the pair with the least summed cost, an unexplained slice costing
  // that much (one odd slice, such as the login, must not outvote a consistent explanation).
  Best best(SizeRange big, SizeRange small, std::int64_t unexplained_cost) const {
    Best b;
    std::int64_t best_dist = INT64_MAX, best_error = INT64_MAX, best_total = INT64_MAX;
    for (std::size_t i = 0; i < big_n_; ++i) {
      for (std::size_t s = 0; s < small_n_; ++s) {
        const std::size_t c = i * small_n_ + s;
        const std::uint32_t v = votes_[c];
        if (v == 0) continue;
        const std::int64_t dist = std::llabs(static_cast<std::int64_t>(big_lo_ + i) - big.mid()) +
                                  std::llabs(static_cast<std::int64_t>(small_lo_ + s) - small.mid());
        const auto cost = static_cast<std::int64_t>(messages_[c]), error = static_cast<std::int64_t>(error_[c]);
        const std::int64_t total =
            unexplained_cost < 0 ? -static_cast<std::int64_t>(v) : cost + unexplained_cost * (evidence_ - v);
        const auto key = unexplained_cost < 0 ? std::make_tuple(total, cost, error, dist)
                                              : std::make_tuple(total, -static_cast<std::int64_t>(v), error, dist);
        const auto best_key = unexplained_cost < 0
                                  ? std::make_tuple(best_total, static_cast<std::int64_t>(b.messages), best_error, best_dist)
                                  : std::make_tuple(best_total, -static_cast<std::int64_t>(b.votes), best_error, best_dist);
        if (key < best_key) {
          b = {static_cast<std::uint32_t>(big_lo_ + i), static_cast<std::uint32_t>(small_lo_ + s), v, messages_[c]};
          best_dist = dist;
          best_error = error;
          best_total = total;
        }
      }
    }
    return b;
  }

 private:
  void mark(std::size_t big, std::size_t small, int slice_id, std::int64_t n, std::int64_t error) {
    const std::size_t i = big * small_n_ + small;
    if (stamp_[i] == slice_id) return;  // already explained by this slice with fewer messages
    stamp_[i] = slice_id;
    ++votes_[i];
    messages_[i] += static_cast<std::uint64_t>(n);
    error_[i] += static_cast<std::uint64_t>(error);
  }
  void mark_row(std::size_t small, int slice_id, std::int64_t n, std::int64_t error) {
    for (std::size_t big = 0; big < big_n_; ++big) mark(big, small, slice_id, n, error);
  }

  std::uint32_t big_lo_;
  std::size_t big_n_;
  std::uint32_t small_lo_;
  std::size_t small_n_;
  std::vector<std::uint32_t> votes_;
  std::vector<std::uint64_t> messages_;
  std::vector<std::uint64_t> error_;
  std::vector<int> stamp_;
  std::int64_t evidence_ = 0;  // slices that voted at all

 public:
  std::int64_t evidence() const noexcept { return evidence_; }
};

// The fewest-message mix of `big` and `small` that explains `payload` within tolerance; -1 if none.
// A busy slice (more than max_msgs packets): the mix of pkts, pkts - 1 or pkts - 2 messages with
// at most max_msgs big ones, as vote_busy assumes.
std::int64_t smalls_in_best_mix(std::int64_t payload, std::int64_t pkts, std::int64_t big, std::int64_t small,
                                std::int64_t tol, std::int64_t max_msgs) {
  if (payload <= 0) return 0;
  if (pkts > max_msgs) {
    for (std::int64_t n : {pkts, pkts - 1, pkts - 2})
      for (std::int64_t a = 0; a <= std::min(n, max_msgs); ++a)
        if (n >= 1 && std::llabs(payload - a * big - (n - a) * small) <= tol * n) return n - a;
    return -1;
  }
  for (std::int64_t n = 1; n <= std::min(pkts, max_msgs); ++n)
    for (std::int64_t a = 0; a <= n; ++a)
      if (std::llabs(payload - a * big - (n - a) * small) <= tol * n) return n - a;
  return -1;
}

}  // namespace

LearnedSizes learn_sizes(std::span<const Slice> slices, bool ipv6, const SizeLearningParams& p) {
  const auto tol = static_cast<std::int64_t>(p.tolerance_per_message);
  const auto max_msgs = static_cast<std::int64_t>(p.max_messages_per_slice);
  auto payload = [](const DirectionCounts& d, std::int64_t h) {
    return static_cast<std::int64_t>(d.bytes) - h * static_cast<std::int64_t>(d.pkts);
  };
  // The header first, from the bound that payload cannot be negative (header_size.h): a Stratum
  // window almost always holds a slice in which one direction is only pure ACKs (the miner
  // acknowledging jobs between shares), which gives the header exactly. Voting cannot choose it:
  // a header too small turns every ACK into a few bytes of payload that other sizes then explain.
  const auto h = static_cast<std::int64_t>(infer_header_size(slices, ipv6).header_bytes);
  // Pool -> miner first: jobs and results differ in size by a factor of about four, so
  // parsimony separates them.
  VoteGrid down(p.dialect.job, p.dialect.result, p.max_overhead);
  int id = 0;
  const auto busy_max = static_cast<std::int64_t>(p.max_packets_busy_slice);
  for (const auto& s : slices) {
    const auto pkts = static_cast<std::int64_t>(s.down.pkts);
    if (pkts > max_msgs && pkts <= busy_max)
      down.vote_busy(payload(s.down, h), pkts, tol, max_msgs, id++);
    else
      down.vote(payload(s.down, h), pkts, tol, -1, max_msgs, id++);
  }
  const auto d = down.best(p.dialect.job, p.dialect.result, -1);
  // Miner -> pool: Stratum is request/response, so a slice holds about as many requests as the
  // pool sent results. Without that constraint, sizes of 1.5x and 0.5x a submit explain
  // multi-submit slices with fewer messages than the true size does.
  VoteGrid up(p.dialect.submit, p.dialect.keepalive, p.max_overhead);
  // An unexplained slice costs as much as two slices each off by one request.
  constexpr std::int64_t unexplained_up_cost = 2;
  id = 0;
  for (const auto& s : slices) {
    const bool busy = static_cast<std::int64_t>(s.down.pkts) > busy_max;
    const std::int64_t results =
        d.votes && s.down.pkts && !busy ? smalls_in_best_mix(payload(s.down, h), static_cast<std::int64_t>(s.down.pkts), d.big,
                                                     d.small, tol, max_msgs)
                               : -1;
    up.vote(payload(s.up, h), static_cast<std::int64_t>(s.up.pkts), tol, results, max_msgs, id++);
  }
  const auto u = up.best(p.dialect.submit, p.dialect.keepalive, unexplained_up_cost);
  return LearnedSizes{static_cast<std::uint32_t>(h), d.big, d.small, u.big, u.small, d.votes, u.votes,
                      static_cast<std::uint32_t>(slices.size())};
}

}  // namespace xmr
