// `xmr-ray detect`: flow records in, alerts out.
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/pipeline_options.h"
#include "detect/detector.h"
#include "detect/eve_alerts.h"
#include "sources/open_source.h"

namespace xmr::cli {

namespace {

struct DetectOptions {
  std::vector<std::string> read;
  std::string model_path;
  std::string alerts_path = "-";
  std::string format;
  PipelineOptions pipeline;
  bool quiet = false;
};

result<Model> load_model(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(errc::io_error, fmt::format("{}: cannot open", path));
  std::ostringstream text;
  text << in.rdbuf();
  auto m = Model::from_json_text(text.str());
  if (!m) return make_error(m.error().code, fmt::format("{}: {}", path, m.error().context));
  return m;
}

int run_detect(const DetectOptions& o) {
  if (o.model_path.empty()) {
    fmt::print(stderr,
               "xmr-ray detect: give --model FILE (train one with `xmr-ray train`); no default model is "
               "embedded in this build yet\n");
    return 2;
  }
  if (auto check = table_options(o.pipeline, 1); !check) {  // usage errors before any work
    fmt::print(stderr, "xmr-ray detect: {}\n", check.error().context);
    return 2;
  }
  auto model = load_model(o.model_path);
  if (!model) {
    fmt::print(stderr, "xmr-ray detect: {}\n", model.error().context);
    return 1;
  }
  auto files = expand_inputs(o.read);
  if (!files) {
    fmt::print(stderr, "xmr-ray detect: {}\n", files.error().context);
    return 1;
  }
  std::FILE* out = stdout;
  if (o.alerts_path != "-") {
    out = std::fopen(o.alerts_path.c_str(), "w");
    if (!out) {
      fmt::print(stderr, "xmr-ray detect: {}: cannot write\n", o.alerts_path);
      return 1;
    }
  }
  SourceOptions sopt;
  if (!o.format.empty()) sopt.format = parse_input_format(o.format);
  // A pcap is metered with the slice length as active timeout, so that slices and records agree.
  sopt.active_timeout_s = o.pipeline.slice_s ? o.pipeline.slice_s : 300;
  Diagnostics diag([&](const Problem& p) {
    if (!o.quiet) fmt::print(stderr, "xmr-ray detect: {}\n", format_problem(p));
  });
  SourceCatalog catalog;
  auto source = open_inputs(*files, sopt, catalog, diag);

  // Slice length: given, or the exporter's active timeout inferred from the first records.
  std::vector<FlowRecord> head;
  constexpr std::size_t inference_records = 100'000;
  while (head.size() < inference_records) {
    auto n = source->read(head, 4096);
    if (!n || *n == 0) break;
  }
  const std::uint32_t slice_s = o.pipeline.slice_s ? o.pipeline.slice_s : infer_active_timeout_s(head);
  auto table = table_options(o.pipeline, slice_s);
  if (!table) {
    fmt::print(stderr, "xmr-ray detect: {}\n", table.error().context);
    return 2;
  }
  DetectorOptions dopt;
  dopt.table = *table;
  dopt.window_slices = o.pipeline.window_slices;
  Detector detector(*model, dopt);
  EveAlertWriter writer(out);
  for (const auto& r : head) detector.add(r, writer);
  std::vector<FlowRecord> batch;
  while (true) {
    batch.clear();
    auto n = source->read(batch, 4096);
    if (!n || *n == 0) break;
    for (const auto& r : batch) detector.add(r, writer);
  }
  detector.finish(writer);
  if (out != stdout) std::fclose(out);
  const auto& s = detector.stats();
  const auto& t = detector.table().stats();
  fmt::print(stderr,
             "xmr-ray detect: {}; slice {} s{}, window {} slices; connections {} (scored {}, too short {}, "
             "evicted {}), windows scored {} (pre-filtered {}), alerts {}\n",
             diag.summary(), slice_s, o.pipeline.slice_s ? "" : " (inferred)", o.pipeline.window_slices,
             t.connections_opened, s.connections_scored, s.connections_too_short, t.evicted_full, s.windows_scored,
             s.windows_prefiltered, s.alerts);
  return (diag.errors() > 0 && diag.records_read() == 0) ? 1 : 0;
}

}  // namespace

void register_detect(CLI::App& app, CommandList& commands) {
  auto o = std::make_shared<DetectOptions>();
  auto* sub = app.add_subcommand("detect", "Detect mining connections in flow records; alerts as EVE JSON lines");
  sub->add_option("-r,--read", o->read, "Input file or directory (repeatable); any format `flows` reads")->required();
  sub->add_option("-m,--model", o->model_path, "Model file written by `xmr-ray train`");
  sub->add_option("-w,--alerts", o->alerts_path, "Where alerts go ('-' = stdout)");
  sub->add_option("--format", o->format, "Force the input format (see `flows --help`)");
  add_pipeline_options(*sub, o->pipeline);
  sub->add_flag("-q,--quiet", o->quiet, "Do not print each input problem");
  sub->footer(
      "Examples:\n"
      "  xmr-ray detect -r /var/cache/nfdump -m model.json --home-net 10.0.0.0/8\n"
      "  xmr-ray detect -r capture.pcap -m model.json --slice 60 -w alerts.json\n"
      "  xmr-ray detect -r flows.csv --format nfdump-csv -m model.json --window 10");
  commands.add(sub, [o] { return run_detect(*o); });
}

}  // namespace xmr::cli
