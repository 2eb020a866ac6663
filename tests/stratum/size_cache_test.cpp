// Per-connection size learning, cached and refreshed (stratum/size_cache.h).
#include "stratum/size_cache.h"

#include <gtest/gtest.h>

#include <random>

namespace xmr {

namespace {

// One slice of a plain XMRig-like connection (52 B headers): jobs, submits with their results,
// and one miner ACK per pool message; a few bytes of jitter per message (ids, counters).
Slice busy_slice(std::int64_t index, int jobs, int submits, std::mt19937_64& rng) {
  auto jitter = [&] { return static_cast<std::uint64_t>(rng() % 3); };
  Slice s;
  s.index = index;
  for (int i = 0; i < jobs; ++i) s.down.add(1, 52 + 253 + jitter(), 0x18);
  for (int i = 0; i < submits; ++i) {
    s.up.add(1, 52 + 183 + jitter(), 0x18);
    s.down.add(1, 52 + 63, 0x18);
  }
  for (int i = 0; i < jobs + submits; ++i) s.up.add(1, 52, 0x10);
  return s;
}

}  // namespace

TEST(SizeCache, LearnsRarelyAndKeepsABoundedHistory) {
  std::mt19937_64 rng(3);
  std::poisson_distribution<int> jobs(1.0), submits(2.0);
  std::vector<Slice> slices;
  for (int i = 0; i < 200; ++i) slices.push_back(busy_slice(i, jobs(rng), submits(rng), rng));
  SizeTrackerParams p;
  SizeTracker t(false, p);
  const std::size_t lw = 10;
  // As a detector would call it: every sliding window of lW slices.
  for (std::size_t end = lw; end <= slices.size(); ++end) {
    t.add(std::span<const Slice>(slices).subspan(end - lw, lw));
    (void)t.sizes();
  }
  EXPECT_EQ(t.history(), p.history_slices);
  // Eager while the history is short, then once per refresh_slices new slices.
  const std::uint64_t windows = slices.size() - lw + 1;
  EXPECT_LE(t.learnings(), p.eager_slices + (slices.size() - lw) / p.refresh_slices + 2);
  EXPECT_LT(t.learnings(), windows / 3);
  const auto& l = t.sizes();
  EXPECT_EQ(l.header_bytes, 52u);
  EXPECT_NEAR(l.job, 253, 6);
  EXPECT_NEAR(l.result, 63, 6);
  EXPECT_NEAR(l.submit, 183, 6);
}

TEST(SizeCache, OverlappingWindowsAddEachSliceOnce) {
  std::mt19937_64 rng(4);
  std::vector<Slice> slices;
  for (int i = 0; i < 12; ++i) slices.push_back(busy_slice(100 + 2 * i, 1, 2, rng));  // gaps: idle slices
  SizeTracker t(false);
  t.add(std::span<const Slice>(slices).subspan(0, 8));
  t.add(std::span<const Slice>(slices).subspan(4, 8));
  t.add(std::span<const Slice>(slices).subspan(0, 3));  // older than held: ignored
  EXPECT_EQ(t.history(), 12u);
}

TEST(SizeCache, CacheIsPerConnectionAndForgets) {
  std::mt19937_64 rng(5);
  std::vector<Slice> slices;
  for (int i = 0; i < 10; ++i) slices.push_back(busy_slice(i, 1, 2, rng));
  ConnectionSizeCache cache;
  ConnectionKey a, b;
  a.low.port = 1;
  b.low.port = 2;
  EXPECT_EQ(cache.sizes(a, false, slices).header_bytes, 52u);
  (void)cache.sizes(b, false, slices);
  EXPECT_EQ(cache.size(), 2u);
  cache.erase(a);
  EXPECT_EQ(cache.size(), 1u);
}

}  // namespace xmr
