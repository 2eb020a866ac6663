// `xmr-ray train`: a one-class model from the mining windows of labelled lab output.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/pipeline_options.h"
#include "detect/window_builder.h"
#include "eval/labelled_windows.h"
#include "sources/open_source.h"

namespace xmr::cli {

namespace {

namespace fs = std::filesystem;

struct TrainCliOptions {
  std::vector<std::string> data;
  std::string output;
  std::string learner = "isolation_forest";
  double quantile = 0.99;
  std::uint64_t seed = 1;
  PipelineOptions pipeline;
};

// The flows of a lab directory at a given active timeout: DIR/nf-<T>/ (metered by nfpcapd) if
// present, else the capture itself through our meter.
std::vector<std::string> lab_flows(const fs::path& dir, std::uint32_t slice_s) {
  const fs::path nf = dir / fmt::format("nf-{}", slice_s);
  if (fs::is_directory(nf)) return {nf.string()};
  std::vector<std::string> pcaps;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename().string().rfind("capture", 0) == 0 && e.path().extension() == ".pcap")
      pcaps.push_back(e.path().string());
  std::sort(pcaps.begin(), pcaps.end());
  return pcaps;
}

int run_train(const TrainCliOptions& o) {
  auto learner = parse_learner(o.learner);
  if (!learner) {
    fmt::print(stderr, "xmr-ray train: {}\n", learner.error().context);
    return 2;
  }
  const std::uint32_t slice_s = o.pipeline.slice_s ? o.pipeline.slice_s : 300;
  auto table_opts = table_options(o.pipeline, slice_s);
  if (!table_opts) {
    fmt::print(stderr, "xmr-ray train: {}\n", table_opts.error().context);
    return 2;
  }
  Diagnostics diag([](const Problem& p) { fmt::print(stderr, "xmr-ray train: {}\n", format_problem(p)); });
  std::vector<FeatureVector> mining;
  std::uint64_t benign_windows = 0, unlabelled = 0;
  for (const auto& d : o.data) {
    auto labels = LabelSet::load((fs::path(d) / "labels.csv").string(), diag);
    if (!labels) {
      fmt::print(stderr, "xmr-ray train: {}\n", labels.error().context);
      return 1;
    }
    const auto flows = lab_flows(d, slice_s);
    if (flows.empty()) {
      fmt::print(stderr, "xmr-ray train: {}: no nf-{}/ directory and no capture*.pcap\n", d, slice_s);
      return 1;
    }
    auto files = expand_inputs(flows);
    if (!files) {
      fmt::print(stderr, "xmr-ray train: {}\n", files.error().context);
      return 1;
    }
    SourceOptions sopt;
    sopt.active_timeout_s = slice_s;
    SourceCatalog catalog;
    auto source = open_inputs(*files, sopt, catalog, diag);
    ConnectionTable table(*table_opts);
    LabelledWindowCollector collector(*labels, table.options().slice_ms);
    WindowBuilder builder(table.options().slice_ms, o.pipeline.window_slices, collector);
    std::vector<FlowRecord> batch;
    while (true) {
      batch.clear();
      auto n = source->read(batch, 4096);
      if (!n || *n == 0) break;
      for (const auto& r : batch) table.add(r, builder);
    }
    table.flush(builder);
    for (const auto& w : collector.windows()) {
      if (w.mining)
        mining.push_back(w.features);
      else
        ++benign_windows;  // never trained on (one-class): counted so the user sees them ignored
    }
    unlabelled += collector.stats().unlabelled_windows;
  }
  TrainOptions topt;
  topt.learner = *learner;
  topt.detection_quantile = o.quantile;
  topt.seed = o.seed;
  auto model = Model::train(mining, topt);
  if (!model) {
    fmt::print(stderr, "xmr-ray train: {}\n", model.error().context);
    return 1;
  }
  std::ofstream out(o.output, std::ios::binary);
  out << model->to_json_text() << "\n";
  if (!out) {
    fmt::print(stderr, "xmr-ray train: {}: cannot write\n", o.output);
    return 1;
  }
  fmt::print(stderr,
             "xmr-ray train: {} mining windows (slice {} s, window {}), {} benign and {} unlabelled windows not used; "
             "learner {}, threshold {:.6g} at quantile {}; wrote {}\n",
             mining.size(), slice_s, o.pipeline.window_slices, benign_windows, unlabelled, o.learner,
             model->threshold(), o.quantile, o.output);
  return 0;
}

}  // namespace

void register_train(CLI::App& app, CommandList& commands) {
  auto o = std::make_shared<TrainCliOptions>();
  auto* sub = app.add_subcommand("train", "Train a one-class model on the mining windows of labelled lab data");
  sub->add_option("--data", o->data, "Lab output directory with labels.csv and nf-<slice>/ or capture*.pcap (repeatable)")
      ->required();
  sub->add_option("-o,--output", o->output, "Model file to write")->required();
  sub->add_option("--learner", o->learner, "isolation_forest, knn_distance or ocsvm");
  sub->add_option("--quantile", o->quantile, "Share of held-out mining windows that must alert")
      ->check(CLI::Range(0.5, 1.0));
  sub->add_option("--seed", o->seed, "Seed: the same data and seed give the same model");
  add_pipeline_options(*sub, o->pipeline);
  sub->footer(
      "Examples:\n"
      "  xmr-ray lab --engine synth --scenario train --out lab/train && xmr-ray train --data lab/train -o model.json\n"
      "  xmr-ray train --data lab/a --data lab/b --slice 60 --window 10 --learner ocsvm -o model.json");
  commands.add(sub, [o] { return run_train(*o); });
}

}  // namespace xmr::cli
