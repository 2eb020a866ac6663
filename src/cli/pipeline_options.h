#pragma once
// Options that `detect`, `train` and later `eval` share: how records become slices and windows.
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "flow/active_timeout.h"
#include "flow/connection_table.h"

namespace CLI {
class App;
}

namespace xmr::cli {

struct PipelineOptions {
  std::uint32_t slice_s = 0;  // 0: infer from the records (the exporter's active timeout)
  std::size_t window_slices = 10;
  std::vector<std::string> home_net;
  std::size_t max_connections = 1'000'000;
};

void add_pipeline_options(CLI::App& sub, PipelineOptions& o);
// The table options for a slice length in seconds; an error names a bad --home-net entry.
result<ConnectionTableOptions> table_options(const PipelineOptions& o, std::uint32_t slice_s);

// The exporter's active timeout: flow/active_timeout.h.
using xmr::infer_active_timeout_s;

}  // namespace xmr::cli
