// `xmr-ray collect`: the live daemon. Receives NetFlow v5/v9/IPFIX on UDP, detects as `detect`
// does, emits alerts as they happen, optionally archives nfcapd files and serves metrics.
// SIGTERM/SIGINT: drain, flush alerts, close files, exit 0. SIGHUP: re-read the --config file,
// the model and the alert lists and reopen the alert outputs, keeping every connection's state;
// if anything new is bad, the running configuration stays and the error is logged.
#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
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
#include "collector/collector.h"
#include "collector/metrics_server.h"
#include "detect/alert_controls.h"
#include "detect/detector.h"

namespace xmr::cli {

namespace {

struct CollectOptions {
  std::vector<std::string> listen;
  AlertOptions alerts{.outputs = {.alerts_path = "-", .append = true}};
  std::string model_path;
  bool no_detect = false;
  std::string archive_dir;
  std::int64_t archive_interval_s = 300;
  std::string archive_compression = "lz4";
  std::string metrics;
  std::uint32_t stats_interval_s = 60;
  std::size_t rcvbuf_bytes = 64u << 20;
  std::size_t queue_datagrams = 1u << 16;
  PipelineOptions pipeline;
  bool quiet = false;
};

void print_summary(const collector::CollectorSummary& s, const char* when) {
  fmt::print(stderr,
             "xmr-ray collect: {}: datagrams {} (dropped {}), records {}, exporters {}, templates {}, decode errors {}, "
             "sequence gaps {}, connections {}, alerts {}, archive files {} ({} records)\n",
             when, s.datagrams, s.dropped_datagrams, s.records, s.exporters, s.templates, s.decode_errors,
             s.sequence_gaps, s.connections, s.alerts, s.archive_files, s.archive_records);
}

// Live, the slice cannot be inferred before the first slices close: the exporter's active
// timeout must be given; 300 s is the most common router default (Cisco, Juniper: 30 min or
// 1 min also occur: set --slice to yours).
std::uint32_t slice_of(const CollectOptions& o) { return o.pipeline.slice_s ? o.pipeline.slice_s : 300; }

// Everything below the Detector that SIGHUP replaces: the alert lists and outputs, and the name
// of the model the alerts carry (the Detector keeps the name it was built with).
class AlertPipeline final : public AlertSink {
 public:
  AlertPipeline(std::string model_name, AlertLists lists, std::unique_ptr<AlertOutputs> outputs)
      : model_name_(std::move(model_name)),
        lists_(std::move(lists)),
        outputs_(std::move(outputs)),
        filter_(lists_.allow.get(), lists_.suppress.get(), *outputs_) {}
  void on_alert(const Alert& alert) override {
    if (alert.model == model_name_) return filter_.on_alert(alert);
    Alert renamed = alert;
    renamed.model = model_name_;
    filter_.on_alert(renamed);
  }

 private:
  std::string model_name_;
  AlertLists lists_;
  std::unique_ptr<AlertOutputs> outputs_;
  AlertFilter filter_;
};

// The sink the Collector holds. Only the decoding thread calls it, and the pipeline is swapped
// only on that thread (Collector::run_on_decoding_thread), so it needs no lock.
class SwitchableAlertSink final : public AlertSink {
 public:
  void on_alert(const Alert& alert) override {
    if (current_) current_->on_alert(alert);
  }
  std::unique_ptr<AlertPipeline> swap(std::unique_ptr<AlertPipeline> next) { return std::exchange(current_, std::move(next)); }

 private:
  std::unique_ptr<AlertPipeline> current_;
};

// What start-up and SIGHUP load from files: built completely before anything running changes.
struct Reloadable {
  std::optional<Model> model;  // for the running slice length; none with --no-detect
  std::string model_name;
  std::unique_ptr<AlertPipeline> pipeline;
  std::string model_note;  // a warning about the model's slice length, if any
};

result<Reloadable> load_reloadable(const CollectOptions& o) {
  if (auto v = validate_alert_outputs(o.alerts.outputs); !v) return tl::unexpected(v.error());
  auto lists = load_alert_lists(o.alerts);
  if (!lists) return tl::unexpected(lists.error());
  Reloadable r;
  if (!o.no_detect) {
    auto loaded = load_model_option(o.model_path);  // --model FILE, else the embedded model
    if (!loaded) return tl::unexpected(loaded.error());
    // A copy out of the set, so that the Detector's model can be replaced in place on reload.
    auto model = Model::from_json(loaded->for_slice(slice_of(o), r.model_note).to_json());
    if (!model) return tl::unexpected(model.error());
    r.model = std::move(*model);
    r.model_name = loaded->name;
  }
  auto outputs = AlertOutputs::open(o.alerts.outputs,
                                    [](const std::string& e) { fmt::print(stderr, "xmr-ray collect: {}\n", e); });
  if (!outputs) return tl::unexpected(outputs.error());
  r.pipeline = std::make_unique<AlertPipeline>(r.model_name, std::move(*lists), std::move(*outputs));
  return r;
}

// Options that shape running state (sockets, threads, the connection table, the archive): a
// reload cannot change them, and says so.
std::vector<std::string> restart_only_changes(const CollectOptions& was, const CollectOptions& now) {
  std::vector<std::string> changed;
  const auto check = [&](bool differs, const char* name) {
    if (differs) changed.emplace_back(name);
  };
  check(was.listen != now.listen, "listen");
  check(slice_of(was) != slice_of(now), "slice");
  check(was.pipeline.window_slices != now.pipeline.window_slices, "window");
  check(was.pipeline.home_net != now.pipeline.home_net, "home-net");
  check(was.pipeline.max_connections != now.pipeline.max_connections, "max-connections");
  check(was.no_detect != now.no_detect, "no-detect");
  check(was.archive_dir != now.archive_dir || was.archive_interval_s != now.archive_interval_s ||
            was.archive_compression != now.archive_compression,
        "archive");
  check(was.metrics != now.metrics, "metrics");
  check(was.rcvbuf_bytes != now.rcvbuf_bytes, "rcvbuf");
  check(was.queue_datagrams != now.queue_datagrams, "queue");
  check(was.quiet != now.quiet, "quiet");
  return changed;
}

void add_collect_options(CLI::App& sub, CollectOptions& o) {
  sub.add_option("-l,--listen", o.listen, "udp://HOST:PORT to receive on (repeatable, required), e.g. udp://[::]:4739");
  add_alert_options(sub, o.alerts, "Where alerts go, appended ('-' = stdout)");
  sub.add_option("-m,--model", o.model_path, "Model file written by `xmr-ray train` (default: the embedded model)");
  sub.add_flag("--no-detect", o.no_detect, "Only collect (and archive): no model, no alerts");
  sub.add_option("--archive", o.archive_dir, "Also write the flows as rotating nfcapd files into DIR");
  sub.add_option("--archive-interval", o.archive_interval_s, "Seconds per nfcapd file (nfcapd -t)")
      ->check(CLI::Range(1, 86400));
  sub.add_option("--archive-compression", o.archive_compression, "none, lzo, bz2, lz4 or zstd");
  sub.add_option("--metrics", o.metrics, "Serve Prometheus metrics and /healthz on HOST:PORT (e.g. 127.0.0.1:9109)");
  sub.add_option("--stats-interval", o.stats_interval_s, "Seconds between stats lines on stderr (0: none)");
  sub.add_option("--rcvbuf", o.rcvbuf_bytes, "Socket receive buffer to ask for, bytes");
  sub.add_option("--queue", o.queue_datagrams, "Datagrams the decoding queue holds before dropping")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 24));
  add_pipeline_options(sub, o.pipeline);
  sub.add_flag("-q,--quiet", o.quiet, "Do not print each decoding problem");
}

// The options now: the command line over the --config file (read again at every call).
result<CollectOptions> resolve_collect_options(const CommandLineValues& given, const std::string& config_path) {
  auto o = resolve_options<CollectOptions>(given, config_path, add_collect_options);
  if (!o) return o;
  if (o->listen.empty())
    return make_error(errc::bad_argument, "--listen is required (on the command line or as `listen` in the --config file)");
  return o;
}

// What start-up would refuse, checked without binding a socket or writing a file.
result<void> check_collect_options(const CollectOptions& o) {
  for (const auto& l : o.listen)
    if (auto e = collector::parse_udp_endpoint(l); !e) return make_error(e.error().code, "--listen " + e.error().context);
  if (!o.archive_dir.empty() && !parse_nfcapd_compression(o.archive_compression))
    return make_error(errc::bad_argument, fmt::format("--archive-compression: unknown '{}' (none, lzo, bz2, lz4, zstd)",
                                                      o.archive_compression));
  if (auto t = table_options(o.pipeline, slice_of(o)); !t) return tl::unexpected(t.error());
  if (auto v = validate_alert_outputs(o.alerts.outputs); !v) return tl::unexpected(v.error());
  if (auto l = load_alert_lists(o.alerts); !l) return tl::unexpected(l.error());
  if (!o.no_detect) {
    if (auto m = load_model_option(o.model_path); !m) return tl::unexpected(m.error());
  }
  return {};
}

struct Daemon {
  const CommandLineValues& given;
  const std::string& config_path;
  CollectOptions options;
  Reloadable state;
  SwitchableAlertSink alerts;
};

// SIGHUP: all or nothing. The new options, model, lists and outputs are built first; only if
// every one of them is good are they swapped in, on the decoding thread.
void reload(Daemon& d, collector::Collector& collector) {
  const std::string what = d.config_path.empty() ? "" : " " + d.config_path;
  auto o = resolve_collect_options(d.given, d.config_path);
  if (!o) {
    fmt::print(stderr, "xmr-ray collect: reload failed, keeping the running configuration: {}\n", o.error().context);
    return;
  }
  auto fresh = load_reloadable(*o);
  if (!fresh) {
    fmt::print(stderr, "xmr-ray collect: reload failed, keeping the running configuration: {}\n",
               fresh.error().context);
    return;
  }
  for (const auto& name : restart_only_changes(d.options, *o))
    fmt::print(stderr, "xmr-ray collect: reload: '{}' changed but takes effect only at restart; keeping the running value\n",
               name);
  if (!fresh->model_note.empty()) fmt::print(stderr, "xmr-ray collect: warning: {}\n", fresh->model_note);
  std::unique_ptr<AlertPipeline> old;
  collector.run_on_decoding_thread([&] {
    // The Detector holds a reference to d.state.model: replacing the value keeps every
    // connection and window it tracks.
    if (d.state.model && fresh->model) *d.state.model = std::move(*fresh->model);
    old = d.alerts.swap(std::move(fresh->pipeline));
  });
  old.reset();  // closes the previous alert file and syslog socket (after the swap: nothing lost)
  d.state.model_name = fresh->model_name;
  d.options.alerts = o->alerts;
  d.options.model_path = o->model_path;
  d.options.stats_interval_s = o->stats_interval_s;
  fmt::print(stderr, "xmr-ray collect: reloaded{}: model {}, alerts {} ({}){}{}{}\n", what,
             d.options.no_detect ? "none" : d.state.model_name,
             o->alerts.outputs.alerts_path.empty() ? "none" : o->alerts.outputs.alerts_path, o->alerts.outputs.format,
             o->alerts.outputs.syslog.empty() ? "" : ", syslog " + o->alerts.outputs.syslog,
             o->alerts.allowlist_path.empty() ? "" : ", allowlist " + o->alerts.allowlist_path,
             o->alerts.suppress_path.empty() ? "" : ", suppress " + o->alerts.suppress_path);
}

int run_collect(Daemon& d) {
  const CollectOptions& o = d.options;
  collector::CollectorOptions copt;
  for (const auto& l : o.listen) {
    auto e = collector::parse_udp_endpoint(l);
    if (!e) {
      fmt::print(stderr, "xmr-ray collect: --listen {}\n", e.error().context);
      return 2;
    }
    copt.listen.push_back(*e);
  }
  copt.receive_buffer_bytes = o.rcvbuf_bytes;
  copt.queue_datagrams = o.queue_datagrams;
  if (!o.archive_dir.empty()) {
    collector::ArchiveOptions a;
    a.dir = o.archive_dir;
    a.interval_s = o.archive_interval_s;
    auto c = parse_nfcapd_compression(o.archive_compression);
    if (!c) {
      fmt::print(stderr, "xmr-ray collect: --archive-compression: unknown '{}' (none, lzo, bz2, lz4, zstd)\n",
                 o.archive_compression);
      return 2;
    }
    a.writer.compression = *c;
    a.writer.ident = "xmr-ray";
    copt.archive = a;
  }
  const std::uint32_t slice_s = slice_of(o);
  auto table = table_options(o.pipeline, slice_s);
  if (!table) {
    fmt::print(stderr, "xmr-ray collect: {}\n", table.error().context);
    return 2;
  }
  // A slice is closed one active timeout after it ends: every record that overlaps it has been
  // exported by then, so the alert comes within one active timeout (plus the 1 s tick).
  table->lateness_ms = table->slice_ms;
  auto state = load_reloadable(o);
  if (!state) {
    fmt::print(stderr, "xmr-ray collect: {}\n", state.error().context);
    return state.error().code == errc::bad_argument ? 2 : 1;
  }
  d.state = std::move(*state);
  if (!d.state.model_note.empty()) fmt::print(stderr, "xmr-ray collect: warning: {}\n", d.state.model_note);
  d.alerts.swap(std::move(d.state.pipeline));
  std::unique_ptr<Detector> detector;
  if (d.state.model) {
    DetectorOptions dopt;
    dopt.table = *table;
    dopt.window_slices = o.pipeline.window_slices;
    dopt.model_name = d.state.model_name;
    detector = std::make_unique<Detector>(*d.state.model, dopt);
  }
  Diagnostics diag([quiet = o.quiet](const Problem& p) {
    if (!quiet) fmt::print(stderr, "xmr-ray collect: {}\n", format_problem(p));
  });

  // Signals are taken synchronously by this thread (sigtimedwait): block them before any thread
  // starts so that every thread inherits the mask and none is interrupted. No handler runs.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto c = collector::Collector::open(copt, detector.get(), detector ? &d.alerts : nullptr, diag);
  if (!c) {
    fmt::print(stderr, "xmr-ray collect: {}\n", c.error().context);
    return 1;
  }
  auto& collector = **c;
  std::unique_ptr<collector::MetricsServer> metrics;
  if (!o.metrics.empty()) {
    auto m = collector::MetricsServer::open(
        o.metrics, [&collector] { return collector.metrics_text(); }, [] { return std::string("ok\n"); });
    if (!m) {
      fmt::print(stderr, "xmr-ray collect: {}\n", m.error().context);
      return 1;
    }
    metrics = std::move(*m);
  }
  for (const auto& r : collector.receivers()) {
    fmt::print(stderr, "xmr-ray collect: listening on {} (port {}, receive buffer {} bytes)\n", r->name(), r->port(),
               r->receive_buffer_bytes());
    if (r->receive_buffer_bytes() < o.rcvbuf_bytes)
      fmt::print(stderr,
                 "xmr-ray collect: {}: asked for a {}-byte receive buffer, got {}: raise net.core.rmem_max "
                 "(docs/operations.md)\n",
                 r->name(), o.rcvbuf_bytes, r->receive_buffer_bytes());
  }
  if (metrics) fmt::print(stderr, "xmr-ray collect: metrics on {} (port {}): /metrics, /healthz\n", o.metrics, metrics->port());
  fmt::print(stderr, "xmr-ray collect: slice {} s, window {} slices, detection {}\n", slice_s,
             o.pipeline.window_slices, !detector ? "off" : "on, model " + d.state.model_name);
  collector.start();
  if (metrics) metrics->start();

  std::int64_t last_stats_s = std::time(nullptr);
  while (true) {
    timespec wait{1, 0};
    const int sig = sigtimedwait(&signals, nullptr, &wait);
    for (const auto& e : collector.take_errors()) fmt::print(stderr, "xmr-ray collect: {}\n", e);
    if (sig == SIGTERM || sig == SIGINT) {
      fmt::print(stderr, "xmr-ray collect: {} received: draining and closing\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      break;
    }
    if (sig == SIGHUP) {
      fmt::print(stderr, "xmr-ray collect: SIGHUP received: reloading\n");
      reload(d, collector);
    }
    const std::int64_t now_s = std::time(nullptr);
    if (d.options.stats_interval_s > 0 && now_s - last_stats_s >= d.options.stats_interval_s) {
      last_stats_s = now_s;
      print_summary(collector.summary(), "stats");
    }
  }
  collector.stop();  // drains the queue and finishes the Detector: its last alerts are written
  if (metrics) metrics->stop();
  for (const auto& e : collector.take_errors()) fmt::print(stderr, "xmr-ray collect: {}\n", e);
  print_summary(collector.summary(), "stopped");
  d.alerts.swap(nullptr);  // flushes and closes the alert outputs
  return 0;
}

int run_collect_command(const CLI::App& sub, const ConfigOptions& config) {
  const CommandLineValues given = command_line_values(sub);
  auto o = resolve_collect_options(given, config.path);
  if (o && config.check) {
    if (auto checked = check_collect_options(*o); !checked) o = tl::unexpected(checked.error());
  }
  if (!o) {
    fmt::print(stderr, "xmr-ray collect: {}{}\n", config.check ? "configuration error: " : "", o.error().context);
    return config.check ? 1 : 2;
  }
  if (config.check) {
    fmt::print(stderr, "xmr-ray collect: configuration OK{}\n", config.path.empty() ? "" : " (" + config.path + ")");
    return 0;
  }
  Daemon d{given, config.path, std::move(*o), {}, {}};
  return run_collect(d);
}

}  // namespace

void register_collect(CLI::App& app, CommandList& commands) {
  // The options are resolved in run_collect_command from what CLI11 parsed here (and the file);
  // this instance only receives the command line.
  auto parsed = std::make_shared<CollectOptions>();
  auto config = std::make_shared<ConfigOptions>();
  auto* sub = app.add_subcommand("collect", "Receive NetFlow v5/v9/IPFIX over UDP and detect mining live");
  add_collect_options(*sub, *parsed);
  add_config_options(*sub, *config);
  sub->footer(
      "The slice must equal the exporters' active timeout (default 300 s); alerts come within one\n"
      "active timeout (+1 s) of the slice that decides them. SIGHUP reloads the config file, model,\n"
      "allowlist, suppression list and alert outputs; SIGTERM drains, flushes the alerts and exits.\n"
      "Examples:\n"
      "  xmr-ray collect -l udp://0.0.0.0:2055 -m model.json --slice 60 --home-net 10.0.0.0/8\n"
      "  xmr-ray collect -l udp://0.0.0.0:2055 -l udp://[::]:4739 -m model.json -w /var/log/xmr-ray/alerts.json \\\n"
      "      --archive /var/cache/xmr-ray --metrics 127.0.0.1:9109 --syslog unix:/dev/log\n"
      "  xmr-ray collect --config /etc/xmr-ray/xmr-ray.toml --check-config\n"
      "  xmr-ray collect --config /etc/xmr-ray/xmr-ray.toml --alert-format ecs");
  commands.add(sub, [sub, parsed, config] { return run_collect_command(*sub, *config); });
}

}  // namespace xmr::cli
