// `xmr-ray lab`: generate labelled traffic (docs/lab.md).
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "lab/lab_run.h"
#include "lab/live/live_lab.h"

namespace xmr::cli {

namespace {

struct LabCliOptions {
  lab::LabOptions lab;
  std::string timeouts = "60,300,1800";
  double speed = 60;  // live engine: protocol timers / speed, capture timestamps x speed
  bool quiet = false;
};

int run_lab_command(LabCliOptions& o) {
  o.lab.active_timeouts_s.clear();
  std::stringstream ss(o.timeouts);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      std::size_t used = 0;
      const unsigned long v = std::stoul(item, &used);
      if (used != item.size() || v == 0 || v > 86400) throw std::invalid_argument(item);
      o.lab.active_timeouts_s.push_back(static_cast<std::uint32_t>(v));
    } catch (const std::exception&) {
      fmt::print(stderr, "xmr-ray lab: --active-timeouts: '{}' is not a timeout in seconds (1..86400)\n", item);
      return 2;
    }
  }
  // NAME lookup: --scenario-dir first, then scenarios/ next to the binary's parent (the source tree
  // for a build directory inside it), an installed share/xmr-ray/scenarios, then ./scenarios.
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    o.lab.scenario_dirs.push_back((exe.parent_path().parent_path() / "scenarios").string());
    o.lab.scenario_dirs.push_back((exe.parent_path().parent_path() / "share/xmr-ray/scenarios").string());
  }
  o.lab.scenario_dirs.push_back("scenarios");
  o.lab.version = std::string(version_string());
  if (o.lab.engine == "live") {
    auto live = lab::live::run_live_lab(o.lab, o.speed);
    if (!live) {
      fmt::print(stderr, "xmr-ray lab: {}\n", live.error().context);
      return live.error().code == errc::bad_argument || live.error().code == errc::unsupported ? 2 : 1;
    }
    for (const auto& g : live->skipped_groups)
      fmt::print(stderr, "xmr-ray lab: warning: the live engine does not play {} (group skipped)\n", g);
    if (live->tls_as_plaintext > 0)
      fmt::print(stderr, "xmr-ray lab: warning: {} TLS connection(s) of the scenario run in plaintext (live TLS not implemented)\n",
                 live->tls_as_plaintext);
    for (const auto& e : live->first_errors) fmt::print(stderr, "xmr-ray lab: protocol error: {}\n", e);
    if (!o.quiet)
      fmt::print(stderr,
                 "xmr-ray lab: live x{}: {} packets, {} connections ({} mining), {} messages, {} protocol errors, "
                 "{} pool rejects; run {:.2f} s; nfpcapd {:.2f} s\n",
                 live->speed, live->packets, live->connections, live->mining_connections, live->messages,
                 live->protocol_errors, live->pool_errors, live->run_seconds, live->meter_seconds);
    return live->protocol_errors + live->pool_errors == 0 ? 0 : 1;
  }
  auto r = lab::run_lab(o.lab);
  if (!r) {
    fmt::print(stderr, "xmr-ray lab: {}\n", r.error().context);
    return r.error().code == errc::bad_argument || r.error().code == errc::unsupported ? 2 : 1;
  }
  if (!o.quiet) {
    const auto& s = r->synth;
    const double host_hours = s.hours * s.hosts;
    fmt::print(stderr,
               "xmr-ray lab: {} packets, {} connections ({} mining), max {} open; synth {:.2f} s ({:.0f} packets/s, "
               "{:.1f} host-hours/min); nfpcapd {:.2f} s\n",
               s.packets, s.connections, s.mining_connections, s.max_active_connections, r->synth_seconds,
               s.packets / std::max(1e-9, r->synth_seconds), host_hours / std::max(1e-9, r->synth_seconds / 60.0),
               r->meter_seconds);
  }
  return 0;
}

}  // namespace

void register_lab(CLI::App& app, CommandList& commands) {
  auto opts = std::make_shared<LabCliOptions>();
  auto* sub = app.add_subcommand("lab", "Generate labelled mining and benign look-alike traffic (pcap, labels, nfcapd)");
  sub->add_option("--engine", opts->lab.engine, "synth (deterministic packet model) or live (real TCP in network namespaces, root)")->capture_default_str();
  sub->add_option("--scenario", opts->lab.scenario, "scenario NAME (scenarios/NAME.toml) or FILE")->required();
  sub->add_option("--scenario-dir", opts->lab.scenario_dirs, "extra directories searched for NAME.toml (first)");
  sub->add_option("--speed", opts->speed, "live engine: run K times faster than real time (timers / K, timestamps x K)")
      ->capture_default_str();
  sub->add_option("--hours", opts->lab.hours, "simulated hours (default: the scenario's)");
  sub->add_option("--hosts", opts->lab.hosts, "number of hosts (default: the scenario's)");
  sub->add_option("--seed", opts->lab.seed, "random seed: same seed, same bytes")->capture_default_str();
  sub->add_option("--out", opts->lab.out_dir, "output directory")->required();
  sub->add_option("--active-timeouts", opts->timeouts, "nfpcapd active timeouts, comma separated (s)")->capture_default_str();
  sub->add_option("--inactive-timeout", opts->lab.inactive_timeout_s, "nfpcapd inactive timeout (s)")->capture_default_str();
  sub->add_option("--rotate-mb", opts->lab.rotate_mb, "start a new capture-N.pcap past this size (MiB)")->capture_default_str();
  sub->add_option("--nfpcapd", opts->lab.nfpcapd, "the nfpcapd program")->capture_default_str();
  sub->add_flag("-q,--quiet", opts->quiet, "no summary on stderr");
  commands.add(sub, [opts] { return run_lab_command(*opts); });
}

}  // namespace xmr::cli
