#include "cli/pipeline_options.h"

#include <algorithm>

#include <CLI/CLI.hpp>

namespace xmr::cli {

void add_pipeline_options(CLI::App& sub, PipelineOptions& o) {
  sub.add_option("--slice", o.slice_s, "Slice length in seconds (default: the exporter's active timeout, inferred)")
      ->check(CLI::Range(1u, 86400u));
  sub.add_option("--window", o.window_slices, "Window length lW in slices")->check(CLI::Range(1u, 1000u));
  sub.add_option("--home-net", o.home_net, "Internal networks (CIDR, repeatable): their hosts are the miners");
  sub.add_option("--max-connections", o.max_connections, "Connections tracked at once (LRU eviction beyond)")
      ->check(CLI::Range(1ul, 100'000'000ul));
}

result<ConnectionTableOptions> table_options(const PipelineOptions& o, std::uint32_t slice_s) {
  ConnectionTableOptions t;
  t.slice_ms = static_cast<std::int64_t>(slice_s) * 1000;
  t.max_connections = o.max_connections;
  std::vector<Cidr> nets;
  for (const auto& text : o.home_net) {
    auto c = Cidr::parse(text);
    if (!c) return make_error(errc::bad_argument, "--home-net: " + c.error().context);
    nets.push_back(*c);
  }
  t.home_net = HomeNet(std::move(nets));
  return t;
}

std::uint32_t infer_active_timeout_s(const std::vector<FlowRecord>& records) {
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

}  // namespace xmr::cli
