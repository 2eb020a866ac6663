#pragma once
// `--config FILE` for `collect` and `detect`: a TOML file whose keys are the subcommand's long
// option names without "--" (`listen = ["udp://0.0.0.0:2055"]`, `home-net = ["10.0.0.0/8"]`,
// `quiet = true`). Options given on the command line win over the file; an unknown key, a value
// of the wrong type or one the option refuses is an error naming the file and line.
//
// The options are resolved from scratch each time (at start and on every SIGHUP): a fresh
// CLI::App gets the command-line values replayed, then the file's values for the rest.
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace CLI {
class App;
}

namespace xmr::cli {

// --config FILE and --check-config: command line only.
struct ConfigOptions {
  std::string path;
  bool check = false;
};
void add_config_options(CLI::App& sub, ConfigOptions& o);

// The options given on the command line, as CLI11 received them (long name, raw values), but for
// the command-line-only ones (--config, --check-config).
struct CommandLineValues {
  std::vector<std::pair<std::string, std::vector<std::string>>> values;
};
CommandLineValues command_line_values(const CLI::App& sub);

// Replays `given` into `fresh` (an App with the same options, nothing parsed yet).
[[nodiscard]] result<void> apply_command_line(CLI::App& fresh, const CommandLineValues& given);

// Sets every option the file names and the command line did not; "config", "check-config" and
// "help" cannot be set from a file.
[[nodiscard]] result<void> apply_config_file(CLI::App& fresh, const std::string& path);

// Both, in order, into an App built by `add_options` around a fresh `Options`.
template <typename Options, typename AddOptions>
result<Options> resolve_options(const CommandLineValues& given, const std::string& config_path, AddOptions add_options);

}  // namespace xmr::cli

#include <CLI/CLI.hpp>

namespace xmr::cli {

template <typename Options, typename AddOptions>
result<Options> resolve_options(const CommandLineValues& given, const std::string& config_path, AddOptions add_options) {
  CLI::App fresh;
  Options options;
  add_options(fresh, options);
  if (auto r = apply_command_line(fresh, given); !r) return tl::unexpected(r.error());
  if (!config_path.empty()) {
    if (auto r = apply_config_file(fresh, config_path); !r) return tl::unexpected(r.error());
  }
  return options;
}

}  // namespace xmr::cli
