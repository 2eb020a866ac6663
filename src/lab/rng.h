#pragma once
// Deterministic randomness for the synth engine: every stream is a std::mt19937_64 seeded from the
// run seed and a stable identity (group, host, connection number) mixed by splitmix64, never from
// time or std::random_device, so one seed always gives the same bytes.
#include <cstdint>
#include <random>

namespace xmr::lab {

using Rng = std::mt19937_64;

// splitmix64 finaliser (Steele, Lea, Flood: "Fast splittable pseudorandom number generators", 2014).
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
constexpr std::uint64_t derive_seed(std::uint64_t a, std::uint64_t b) noexcept { return mix64(mix64(a) ^ (b + 0x632be59bd9b4e019ULL)); }

inline double uniform(Rng& rng, double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }
inline double exponential(Rng& rng, double mean) { return std::exponential_distribution<double>(1.0 / mean)(rng); }
inline bool chance(Rng& rng, double p) { return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < p; }
inline std::uint64_t uniform_int(Rng& rng, std::uint64_t lo, std::uint64_t hi) {
  return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
}

}  // namespace xmr::lab
