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

}  // namespace xmr::cli
