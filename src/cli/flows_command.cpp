// `xmr-ray flows`: read any flow source and print or convert it.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "core/diagnostics.h"
#include "sinks/nfcapd_writer.h"
#include "sinks/null_sink.h"
#include "sinks/text_sinks.h"
#include "sources/open_source.h"

namespace xmr::cli {

namespace {

struct FlowsOptions {
  std::vector<std::string> read;
  std::vector<std::string> read_dirs;
  std::string output = "table";
  std::string write = "-";
  std::string format;
  std::string tz;
  std::string compression = "lz4";
  std::uint64_t limit = 0;
  std::uint32_t active_timeout_s = 1800;
  std::uint32_t inactive_timeout_s = 15;
  bool quiet = false;
};

result<std::unique_ptr<FlowSink>> open_sink(const FlowsOptions& o) {
  if (o.output == "null") return std::unique_ptr<FlowSink>(std::make_unique<NullSink>());
  if (o.output == "table") return open_table_sink(o.write);
  if (o.output == "csv") return open_csv_sink(o.write);
  if (o.output == "json") return open_json_sink(o.write);
  if (o.output == "nfcapd") {
    if (o.write == "-") return make_error(errc::bad_argument, "-o nfcapd needs a file: -w FILE");
    auto c = parse_nfcapd_compression(o.compression);
    if (!c) return make_error(errc::bad_argument, fmt::format("unknown compression '{}'", o.compression));
    return open_nfcapd_writer(o.write, NfcapdWriterOptions{*c, {}});
  }
  return make_error(errc::bad_argument, fmt::format("unknown output format '{}'", o.output));
}

int run_flows(const FlowsOptions& o) {
  SourceOptions sopt;
  if (!o.format.empty()) {
    sopt.format = parse_input_format(o.format);
    if (!sopt.format) {
      fmt::print(stderr, "xmr-ray flows: unknown --format '{}'\n", o.format);
      return 2;
    }
  }
  sopt.tz = o.tz;
  sopt.active_timeout_s = o.active_timeout_s;
  sopt.inactive_timeout_s = o.inactive_timeout_s;

  std::vector<std::string> paths = o.read;
  paths.insert(paths.end(), o.read_dirs.begin(), o.read_dirs.end());
  auto files = expand_inputs(paths);
  if (!files) {
    fmt::print(stderr, "xmr-ray flows: {}\n", files.error().context);
    return 1;
  }
  auto sink = open_sink(o);
  if (!sink) {
    fmt::print(stderr, "xmr-ray flows: {}\n", sink.error().context);
    return sink.error().code == errc::bad_argument ? 2 : 1;
  }

  Diagnostics diag([&](const Problem& p) {
    if (!o.quiet) fmt::print(stderr, "xmr-ray flows: {}\n", format_problem(p));
  });
  SourceCatalog catalog;
  auto source = open_inputs(*files, sopt, catalog, diag);
  std::vector<FlowRecord> batch;
  std::uint64_t written = 0;
  constexpr std::size_t batch_size = 4096;
  while (o.limit == 0 || written < o.limit) {
    batch.clear();
    std::size_t want = batch_size;
    if (o.limit) want = std::min<std::uint64_t>(want, o.limit - written);
    auto n = source->read(batch, want);
    if (!n || *n == 0) break;
    if (auto w = (*sink)->write(batch); !w) {
      fmt::print(stderr, "xmr-ray flows: {}\n", w.error().context);
      return 1;
    }
    written += batch.size();
  }
  if (auto f = (*sink)->finish(); !f) {
    fmt::print(stderr, "xmr-ray flows: {}\n", f.error().context);
    return 1;
  }
  fmt::print(stderr, "xmr-ray flows: {}, written {}\n", diag.summary(), written);
  // Exit 0 even with damaged input (the good records were delivered); 1 if nothing was readable.
  return (diag.errors() > 0 && diag.records_read() == 0) ? 1 : 0;
}

}  // namespace

void register_flows(CLI::App& app, CommandList& commands) {
  auto opts = std::make_shared<FlowsOptions>();
  auto* sub = app.add_subcommand("flows", "Read flow records from any supported input and print or convert them");
  sub->add_option("-r,--read", opts->read, "Input file or directory (repeatable); format detected from content")
      ->required(false);
  sub->add_option("-R,--read-dir", opts->read_dirs, "Directory read recursively in time order, like nfdump -R");
  sub->add_option("-o,--output", opts->output, "Output format: table, csv, json (goflow2 JSON lines), nfcapd, null (count only)")
      ->check(CLI::IsMember({"table", "csv", "json", "nfcapd", "null"}));
  sub->add_option("-w,--write", opts->write, "Output file ('-' = stdout)");
  sub->add_option("--format", opts->format,
                  "Force the input format: nfcapd, nfdump-csv, nfdump-json, goflow2, csv, pcap");
  sub->add_option("--tz", opts->tz, "Time zone of nfdump CSV timestamps (default: $TZ, else local)");
  sub->add_option("-z,--compress", opts->compression, "nfcapd output compression: lz4, lzo, bz2, zstd, none")
      ->check(CLI::IsMember({"lz4", "lzo", "bz2", "zstd", "none"}));
  sub->add_option("--limit", opts->limit, "Stop after N records (0 = all)");
  sub->add_option("--active-timeout", opts->active_timeout_s, "pcap flow meter active timeout, seconds")
      ->check(CLI::Range(1u, 86400u));
  sub->add_option("--inactive-timeout", opts->inactive_timeout_s, "pcap flow meter inactive timeout, seconds")
      ->check(CLI::Range(1u, 86400u));
  sub->add_flag("-q,--quiet", opts->quiet, "Do not print each input problem (the summary is still printed)");
  sub->footer(
      "Examples:\n"
      "  xmr-ray flows -r /var/cache/nfdump/nfcapd.202611250800\n"
      "  xmr-ray flows -R /var/cache/nfdump -o csv -w flows.csv\n"
      "  xmr-ray flows -r capture.pcap --active-timeout 60 -o nfcapd -w nfcapd.capture\n"
      "  nfdump -r nfcapd.x -o json > x.json && xmr-ray flows -r x.json --limit 10\n"
      "  xmr-ray flows -r goflow2.jsonl -o csv");
  commands.add(sub, [opts] {
    if (opts->read.empty() && opts->read_dirs.empty()) {
      fmt::print(stderr, "xmr-ray flows: nothing to read: give -r PATH or -R DIR\n");
      return 2;
    }
    return run_flows(*opts);
  });
}

}  // namespace xmr::cli
