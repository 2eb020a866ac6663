#include "flow/active_timeout.h"

#include <algorithm>
#include <vector>

namespace xmr {

std::uint32_t infer_active_timeout_s(std::span<const FlowRecord> records) {
  std::vector<std::int64_t> durations;
  for (const auto& r : records)
    if (r.is_tcp() && r.last_ms > r.first_ms) durations.push_back(r.last_ms - r.first_ms);
  if (durations.empty()) return 300;  // nothing to go on: a common exporter default
  const auto k = durations.size() * 99 / 100;
  std::nth_element(durations.begin(), durations.begin() + static_cast<std::ptrdiff_t>(k), durations.end());
  const std::int64_t p99_s = (durations[k] + 999) / 1000;
  for (std::uint32_t t : {60u, 120u, 300u, 600u, 900u, 1800u})
    if (p99_s <= t) return t;
  return 1800;
}

}  // namespace xmr
