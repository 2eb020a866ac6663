// `xmr-ray collect`: the live daemon. Receives NetFlow v5/v9/IPFIX on UDP, detects as `detect`
// does, emits alerts as they happen, optionally archives nfcapd files and serves metrics.
// SIGTERM/SIGINT: drain, flush alerts, close files, exit 0.
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/model_option.h"
#include "cli/pipeline_options.h"
#include "collector/collector.h"
#include "collector/metrics_server.h"
#include "detect/detector.h"
#include "detect/eve_alerts.h"

namespace xmr::cli {

namespace {

struct CollectOptions {
  std::vector<std::string> listen;
  std::string alerts_path = "-";
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

int run_collect(const CollectOptions& o) {
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
  // Live, the slice cannot be inferred before the first slices close: the exporter's active
  // timeout must be given; 300 s is the most common router default (Cisco, Juniper: 30 min or
  // 1 min also occur: set --slice to yours).
  const std::uint32_t slice_s = o.pipeline.slice_s ? o.pipeline.slice_s : 300;
  auto table = table_options(o.pipeline, slice_s);
  if (!table) {
    fmt::print(stderr, "xmr-ray collect: {}\n", table.error().context);
    return 2;
  }
  // A slice is closed one active timeout after it ends: every record that overlaps it has been
  // exported by then, so the alert comes within one active timeout (plus the 1 s tick).
  table->lateness_ms = table->slice_ms;
  std::optional<LoadedModel> model;
  if (!o.no_detect) {
    auto m = load_model_option(o.model_path);  // --model FILE, else the embedded model
    if (!m) {
      fmt::print(stderr, "xmr-ray collect: {}\n", m.error().context);
      return 1;
    }
    model = std::move(*m);
  }
  std::FILE* out = stdout;
  if (o.alerts_path != "-") {
    out = std::fopen(o.alerts_path.c_str(), "a");
    if (!out) {
      fmt::print(stderr, "xmr-ray collect: {}: cannot write\n", o.alerts_path);
      return 1;
    }
  }
  std::unique_ptr<Detector> detector;
  if (model) {
    DetectorOptions dopt;
    dopt.table = *table;
    dopt.window_slices = o.pipeline.window_slices;
    dopt.model_name = model->name;
    std::string note;
    const Model& chosen = model->for_slice(static_cast<std::uint32_t>(table->slice_ms / 1000), note);
    if (!note.empty()) fmt::print(stderr, "xmr-ray collect: warning: {}\n", note);
    detector = std::make_unique<Detector>(chosen, dopt);
  }
  EveAlertWriter writer(out);
  Diagnostics diag([&](const Problem& p) {
    if (!o.quiet) fmt::print(stderr, "xmr-ray collect: {}\n", format_problem(p));
  });

  // Signals are taken synchronously by this thread (sigtimedwait): block them before any thread
  // starts so that every thread inherits the mask and none is interrupted.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto c = collector::Collector::open(copt, detector.get(), detector ? &writer : nullptr, diag);
  if (!c) {
    fmt::print(stderr, "xmr-ray collect: {}\n", c.error().context);
    if (out != stdout) std::fclose(out);
    return 1;
  }
  auto& collector = **c;
  std::unique_ptr<collector::MetricsServer> metrics;
  if (!o.metrics.empty()) {
    auto m = collector::MetricsServer::open(
        o.metrics, [&collector] { return collector.metrics_text(); }, [] { return std::string("ok\n"); });
    if (!m) {
      fmt::print(stderr, "xmr-ray collect: {}\n", m.error().context);
      if (out != stdout) std::fclose(out);
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
             o.pipeline.window_slices, !detector ? "off" : "on, model " + model->name);
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
    if (sig == SIGHUP)
      fmt::print(stderr, "xmr-ray collect: SIGHUP: reload is not supported yet; restart the service to reload\n");
    const std::int64_t now_s = std::time(nullptr);
    if (o.stats_interval_s > 0 && now_s - last_stats_s >= o.stats_interval_s) {
      last_stats_s = now_s;
      print_summary(collector.summary(), "stats");
    }
  }
  collector.stop();
  if (metrics) metrics->stop();
  for (const auto& e : collector.take_errors()) fmt::print(stderr, "xmr-ray collect: {}\n", e);
  print_summary(collector.summary(), "stopped");
  if (out != stdout) std::fclose(out);
  else std::fflush(stdout);
  return 0;
}

}  // namespace

void register_collect(CLI::App& app, CommandList& commands) {
  auto o = std::make_shared<CollectOptions>();
  auto* sub = app.add_subcommand("collect", "Receive NetFlow v5/v9/IPFIX over UDP and detect mining live");
  sub->add_option("-l,--listen", o->listen, "udp://HOST:PORT to receive on (repeatable), e.g. udp://[::]:4739")
      ->required();
  sub->add_option("-w,--alerts", o->alerts_path, "Where alerts go, appended ('-' = stdout)");
  sub->add_option("-m,--model", o->model_path, "Model file written by `xmr-ray train` (default: the embedded model)");
  sub->add_flag("--no-detect", o->no_detect, "Only collect (and archive): no model, no alerts");
  sub->add_option("--archive", o->archive_dir, "Also write the flows as rotating nfcapd files into DIR");
  sub->add_option("--archive-interval", o->archive_interval_s, "Seconds per nfcapd file (nfcapd -t)")
      ->check(CLI::Range(1, 86400));
  sub->add_option("--archive-compression", o->archive_compression, "none, lzo, bz2, lz4 or zstd");
  sub->add_option("--metrics", o->metrics, "Serve Prometheus metrics and /healthz on HOST:PORT (e.g. 127.0.0.1:9109)");
  sub->add_option("--stats-interval", o->stats_interval_s, "Seconds between stats lines on stderr (0: none)");
  sub->add_option("--rcvbuf", o->rcvbuf_bytes, "Socket receive buffer to ask for, bytes");
  sub->add_option("--queue", o->queue_datagrams, "Datagrams the decoding queue holds before dropping")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 24));
  add_pipeline_options(*sub, o->pipeline);
  sub->add_flag("-q,--quiet", o->quiet, "Do not print each decoding problem");
  sub->footer(
      "The slice must equal the exporters' active timeout (default 300 s); alerts come within one\n"
      "active timeout (+1 s) of the slice that decides them.\n"
      "Examples:\n"
      "  xmr-ray collect -l udp://0.0.0.0:2055 -m model.json --slice 60 --home-net 10.0.0.0/8\n"
      "  xmr-ray collect -l udp://0.0.0.0:2055 -l udp://[::]:4739 -m model.json -w /var/log/xmr-ray/alerts.json \\\n"
      "      --archive /var/cache/xmr-ray --metrics 127.0.0.1:9109");
  commands.add(sub, [o] { return run_collect(*o); });
}

}  // namespace xmr::cli
