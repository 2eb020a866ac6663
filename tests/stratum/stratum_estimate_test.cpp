// Stratum reconstruction from packet and byte counts: hand-built slices with known message
// counts, conservation properties, and a real plaintext Monero session against its ground truth.
#include "stratum/stratum_estimate.h"

#include <gtest/gtest.h>

#include <random>
#include <tuple>

#include "stratum/header_size.h"
#include "stratum/size_learning.h"

namespace xmr {

namespace {

struct Truth {
  int jobs, submits, keepalives, extra_acks_up;
};

// Builds a slice the way the wire would count it: every message one segment, the miner ACKs each
// pool message with a pure ACK, the pool's ACK rides on its answer.
Slice make_slice(const Truth& t, std::uint32_t header, std::uint32_t overhead, std::mt19937_64& rng) {
  auto size = [&](SizeRange r) { return r.min_bytes + rng() % (r.max_bytes - r.min_bytes + 1) + overhead; };
  const auto& d = monero_stratum;
  Slice s;
  for (int i = 0; i < t.jobs; ++i) s.down.add(1, header + size(d.job), 0x18);
  for (int i = 0; i < t.submits + t.keepalives; ++i) s.down.add(1, header + size(d.result), 0x18);
  for (int i = 0; i < t.submits; ++i) s.up.add(1, header + size(d.submit), 0x18);
  for (int i = 0; i < t.keepalives; ++i) s.up.add(1, header + size(d.keepalive), 0x18);
  const int acks = t.jobs + t.submits + t.keepalives + t.extra_acks_up;
  for (int i = 0; i < acks; ++i) s.up.add(1, header, 0x10);
  return s;
}

}  // namespace

TEST(StratumEstimate, PacketsAreNeverInventedOrLost) {
  std::mt19937_64 rng(1);
  for (int trial = 0; trial < 500; ++trial) {
    Slice s;
    s.up.pkts = rng() % 60;
    s.up.bytes = s.up.pkts * 52 + rng() % 8000;
    s.down.pkts = rng() % 60;
    s.down.bytes = s.down.pkts * 52 + rng() % 8000;
    const auto e = estimate_slice(s, ReconstructionParams{});
    ASSERT_EQ(e.submits + e.keepalives + e.acks_up, s.up.pkts) << "trial " << trial;
    ASSERT_EQ(e.jobs + e.results + e.acks_down, s.down.pkts) << "trial " << trial;
    ASSERT_EQ(e.results, e.requests()) << "trial " << trial;
  }
}

TEST(StratumEstimate, RecoversMessageCountsOfHandBuiltSlices) {
  std::mt19937_64 rng(2);
  int exact_jobs = 0, exact_requests = 0, trials = 0;
  for (int jobs = 0; jobs <= 4; ++jobs) {
    for (int submits = 0; submits <= 12; submits += 3) {
      for (int ka = 0; ka <= 1; ++ka) {
        for (int rep = 0; rep < 10; ++rep) {
          const Truth t{jobs, submits, ka, 0};
          const auto e = estimate_slice(make_slice(t, 52, 0, rng), ReconstructionParams{});
          ++trials;
          // Within one message of the truth, always; exact most of the time.
          EXPECT_LE(std::abs(static_cast<int>(e.jobs) - jobs), 1) << jobs << "/" << submits << "/" << ka;
          EXPECT_LE(std::abs(static_cast<int>(e.requests()) - (submits + ka)), 1) << jobs << "/" << submits;
          EXPECT_EQ(e.residual_up, 0);
          EXPECT_EQ(e.residual_down, 0);
          exact_jobs += static_cast<int>(e.jobs) == jobs;
          exact_requests += static_cast<int>(e.requests()) == submits + ka;
        }
      }
    }
  }
  EXPECT_GE(exact_jobs * 10, trials * 8) << exact_jobs << " of " << trials;
  EXPECT_GE(exact_requests * 10, trials * 8) << exact_requests << " of " << trials;
}

TEST(HeaderSize, PureAckDirectionBoundsTheHeader) {
  Slice acks_only;
  acks_only.up.add(10, 400, 0x10);  // 40 B per packet: no timestamps
  acks_only.down.add(3, 1200, 0x18);
  Slice s[] = {acks_only};
  EXPECT_EQ(infer_header_size(s, false).header_bytes, 40u);
  acks_only.up = {};
  acks_only.up.add(10, 520, 0x10);
  Slice t[] = {acks_only};
  EXPECT_EQ(infer_header_size(t, false).header_bytes, 52u);
  EXPECT_EQ(infer_header_size(t, true).header_bytes, 60u);  // 52 B/packet rules out 72 on IPv6
}

}  // namespace xmr

namespace xmr {
namespace {

// The learned-size estimator's objective, by brute force over every pair of whole mixes (the
// definition in stratum_estimate.h; the production code reaches the same optimum in O(n) per
// direction). Key: bytes beyond the tolerance, then |results - requests|, then messages.
using EstimateKey = std::tuple<std::int64_t, std::int64_t, std::int64_t>;
EstimateKey brute_force_key(const Slice& s, const LearnedSizes& z, std::int64_t tol) {
  const std::int64_t h = z.header_bytes;
  const std::int64_t lu = static_cast<std::int64_t>(s.up.bytes) - h * static_cast<std::int64_t>(s.up.pkts);
  const std::int64_t ld = static_cast<std::int64_t>(s.down.bytes) - h * static_cast<std::int64_t>(s.down.pkts);
  auto excess = [&](std::int64_t payload, std::int64_t a, std::int64_t big, std::int64_t b, std::int64_t small) {
    return std::max<std::int64_t>(0, std::llabs(payload - a * big - b * small) - tol * (a + b));
  };
  EstimateKey best{INT64_MAX, 0, 0};
  const auto nu = static_cast<std::int64_t>(s.up.pkts), nd = static_cast<std::int64_t>(s.down.pkts);
  for (std::int64_t su = 0; su <= nu; ++su)
    for (std::int64_t ka = 0; su + ka <= nu; ++ka)
      for (std::int64_t jobs = 0; jobs <= nd; ++jobs)
        for (std::int64_t res = 0; jobs + res <= nd; ++res) {
          const EstimateKey k{excess(lu, su, z.submit, ka, z.keepalive) + excess(ld, jobs, z.job, res, z.result),
                              std::llabs(res - su - ka), su + ka + jobs + res};
          best = std::min(best, k);
        }
  return best;
}

}  // namespace

TEST(StratumEstimateLearned, ReachesTheBruteForceOptimum) {
  std::mt19937_64 rng(7);
  const LearnedSizes sizes{52, 253, 63, 183, 90, 0, 0, 0};
  for (int trial = 0; trial < 400; ++trial) {
    Slice s;
    // Half the slices whole mixes of the learned sizes (with a few bytes of jitter), half noise.
    if (trial % 2 == 0) {
      const std::uint64_t jobs = rng() % 5, submits = rng() % 6, keepalives = rng() % 2, acks = rng() % 4;
      const std::uint64_t req = submits + keepalives;
      s.up.pkts = req + acks;
      s.up.bytes = s.up.pkts * 52 + submits * 183 + keepalives * 90 + rng() % 5;
      s.down.pkts = jobs + req;
      s.down.bytes = s.down.pkts * 52 + jobs * 253 + req * 63 + rng() % 5;
    } else {
      s.up.pkts = rng() % 12;
      s.up.bytes = s.up.pkts * 52 + rng() % 2500;
      s.down.pkts = rng() % 12;
      s.down.bytes = s.down.pkts * 52 + rng() % 2500;
    }
    const auto e = estimate_slice(s, sizes, 3);
    const std::int64_t tol = 3;
    auto excess = [&](std::int64_t payload, std::int64_t a, std::int64_t big, std::int64_t b, std::int64_t small) {
      return std::max<std::int64_t>(0, std::llabs(payload - a * big - b * small) - tol * (a + b));
    };
    const EstimateKey got{excess(e.payload_up, e.submits, 183, e.keepalives, 90) +
                              excess(e.payload_down, e.jobs, 253, e.results, 63),
                          std::llabs(static_cast<std::int64_t>(e.results) - e.requests()),
                          static_cast<std::int64_t>(e.requests() + e.jobs + e.results)};
    ASSERT_EQ(got, brute_force_key(s, sizes, tol)) << "trial " << trial;
    ASSERT_EQ(e.submits + e.keepalives + e.acks_up, s.up.pkts) << "trial " << trial;
    ASSERT_EQ(e.jobs + e.results + e.acks_down, s.down.pkts) << "trial " << trial;
  }
}

TEST(StratumEstimateLearned, BusySlicesStayBounded) {
  // A slice far busier than any Stratum connection: the estimate still explains at most 256
  // messages per direction and returns (no mix enumeration blow-up).
  const LearnedSizes sizes{52, 253, 63, 183, 90, 0, 0, 0};
  Slice s;
  s.up.pkts = 100'000;
  s.up.bytes = s.up.pkts * 52 + 5'000'000;
  s.down.pkts = 100'000;
  s.down.bytes = s.down.pkts * 52 + 9'000'000;
  const auto e = estimate_slice(s, sizes, 3);
  EXPECT_LE(e.requests(), 256u);
  EXPECT_LE(e.jobs + e.results, 256u);
  EXPECT_NE(e.residual_up, 0);
  EXPECT_NE(e.residual_down, 0);
}

}  // namespace xmr
