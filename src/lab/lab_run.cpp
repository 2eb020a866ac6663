#include "lab/lab_run.h"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace xmr::lab {

namespace {

// Starts argv without a shell, stdout and stderr to log_path; returns the pid (-1 when fork failed).
pid_t start_program(const std::vector<std::string>& argv, const std::string& log_path) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  if (std::FILE* log = std::fopen(log_path.c_str(), "w")) {
    dup2(fileno(log), 1);
    dup2(fileno(log), 2);
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  _exit(127);
}

// The exit status of a started program (-1 when it did not start or was killed).
int wait_program(pid_t pid) {
  if (pid < 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

result<LabResult> run_lab(const LabOptions& o) {
  namespace fs = std::filesystem;
  if (o.engine == "live")
    return make_error(errc::unsupported, "--engine live is not implemented in this version (use --engine synth)");
  if (o.engine != "synth") return make_error(errc::bad_argument, fmt::format("unknown --engine '{}'", o.engine));
  if (o.out_dir.empty()) return make_error(errc::bad_argument, "--out DIR is required");
  auto path = resolve_scenario(o.scenario, o.scenario_dirs);
  if (!path) return tl::unexpected(path.error());
  auto scenario = load_scenario(*path);
  if (!scenario) return tl::unexpected(scenario.error());
  for (auto t : o.active_timeouts_s)
    if (t == 0) return make_error(errc::bad_argument, "--active-timeouts: 0 is not a timeout");

  LabResult res;
  SynthOptions so;
  so.seed = o.seed;
  so.hours = o.hours;
  so.hosts = o.hosts;
  so.rotate_bytes = o.rotate_mb * 1024 * 1024;
  so.out_dir = o.out_dir;
  so.inactive_timeout_s = o.inactive_timeout_s;
  // The nf-T directories exist before the engine runs: with short_lived = "flows" it writes its own
  // nfcapd file of short-lived connections there, beside what nfpcapd meters from the pcap.
  for (auto timeout : o.active_timeouts_s) {
    const fs::path dir = fs::path(o.out_dir) / fmt::format("nf-{}", timeout);
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directories(dir, ec);
    if (ec) return make_error(errc::io_error, fmt::format("{}: {}", dir.string(), ec.message()));
    if (scenario->short_lived_as_flows) so.flow_dirs.emplace_back(timeout, dir);
  }
  const auto t_synth = std::chrono::steady_clock::now();
  auto stats = run_synth(*scenario, so);
  if (!stats) return tl::unexpected(stats.error());
  res.synth = *stats;
  res.synth_seconds = seconds_since(t_synth);

  // nfpcapd reads one file per run (-r), so each rotated file is metered in turn into the same
  // directory; a flow spanning a rotation is cut there (documented in docs/lab.md).
  const auto t_meter = std::chrono::steady_clock::now();
  // One nfpcapd per active timeout runs at once (each writes its own nf-T; nfpcapd spends most of
  // a short run waiting, not computing); rotated files go through in order.
  for (const auto& pcap : res.synth.pcap_files) {
    std::vector<std::pair<pid_t, std::string>> running;
    for (auto timeout : o.active_timeouts_s) {
      const fs::path dir = fs::path(o.out_dir) / fmt::format("nf-{}", timeout);
      const std::string log = (fs::path(o.out_dir) / fmt::format("nfpcapd-{}.log", timeout)).string();
      running.emplace_back(start_program({o.nfpcapd, "-r", pcap.string(), "-w", dir.string(), "-e",
                                          fmt::format("{},{}", timeout, o.inactive_timeout_s)},
                                         log),
                           log);
    }
    std::string failed;
    for (const auto& [pid, log] : running) {
      const int rc = wait_program(pid);
      if (rc != 0 && failed.empty())
        failed = fmt::format("{} -r {} failed (exit {}); see {}", o.nfpcapd, pcap.string(), rc, log);
    }
    if (!failed.empty()) return make_error(errc::io_error, failed);
  }
  res.meter_seconds = seconds_since(t_meter);

  nlohmann::ordered_json m;
  m["engine"] = o.engine;
  m["version"] = o.version;
  m["seed"] = o.seed;
  m["scenario"] = {{"name", scenario->name}, {"file", fs::path(*path).filename().string()}};
  m["parameters"] = {{"hours", res.synth.hours},
                     {"hosts", res.synth.hosts},
                     {"active_timeouts_s", o.active_timeouts_s},
                     {"inactive_timeout_s", o.inactive_timeout_s},
                     {"rotate_mb", o.rotate_mb},
                     {"start_unix_s", scenario->start_unix_s}};
  std::vector<std::string> files;
  for (const auto& f : res.synth.pcap_files) files.push_back(f.filename().string());
  m["outputs"] = {{"pcap", files},
                  {"labels", "labels.csv"},
                  {"messages", "messages.csv"},
                  {"packets", res.synth.packets},
                  {"short_lived_as_flows", scenario->short_lived_as_flows},
                  {"flow_only_packets", res.synth.flow_packets},
                  {"connections", res.synth.connections},
                  {"mining_connections", res.synth.mining_connections}};
  // No wall-clock values here: the manifest is part of the deterministic output.
  const auto mpath = fs::path(o.out_dir) / "manifest.json";
  std::ofstream out(mpath);
  out << m.dump(2) << "\n";
  if (!out) return make_error(errc::io_error, fmt::format("{}: write failed", mpath.string()));
  return res;
}

}  // namespace xmr::lab
