#pragma once
// Hand-built slice windows for the detection tests: a Monero miner and a look-alike benign
// protocol, as the wire would count them. Not a traffic model (that is src/lab): just enough
// structure to check that features and learners behave.
#include <random>
#include <vector>

#include "flow/slice.h"

namespace xmr::test {

// Jobs Poisson (mean 0.5 per 60 s slice, Monero's 120 s blocks), shares Poisson at a vardiff
// rate, each answered by a 63 B result; the miner ACKs every pool message. 52 B headers.
inline std::vector<Slice> miner_window(std::mt19937_64& rng, int slices, double shares_per_slice) {
  std::poisson_distribution<int> jobs(0.5), shares(shares_per_slice);
  std::vector<Slice> w;
  for (int i = 0; i < slices; ++i) {
    Slice s;
    s.index = 1000 + i;
    const int j = jobs(rng), sh = shares(rng);
    for (int k = 0; k < j; ++k) s.down.add(1, 52 + 253 + rng() % 3, 0x18);
    for (int k = 0; k < sh; ++k) {
      s.up.add(1, 52 + 183 + rng() % 2, 0x18);
      s.down.add(1, 52 + 63, 0x18);
    }
    for (int k = 0; k < j + sh; ++k) s.up.add(1, 52, 0x10);
    w.push_back(s);
  }
  return w;
}

// MQTT telemetry: a 40-400 B reading every 10 s (QoS 0: the broker only ACKs).
inline std::vector<Slice> mqtt_window(std::mt19937_64& rng, int slices) {
  std::vector<Slice> w;
  for (int i = 0; i < slices; ++i) {
    Slice s;
    s.index = 1000 + i;
    for (int k = 0; k < 6; ++k) {
      s.up.add(1, 52 + 40 + rng() % 360, 0x18);
      s.down.add(1, 52, 0x10);
    }
    w.push_back(s);
  }
  return w;
}

}  // namespace xmr::test
