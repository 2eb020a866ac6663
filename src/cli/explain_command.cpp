// `xmr-ray explain`: one connection's reconstructed slices and the features that drove its score.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/model_option.h"
#include "cli/pipeline_options.h"
#include "detect/explain.h"
#include "sources/open_source.h"

namespace xmr::cli {

// Defined in detect_command.cpp.
std::vector<std::string> order_inputs_by_time(const std::vector<std::string>& files, const SourceOptions& options);

namespace {

struct ExplainOptions {
  std::vector<std::string> read;
  std::string connection;
  std::string model_path;
  std::string format;
  PipelineOptions pipeline;
  std::size_t top = 5;
  bool quiet = false;
};

int run_explain(const ExplainOptions& o) {
  auto key = parse_connection(o.connection);
  if (!key) {
    fmt::print(stderr, "xmr-ray explain: --connection: {}\n", key.error().context);
    return 2;
  }
  if (auto check = table_options(o.pipeline, 1); !check) {
    fmt::print(stderr, "xmr-ray explain: {}\n", check.error().context);
    return 2;
  }
  auto model = load_model_option(o.model_path);
  if (!model) {
    fmt::print(stderr, "xmr-ray explain: {}\n", model.error().context);
    return o.model_path.empty() ? 2 : 1;
  }
  auto expanded = expand_inputs(o.read);
  if (!expanded) {
    fmt::print(stderr, "xmr-ray explain: {}\n", expanded.error().context);
    return 1;
  }
  SourceOptions sopt;
  if (!o.format.empty()) sopt.format = parse_input_format(o.format);
  sopt.active_timeout_s = o.pipeline.slice_s ? o.pipeline.slice_s : 300;
  const auto files = order_inputs_by_time(*expanded, sopt);
  Diagnostics diag([&](const Problem& p) {
    if (!o.quiet) fmt::print(stderr, "xmr-ray explain: {}\n", format_problem(p));
  });
  SourceCatalog catalog;
  auto source = open_inputs(files, sopt, catalog, diag);
  std::vector<FlowRecord> head;
  while (head.size() < 100'000) {
    auto n = source->read(head, 4096);
    if (!n || *n == 0) break;
  }
  const std::uint32_t slice_s = o.pipeline.slice_s ? o.pipeline.slice_s : infer_active_timeout_s(head);
  auto table = table_options(o.pipeline, slice_s);
  if (!table) {
    fmt::print(stderr, "xmr-ray explain: {}\n", table.error().context);
    return 2;
  }
  DetectorOptions dopt;
  dopt.table = *table;
  dopt.window_slices = o.pipeline.window_slices;
  dopt.model_name = model->name;
  std::string model_note;
  const Model& chosen = model->for_slice(slice_s, model_note);
  if (!model_note.empty()) fmt::print(stderr, "xmr-ray explain: warning: {}\n", model_note);
  auto explainer = ConnectionExplainer::create(chosen, dopt, *key);
  if (!explainer) {
    fmt::print(stderr, "xmr-ray explain: {}\n", explainer.error().context);
    return 1;
  }
  for (const auto& r : head) (*explainer)->add(r);
  std::vector<FlowRecord> batch;
  while (true) {
    batch.clear();
    auto n = source->read(batch, 4096);
    if (!n || *n == 0) break;
    for (const auto& r : batch) (*explainer)->add(r);
  }
  (*explainer)->finish();
  fmt::print("slice {} s{}, window {} slices, model {}\n{}", slice_s, o.pipeline.slice_s ? "" : " (inferred)",
             o.pipeline.window_slices, model->name, format_explanation((*explainer)->explanation(), o.top));
  fmt::print(stderr, "xmr-ray explain: {}\n", diag.summary());
  return (diag.errors() > 0 && diag.records_read() == 0) ? 1 : 0;
}

}  // namespace

void register_explain(CLI::App& app, CommandList& commands) {
  auto o = std::make_shared<ExplainOptions>();
  auto* sub = app.add_subcommand("explain", "Show one connection's reconstructed slices and what drove its score");
  sub->add_option("-r,--read", o->read, "Input file or directory (repeatable); any format `flows` reads")->required();
  sub->add_option("-c,--connection", o->connection, "The connection: IP:PORT-IP:PORT (IPv6 as [addr]:port), either order")
      ->required();
  sub->add_option("-m,--model", o->model_path, "Model file written by `xmr-ray train` (default: the embedded model)");
  sub->add_option("--format", o->format, "Force the input format (see `flows --help`)");
  add_pipeline_options(*sub, o->pipeline);
  sub->add_option("--top", o->top, "Features listed per window, largest effect first")->check(CLI::Range(1, 64));
  sub->add_flag("-q,--quiet", o->quiet, "Do not print each input problem");
  sub->footer("Example:\n  xmr-ray explain -r capture.pcap -m model.json --slice 60 -c 192.168.2.92:55190-178.32.196.217:9050");
  commands.add(sub, [o] { return run_explain(*o); });
}

}  // namespace xmr::cli
