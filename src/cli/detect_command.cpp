// `xmr-ray detect`: flow records in, alerts out (docs/alerts.md). With --follow, the files an
// nfcapd rotates into a directory, one by one as they are finished, with one detector keeping its
// state across them (docs/operations.md); SIGTERM/SIGINT then finish it and flush the alerts.
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "alert_outputs/alert_outputs.h"
#include "cli/alert_options.h"
#include "cli/commands.h"
#include "cli/config_file.h"
#include "cli/model_option.h"
#include "cli/pipeline_options.h"
#include "detect/alert_controls.h"
#include "detect/alert_summary.h"
#include "detect/sharded_detector.h"
#include "sources/follow/directory_follower.h"
#include "sources/open_source.h"

namespace xmr::cli {

// Shared with collect_command.cpp: the inputs ordered by time.
std::vector<std::string> order_inputs_by_time(const std::vector<std::string>& files, const SourceOptions& options);

std::vector<std::string> order_inputs_by_time(const std::vector<std::string>& files, const SourceOptions& options) {
  // Files given out of time order (`-r day2 -r day1`, rotated names that do not sort) would make
  // every record of the earlier file late. Order them by their first records' earliest start;
  // unreadable or empty files keep their place at the end (the real read reports them).
  if (files.size() < 2) return files;
  std::vector<std::pair<std::int64_t, std::size_t>> keyed;
  for (std::size_t i = 0; i < files.size(); ++i) {
    SourceCatalog catalog;
    Diagnostics quiet;
    auto src = open_inputs({files[i]}, options, catalog, quiet);
    std::vector<FlowRecord> head;
    std::int64_t first = INT64_MAX;
    if (auto n = src->read(head, 1024); n && *n > 0)
      for (const auto& r : head) first = std::min(first, r.first_ms);
    keyed.emplace_back(first, i);
  }
  std::stable_sort(keyed.begin(), keyed.end());
  std::vector<std::string> out;
  for (const auto& [t, i] : keyed) out.push_back(files[i]);
  return out;
}

namespace {

struct DetectOptions {
  std::vector<std::string> read;
  std::vector<std::string> read_dirs;  // -R: the same as -r DIR
  std::string follow_dir;  // --follow: watch this directory instead of reading -r
  bool from_start = false;  // --from-start: with --follow, the files already there first
  std::string model_path;
  std::string format;
  AlertOptions alerts;  // alerts.outputs.alerts_path empty: no alert file; "-": stdout
  PipelineOptions pipeline;
  unsigned threads = 1;
  bool quiet = false;
};

// SIGTERM and SIGINT as a readable descriptor for DirectoryFollower::next(). The signals are
// blocked first, before the detector starts threads, so that every thread inherits the mask and
// none is interrupted; no handler, no global flag.
class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    fd_ = ::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK);
  }
  ~StopSignals() {
    if (fd_ >= 0) ::close(fd_);
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  int fd() const noexcept { return fd_; }
  const char* taken() const {
    signalfd_siginfo info{};
    if (fd_ < 0 || ::read(fd_, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return "signal";
    return info.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT";
  }

 private:
  sigset_t set_{}, old_{};
  int fd_ = -1;
};

// Where the inputs come from: the -r files as one chained source, or the followed directory's
// files one at a time as they are finished.
class InputFeed {
 public:
  InputFeed(const DetectOptions& o, SourceOptions sopt, SourceCatalog& catalog, Diagnostics& diag)
      : o_(o), sopt_(std::move(sopt)), catalog_(catalog), diag_(diag) {}

  // Opens the inputs; false (with the message printed) when that is impossible.
  bool open() {
    if (o_.follow_dir.empty()) {
      auto expanded = expand_inputs(o_.read);
      if (!expanded) {
        fmt::print(stderr, "xmr-ray detect: {}\n", expanded.error().context);
        return false;
      }
      batch_files_ = order_inputs_by_time(*expanded, sopt_);
      return true;
    }
    auto f = DirectoryFollower::open(o_.follow_dir, {.from_start = o_.from_start});
    if (!f) {
      fmt::print(stderr, "xmr-ray detect: --follow {}\n", f.error().context);
      return false;
    }
    follower_ = std::move(*f);
    signals_ = std::make_unique<StopSignals>();
    if (signals_->fd() < 0) {  // blocked signals nobody reads would make the process unstoppable
      fmt::print(stderr, "xmr-ray detect: signalfd: {}\n", std::strerror(errno));
      return false;
    }
    fmt::print(stderr, "xmr-ray detect: following {} ({}); SIGTERM or SIGINT ends\n", o_.follow_dir,
               o_.from_start ? "the files already there, then each new one" : "new files only");
    return true;
  }

  // The next source: all -r files at once, or the next finished file; nullptr at the end (all
  // read, or a stop signal while following).
  std::unique_ptr<FlowSource> next() {
    if (!follower_) {
      if (batch_done_) return nullptr;
      batch_done_ = true;
      return open_inputs(batch_files_, sopt_, catalog_, diag_);
    }
    while (true) {
      auto e = follower_->next(signals_->fd(), -1);
      for (const auto& w : follower_->take_warnings()) fmt::print(stderr, "xmr-ray detect: warning: {}\n", w);
      if (!e) {
        fmt::print(stderr, "xmr-ray detect: {}\n", e.error().context);
        return nullptr;
      }
      if (e->kind == FollowEvent::Kind::stopped) {
        fmt::print(stderr, "xmr-ray detect: {} received: finishing\n", signals_->taken());
        return nullptr;
      }
      if (e->kind != FollowEvent::Kind::file) continue;
      current_ = e->path;
      // Files are read in arrival order: nfcapd finishes them in time order.
      return open_inputs({e->path}, sopt_, catalog_, diag_);
    }
  }
  bool following() const noexcept { return follower_ != nullptr; }
  const std::string& current() const noexcept { return current_; }

 private:
  const DetectOptions& o_;
  SourceOptions sopt_;
  SourceCatalog& catalog_;
  Diagnostics& diag_;
  std::vector<std::string> batch_files_;
  bool batch_done_ = false;
  std::unique_ptr<DirectoryFollower> follower_;
  std::unique_ptr<StopSignals> signals_;
  std::string current_;
};

// Reads `source` to its end into the detector.
void feed(FlowSource& source, ShardedDetector& detector) {
  std::vector<FlowRecord> batch;
  batch.reserve(4096);
  while (true) {
    batch.clear();
    auto n = source.read(batch, 4096);
    if (!n || *n == 0) break;
    detector.add(batch);
  }
}

int run_detect(const DetectOptions& o) {
  if (o.read.empty() == o.follow_dir.empty()) {
    fmt::print(stderr, "xmr-ray detect: give -r PATH (repeatable) or --follow DIR, not both (on the command line or as "
                       "`read` / `follow` in the --config file)\n");
    return 2;
  }
  if (o.from_start && o.follow_dir.empty()) {
    fmt::print(stderr, "xmr-ray detect: --from-start goes with --follow\n");
    return 2;
  }
  if (auto check = table_options(o.pipeline, 1); !check) {  // usage errors before any work
    fmt::print(stderr, "xmr-ray detect: {}\n", check.error().context);
    return 2;
  }
  if (auto v = validate_alert_outputs(o.alerts.outputs); !v) {
    fmt::print(stderr, "xmr-ray detect: {}\n", v.error().context);
    return 2;
  }
  auto lists = load_alert_lists(o.alerts);
  if (!lists) {
    fmt::print(stderr, "xmr-ray detect: {}\n", lists.error().context);
    return 2;
  }
  auto model = load_model_option(o.model_path);
  if (!model) {
    fmt::print(stderr, "xmr-ray detect: {}\n", model.error().context);
    return o.model_path.empty() ? 2 : 1;
  }
  SourceOptions sopt;
  if (!o.format.empty()) sopt.format = parse_input_format(o.format);
  // A pcap is metered with the slice length as active timeout, so that slices and records agree.
  sopt.active_timeout_s = o.pipeline.slice_s ? o.pipeline.slice_s : 300;
  Diagnostics diag([&](const Problem& p) {
    if (!o.quiet) fmt::print(stderr, "xmr-ray detect: {}\n", format_problem(p));
  });
  SourceCatalog catalog;
  InputFeed inputs(o, sopt, catalog, diag);
  if (!inputs.open()) return 1;
  auto outputs = AlertOutputs::open(o.alerts.outputs, [](const std::string& e) { fmt::print(stderr, "xmr-ray detect: {}\n", e); });
  if (!outputs) {
    fmt::print(stderr, "xmr-ray detect: {}\n", outputs.error().context);
    return 1;
  }
  // The human table goes to stdout unless the alerts do.
  std::FILE* table_out = (*outputs)->writes_stdout() ? stderr : stdout;
  auto source = inputs.next();
  if (!source) {  // stopped while following, before the first file
    fmt::print(stderr, "xmr-ray detect: {}; no file arrived\n", diag.summary());
    return 0;
  }

  // Slice length: given, or the exporter's active timeout inferred from the first records (when
  // following: of the first file).
  std::vector<FlowRecord> head;
  constexpr std::size_t inference_records = 100'000;
  while (head.size() < inference_records) {
    auto n = source->read(head, 4096);
    if (!n || *n == 0) break;
  }
  const std::uint32_t slice_s = o.pipeline.slice_s ? o.pipeline.slice_s : infer_active_timeout_s(head);
  if (!o.pipeline.slice_s && !o.quiet)
    fmt::print(stderr,
               "xmr-ray detect: slice {} s, inferred from record durations as a router's active timeout; give --slice "
               "with your exporter's active timeout (nfpcapd and softflowd records may run to twice it)\n",
               slice_s);
  auto table = table_options(o.pipeline, slice_s);
  if (!table) {
    fmt::print(stderr, "xmr-ray detect: {}\n", table.error().context);
    return 2;
  }
  DetectorOptions dopt;
  dopt.table = *table;
  dopt.window_slices = o.pipeline.window_slices;
  dopt.model_name = model->name;
  std::string model_note;
  const Model& chosen = model->for_slice(slice_s, model_note);
  if (!model_note.empty() && !o.quiet) fmt::print(stderr, "xmr-ray detect: warning: {}\n", model_note);

  // Alerts: detector -> allowlist/suppression -> (alert outputs, summary). Detector threads call
  // on_alert one at a time; `written` is read by this thread between files.
  struct Tee final : AlertSink {
    AlertSink* outputs = nullptr;
    AlertSummary summary;
    std::atomic<std::uint64_t> written{0};
    void on_alert(const Alert& a) override {
      if (outputs) outputs->on_alert(a);
      summary.on_alert(a);
      written.fetch_add(1, std::memory_order_relaxed);
    }
  } tee;
  if ((*outputs)->has_outputs()) tee.outputs = outputs->get();
  AlertFilter filter(lists->allow.get(), lists->suppress.get(), tee);
  {
    ShardedDetector detector(chosen, dopt, o.threads, filter);
    detector.add(head);
    head = {};
    std::uint64_t files = 0;
    std::uint64_t read_before = 0;  // the first file's head is already read
    for (; source; source = inputs.next(), read_before = diag.records_read()) {
      const std::uint64_t alerts_before = tee.written.load();
      feed(*source, detector);
      ++files;
      if (!inputs.following()) continue;
      // Alerts out as each file is read: the detector buffers records in batches, so hand them
      // on now; with --threads > 1 some of a file's alerts may come while the next one is read.
      detector.flush();  // (each alert line is flushed as it is written)
      fmt::print(stderr, "xmr-ray detect: read {}: records {}, alerts {} (total {})\n", inputs.current(),
                 diag.records_read() - read_before, tee.written.load() - alerts_before, tee.written.load());
    }
    detector.finish();
    const auto p = detector.prefilter_stats();
    const auto s = detector.stats();
    const auto t = detector.table_stats();
    const auto& f = filter.stats();
    outputs->reset();  // closes the alert file before the table is printed
    fmt::print(table_out, "{}", tee.summary.table());
    if (tee.summary.connections()) fmt::print(table_out, "\n{}", tee.summary.rollup());
    if (inputs.following()) fmt::print(stderr, "xmr-ray detect: files followed {}\n", files);
    fmt::print(stderr,
               "xmr-ray detect: {}; slice {} s{}, window {} slices, model {} ({} s), threads {}\n"
               "xmr-ray detect: pre-filter: records {}, not TCP {}, short complete connections {}, passed {}\n"
               "xmr-ray detect: connections {} (scored {}, too short {}, one-sided {}, evicted {}), duplicate records {}, "
               "late records {}\n"
               "xmr-ray detect: windows scored {} (early {}, one-sided {}, bulk pre-filtered {}), alerts {} (updates {}, "
               "allowlisted {}, suppressed {}), miners {} on {} connections\n",
               diag.summary(), slice_s, o.pipeline.slice_s ? "" : " (inferred)", o.pipeline.window_slices, model->name,
               chosen.slice_s(), detector.threads(), p.records, p.not_tcp, p.short_complete, p.passed, t.connections_opened,
               s.connections_scored, s.connections_too_short, t.one_sided_connections, t.evicted_full, t.duplicate_records,
               t.late_records, s.windows_scored, s.windows_early, s.windows_one_sided, s.windows_prefiltered, f.passed,
               s.alert_updates, f.allowlisted, f.suppressed, tee.summary.hosts(), tee.summary.connections());
  }
  return (diag.errors() > 0 && diag.records_read() == 0 && !inputs.following()) ? 1 : 0;
}

void add_detect_options(CLI::App& sub, DetectOptions& o) {
  sub.add_option("-r,--read", o.read, "Input file or directory (repeatable); any format `flows` reads");
  sub.add_option("-R,--read-dir", o.read_dirs, "Directory read recursively in time order, like nfdump -R (same as -r DIR)");
  sub.add_option("--follow", o.follow_dir,
                 "Instead of -r: watch DIR (an nfcapd directory, -S subdirectories included) and read each file as it "
                 "is rotated into place, keeping detection state across files; files already there are skipped");
  sub.add_flag("--from-start", o.from_start, "With --follow: read the files already in DIR first (in name order)");
  sub.add_option("-m,--model", o.model_path, "Model file written by `xmr-ray train` (default: the embedded model)");
  add_alert_options(sub, o.alerts, "Write alerts as JSON lines to FILE ('-' = stdout; the table then goes to stderr)");
  sub.add_option("--format", o.format, "Force the input format (see `flows --help`)");
  add_pipeline_options(sub, o.pipeline);
  sub.add_option("--threads", o.threads, "Detection threads (connections are sharded by key)")->check(CLI::Range(1u, 64u));
  sub.add_flag("-q,--quiet", o.quiet, "Do not print each input problem");
}

// --check-config: everything run_detect refuses before reading input, without reading it.
int check_detect_options(const DetectOptions& o, const std::string& config_path) {
  const auto fail = [](const std::string& why) {
    fmt::print(stderr, "xmr-ray detect: configuration error: {}\n", why);
    return 1;
  };
  if (o.read.empty() == o.follow_dir.empty()) return fail("give --read or --follow (read / follow in the file), not both");
  if (o.from_start && o.follow_dir.empty()) return fail("--from-start goes with --follow");
  if (auto t = table_options(o.pipeline, 1); !t) return fail(t.error().context);
  if (auto v = validate_alert_outputs(o.alerts.outputs); !v) return fail(v.error().context);
  if (auto l = load_alert_lists(o.alerts); !l) return fail(l.error().context);
  if (auto m = load_model_option(o.model_path); !m) return fail(m.error().context);
  fmt::print(stderr, "xmr-ray detect: configuration OK{}\n", config_path.empty() ? "" : " (" + config_path + ")");
  return 0;
}

// -R DIR is -r DIR.
DetectOptions with_read_dirs(DetectOptions o) {
  o.read.insert(o.read.end(), o.read_dirs.begin(), o.read_dirs.end());
  o.read_dirs.clear();
  return o;
}

int run_detect_command(const CLI::App& sub, const DetectOptions& parsed, const ConfigOptions& config) {
  if (config.path.empty() && !config.check) return run_detect(with_read_dirs(parsed));
  auto o = resolve_options<DetectOptions>(command_line_values(sub), config.path, add_detect_options);
  if (!o) {
    fmt::print(stderr, "xmr-ray detect: {}\n", o.error().context);
    return config.check ? 1 : 2;
  }
  if (config.check) return check_detect_options(with_read_dirs(*o), config.path);
  return run_detect(with_read_dirs(*o));
}

}  // namespace

void register_detect(CLI::App& app, CommandList& commands) {
  auto o = std::make_shared<DetectOptions>();
  auto config = std::make_shared<ConfigOptions>();
  auto* sub = app.add_subcommand("detect", "Detect mining connections in flow records; table, and alerts as EVE or ECS JSON lines");
  add_detect_options(*sub, *o);
  add_config_options(*sub, *config);
  sub->footer(
      "Examples:\n"
      "  xmr-ray detect -r /var/cache/nfdump --home-net 10.0.0.0/8 --alerts alerts.json\n"
      "  xmr-ray detect -r capture.pcap -m model.json --slice 60 --alerts - --alert-format ecs\n"
      "  xmr-ray detect -r flows.csv --format nfdump-csv --allowlist sanctioned.txt --threads 2\n"
      "  xmr-ray detect --config detect.toml --syslog unix:/dev/log\n"
      "  xmr-ray detect --follow /var/cache/nfdump --slice 300 --home-net 10.0.0.0/8 --alerts alerts.json");
  commands.add(sub, [sub, o, config] { return run_detect_command(*sub, *o, *config); });
}

}  // namespace xmr::cli
