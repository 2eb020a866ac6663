// `xmr-ray detect`: flow records in, alerts out (docs/alerts.md).
#include <algorithm>
#include <cstdio>
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
  std::string model_path;
  std::string format;
  AlertOptions alerts;  // alerts.outputs.alerts_path empty: no alert file; "-": stdout
  PipelineOptions pipeline;
  unsigned threads = 1;
  bool quiet = false;
};

int run_detect(const DetectOptions& o) {
  if (auto check = table_options(o.pipeline, 1); !check) {  // usage errors before any work
    fmt::print(stderr, "xmr-ray detect: {}\n", check.error().context);
    return 2;
  }
  if (o.read.empty()) {
    fmt::print(stderr, "xmr-ray detect: --read is required (on the command line or as `read` in the --config file)\n");
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
  auto expanded = expand_inputs(o.read);
  if (!expanded) {
    fmt::print(stderr, "xmr-ray detect: {}\n", expanded.error().context);
    return 1;
  }
  SourceOptions sopt;
  if (!o.format.empty()) sopt.format = parse_input_format(o.format);
  // A pcap is metered with the slice length as active timeout, so that slices and records agree.
  sopt.active_timeout_s = o.pipeline.slice_s ? o.pipeline.slice_s : 300;
  const auto files = order_inputs_by_time(*expanded, sopt);
  auto outputs = AlertOutputs::open(o.alerts.outputs, [](const std::string& e) { fmt::print(stderr, "xmr-ray detect: {}\n", e); });
  if (!outputs) {
    fmt::print(stderr, "xmr-ray detect: {}\n", outputs.error().context);
    return 1;
  }
  // The human table goes to stdout unless the alerts do.
  std::FILE* table_out = (*outputs)->writes_stdout() ? stderr : stdout;
  Diagnostics diag([&](const Problem& p) {
    if (!o.quiet) fmt::print(stderr, "xmr-ray detect: {}\n", format_problem(p));
  });
  SourceCatalog catalog;
  auto source = open_inputs(files, sopt, catalog, diag);

  // Slice length: given, or the exporter's active timeout inferred from the first records.
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

  // Alerts: detector -> allowlist/suppression -> (alert outputs, summary).
  struct Tee final : AlertSink {
    AlertSink* outputs = nullptr;
    AlertSummary summary;
    void on_alert(const Alert& a) override {
      if (outputs) outputs->on_alert(a);
      summary.on_alert(a);
    }
  } tee;
  if ((*outputs)->has_outputs()) tee.outputs = outputs->get();
  AlertFilter filter(lists->allow.get(), lists->suppress.get(), tee);
  {
    ShardedDetector detector(chosen, dopt, o.threads, filter);
    detector.add(head);
    head = {};
    std::vector<FlowRecord> batch;
    batch.reserve(4096);
    while (true) {
      batch.clear();
      auto n = source->read(batch, 4096);
      if (!n || *n == 0) break;
      detector.add(batch);
    }
    detector.finish();
    const auto p = detector.prefilter_stats();
    const auto s = detector.stats();
    const auto t = detector.table_stats();
    const auto& f = filter.stats();
    outputs->reset();  // closes the alert file before the table is printed
    fmt::print(table_out, "{}", tee.summary.table());
    if (tee.summary.connections()) fmt::print(table_out, "\n{}", tee.summary.rollup());
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
  return (diag.errors() > 0 && diag.records_read() == 0) ? 1 : 0;
}

void add_detect_options(CLI::App& sub, DetectOptions& o) {
  sub.add_option("-r,--read", o.read, "Input file or directory (repeatable); any format `flows` reads (required)");
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
  if (o.read.empty()) return fail("--read (read in the file) is required");
  if (auto t = table_options(o.pipeline, 1); !t) return fail(t.error().context);
  if (auto v = validate_alert_outputs(o.alerts.outputs); !v) return fail(v.error().context);
  if (auto l = load_alert_lists(o.alerts); !l) return fail(l.error().context);
  if (auto m = load_model_option(o.model_path); !m) return fail(m.error().context);
  fmt::print(stderr, "xmr-ray detect: configuration OK{}\n", config_path.empty() ? "" : " (" + config_path + ")");
  return 0;
}

int run_detect_command(const CLI::App& sub, const DetectOptions& parsed, const ConfigOptions& config) {
  if (config.path.empty() && !config.check) return run_detect(parsed);
  auto o = resolve_options<DetectOptions>(command_line_values(sub), config.path, add_detect_options);
  if (!o) {
    fmt::print(stderr, "xmr-ray detect: {}\n", o.error().context);
    return config.check ? 1 : 2;
  }
  if (config.check) return check_detect_options(*o, config.path);
  return run_detect(*o);
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
      "  xmr-ray detect --config detect.toml --syslog unix:/dev/log");
  commands.add(sub, [sub, o, config] { return run_detect_command(*sub, *o, *config); });
}

}  // namespace xmr::cli
