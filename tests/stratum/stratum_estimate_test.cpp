// Stratum reconstruction from packet and byte counts: hand-built slices with known message
// counts, conservation properties, and a real plaintext Monero session against its ground truth.
#include "stratum/stratum_estimate.h"

#include <gtest/gtest.h>

#include <random>

#include "stratum/header_size.h"

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
