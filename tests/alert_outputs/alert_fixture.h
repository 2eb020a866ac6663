#pragma once
// An Alert built from a seed, so that the format tests compare what they parse back with values
// they did not write into the expectation by hand. Addresses, ports, scores and times vary with
// the seed; IPv6 when asked.
#include <cstdint>
#include <random>
#include <string>

#include <fmt/format.h>

#include "detect/detector.h"

namespace xmr::test {

inline Alert seeded_alert(std::uint32_t seed, bool v6 = false) {
  std::mt19937 rng(seed);
  auto in = [&rng](std::uint32_t lo, std::uint32_t hi) { return std::uniform_int_distribution<std::uint32_t>(lo, hi)(rng); };
  Alert a;
  const std::string miner = v6 ? fmt::format("2001:db8::{:x}", in(1, 0xffff)) : fmt::format("10.{}.{}.{}", in(0, 255), in(0, 255), in(1, 254));
  const std::string pool = v6 ? fmt::format("2001:db8:1::{:x}", in(1, 0xffff)) : fmt::format("198.51.100.{}", in(1, 254));
  Endpoint m{*IpAddress::parse(miner), static_cast<std::uint16_t>(in(32768, 60999))};
  Endpoint p{*IpAddress::parse(pool), static_cast<std::uint16_t>(in(1024, 9999))};
  // The key orders its ends; which one is the client is a flag.
  a.connection.client_is_low = m < p;
  a.connection.key.low = a.connection.client_is_low ? m : p;
  a.connection.key.high = a.connection.client_is_low ? p : m;
  a.connection.key.proto = 6;
  a.connection.basis = ClientBasis::home_net;
  const std::int64_t base_ms = 1'700'000'000'000 + static_cast<std::int64_t>(in(0, 1'000'000'000));
  a.slice_ms = 60'000;
  a.window_slices = 10;
  a.window_start_ms = base_ms;
  a.window_end_ms = base_ms + 600'000;
  a.connection.first_ms = base_ms - in(0, 100'000);
  a.connection.last_ms = base_ms + in(0, 900'000);
  a.slices = in(1, 10);
  a.threshold = 0.5 + in(0, 1000) / 1000.0;
  a.score = a.threshold * in(0, 999) / 1000.0;
  a.model = fmt::format("model-{}.json", seed);
  a.update = seed % 2 == 1;
  a.rates.jobs_per_min = in(0, 300) / 100.0;
  a.rates.submits_per_min = in(0, 300) / 100.0;
  a.windows_scored = in(1, 50);
  return a;
}

}  // namespace xmr::test
