// `xmr-ray eval`: train (or load) a model, score every labelled window of the test data, run the
// baselines on the same records, and write the report (docs/evaluation.md).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/model_option.h"
#include "cli/pipeline_options.h"
#include "detect/window_builder.h"
#include "eval/baselines/flow_baselines.h"
#include "eval/evaluation.h"
#include "eval/labelled_windows.h"
#include "eval/report.h"
#include "sources/open_source.h"

namespace xmr::cli {

namespace {

namespace fs = std::filesystem;

struct EvalCliOptions {
  std::vector<std::string> train;
  std::vector<std::string> test;
  std::string model_path;
  std::vector<std::size_t> windows;
  std::string report;
  std::string learner = "knn_distance";  // the learner docs/model.md chose on validation
  double quantile = 0.98;
  std::uint64_t seed = 1;
  bool no_baselines = false;
  std::string ndpi = "ndpiReader";
  std::vector<std::string> holdout_pools;
  PipelineOptions pipeline;
};

// Leave-pools-out (--holdout-pools): training never sees a mining connection of a held-out
// pool, and testing scores only the held-out pools' mining connections (and every benign one).
// Train and test should be different lab runs (seeds), so no benign connection is in both.
enum class Role { train, test };
bool keep_connection(const ConnectionLabel& l, Role role, const std::vector<std::string>& holdout) {
  if (holdout.empty() || !l.mining) return true;
  const bool held = std::find(holdout.begin(), holdout.end(), l.pool) != holdout.end();
  return role == Role::train ? !held : held;
}

// A lab directory's labels and flow records, in memory (lab data sets are evaluation-sized).
struct LabData {
  std::string dir;
  std::unique_ptr<LabelSet> labels;
  std::vector<FlowRecord> records;
  std::uint64_t unlabelled_records = 0;
};

// The flows of a lab directory at an active timeout: DIR/nf-<T>/ (metered by nfpcapd) if
// present, else its captures through our meter (the same rule as `xmr-ray train`).
std::vector<std::string> lab_flows(const fs::path& dir, std::uint32_t slice_s) {
  const fs::path nf = dir / fmt::format("nf-{}", slice_s);
  if (slice_s != 0 && fs::is_directory(nf)) return {nf.string()};  // 0: the captures themselves
  std::vector<std::string> pcaps;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().filename().string().rfind("capture", 0) == 0 && e.path().extension() == ".pcap")
      pcaps.push_back(e.path().string());
  std::sort(pcaps.begin(), pcaps.end());
  return pcaps;
}

result<LabData> load_lab(const std::string& dir, std::uint32_t slice_s, Diagnostics& diag, Role role,
                         const std::vector<std::string>& holdout) {
  LabData d;
  d.dir = dir;
  auto labels = LabelSet::load((fs::path(dir) / "labels.csv").string(), diag);
  if (!labels) return tl::unexpected(labels.error());
  d.labels = std::make_unique<LabelSet>(std::move(*labels));
  const auto flows = lab_flows(dir, slice_s);
  if (flows.empty()) return make_error(errc::io_error, fmt::format("{}: no nf-{}/ directory and no capture*.pcap", dir, slice_s));
  auto files = expand_inputs(flows);
  if (!files) return tl::unexpected(files.error());
  SourceOptions sopt;
  sopt.active_timeout_s = slice_s;
  SourceCatalog catalog;
  auto source = open_inputs(*files, sopt, catalog, diag);
  while (true) {
    const auto before = d.records.size();
    auto n = source->read(d.records, 65536);
    if (!n || *n == 0) break;
    // Keep only labelled TCP connections: everything else is outside the evaluation.
    auto keep = std::remove_if(d.records.begin() + std::ptrdiff_t(before), d.records.end(), [&](const FlowRecord& r) {
      const ConnectionLabel* l = r.is_tcp() ? d.labels->find(key_of(r).key) : nullptr;
      const bool out = l == nullptr || !keep_connection(*l, role, holdout);
      d.unlabelled_records += out;
      return out;
    });
    d.records.erase(keep, d.records.end());
  }
  return d;
}

std::vector<LabelledWindow> windows_of(const LabData& d, const ConnectionTableOptions& topt, std::size_t lw,
                                       LabelledWindowStats& stats) {
  ConnectionTable table(topt);
  LabelledWindowCollector collector(*d.labels, topt.slice_ms);
  WindowBuilder builder(topt.slice_ms, lw, collector);
  // The windows detection scores, early ones included (a connection shorter than lW slices is
  // scored once it lasts DetectorOptions::early_min_duration_ms): at 1800 s slices nearly every
  // window a detector sees is early, so a model that never saw one would not know them.
  builder.enable_early_windows(DetectorOptions{}.early_min_duration_ms);
  for (const auto& r : d.records) table.add(r, builder);
  table.flush(builder);
  stats.windows += collector.stats().windows;
  stats.mining_windows += collector.stats().mining_windows;
  stats.prefiltered_windows += collector.stats().prefiltered_windows;
  stats.unlabelled_windows += collector.stats().unlabelled_windows;
  return std::move(collector.windows());
}

// nDPI's verdict per connection of a lab capture: `ndpiReader -q -i PCAP -C CSV` (nDPI 4.x CSV:
// src_ip, src_port, dst_ip, dst_port in columns 6-9, ndpi_proto in 11, e.g. "Mining" or
// "TLS.Mining"). Returns the connections (client -> server names) nDPI called Mining.
result<std::set<std::string>> ndpi_mining(const std::string& ndpi, const LabData& d, const fs::path& scratch) {
  std::set<std::string> out;
  const auto csv = scratch / "ndpi.csv";
  for (const auto& pcap : lab_flows(d.dir, 0)) {
    const auto cmd = fmt::format("'{}' -q -i '{}' -C '{}' >/dev/null 2>&1", ndpi, pcap, csv.string());
    if (std::system(cmd.c_str()) != 0) return make_error(errc::io_error, fmt::format("{}: `{}` failed", pcap, cmd));
    std::ifstream in(csv);
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      std::size_t start = 0;
      for (std::size_t c = line.find(','); f.size() < 12; c = line.find(',', start)) {
        f.push_back(line.substr(start, c == std::string::npos ? std::string::npos : c - start));
        if (c == std::string::npos) break;
        start = c + 1;
      }
      if (f.size() < 11 || f[0].empty() || f[0][0] == '#' || f[10].find("Mining") == std::string::npos) continue;
      FlowRecord r;
      auto src = IpAddress::parse(f[5]), dst = IpAddress::parse(f[7]);
      if (!src || !dst) continue;
      r.src_addr = *src;
      r.dst_addr = *dst;
      r.src_port = static_cast<std::uint16_t>(std::atoi(f[6].c_str()));
      r.dst_port = static_cast<std::uint16_t>(std::atoi(f[8].c_str()));
      r.proto = proto_tcp;
      if (const auto* l = d.labels->find(key_of(r).key)) out.insert(eval::connection_name(*l));
    }
  }
  return out;
}

std::string command_line(const EvalCliOptions& o, std::uint32_t slice_s) {
  std::string c = "xmr-ray eval";
  for (const auto& t : o.train) c += " --train " + t;
  for (const auto& t : o.test) c += " --test " + t;
  if (!o.model_path.empty()) c += " --model " + o.model_path;
  c += fmt::format(" --slice {} --window {}", slice_s, fmt::join(o.windows, ","));
  if (o.model_path.empty()) c += fmt::format(" --learner {} --quantile {} --seed {}", o.learner, o.quantile, o.seed);
  if (o.no_baselines) c += " --no-baselines";
  if (!o.holdout_pools.empty()) c += fmt::format(" --holdout-pools {}", fmt::join(o.holdout_pools, ","));
  return c + " --report " + o.report;
}

int run_eval(EvalCliOptions o) {
  if (o.windows.empty()) o.windows.push_back(o.pipeline.window_slices);
  for (auto w : o.windows)
    if (w == 0) {
      fmt::print(stderr, "xmr-ray eval: --window must be at least 1\n");
      return 2;
    }
  auto learner = parse_learner(o.learner);
  if (!learner) {
    fmt::print(stderr, "xmr-ray eval: {}\n", learner.error().context);
    return 2;
  }
  const std::uint32_t slice_s = o.pipeline.slice_s ? o.pipeline.slice_s : 300;
  auto topt = table_options(o.pipeline, slice_s);
  if (!topt) {
    fmt::print(stderr, "xmr-ray eval: {}\n", topt.error().context);
    return 2;
  }
  std::uint64_t problems = 0;
  Diagnostics diag([&](const Problem& p) {
    ++problems;
    fmt::print(stderr, "xmr-ray eval: {}\n", format_problem(p));
  });
  std::optional<ModelSet> given_set;
  const Model* given = nullptr;  // the model of the set trained nearest --slice
  if (!o.model_path.empty()) {
    auto m = load_model_option(o.model_path);
    if (!m) {
      fmt::print(stderr, "xmr-ray eval: {}\n", m.error().context);
      return 1;
    }
    given_set = std::move(m->models);
    given = &given_set->select(slice_s);
  }
  std::vector<LabData> train, test;
  for (const auto* list : {&o.train, &o.test})
    for (const auto& d : *list) {
      auto data = load_lab(d, slice_s, diag, list == &o.train ? Role::train : Role::test, o.holdout_pools);
      if (!data) {
        fmt::print(stderr, "xmr-ray eval: {}\n", data.error().context);
        return 1;
      }
      (list == &o.train ? train : test).push_back(std::move(*data));
    }

  eval::ReportInput report;
  report.command_line = command_line(o, slice_s);
  report.version = std::string(version_string());
  report.train_dirs = o.train;
  report.test_dirs = o.test;
  report.slice_s = slice_s;
  report.seed = o.seed;
  report.primary_window = o.windows.front();
  report.model = given ? o.model_path
                       : fmt::format("trained on the mining windows of --train ({}, quantile {}, seed {})", o.learner,
                                     o.quantile, o.seed);
  // Every labelled test connection that has records: the denominator at connection level.
  std::vector<eval::ScoredItem> all_connections;
  for (const auto& d : test) {
    std::set<std::string> seen;
    for (const auto& r : d.records) {
      const auto* l = d.labels->find(key_of(r).key);
      auto name = d.dir + " " + eval::connection_name(*l);
      if (seen.insert(name).second) all_connections.push_back({0, l, std::move(name), 0, d.dir});
    }
  }
  nlohmann::json counters;
  for (std::size_t wi = 0; wi < o.windows.size(); ++wi) {
    const std::size_t lw = o.windows[wi];
    std::optional<Model> trained;
    LabelledWindowStats train_stats, test_stats;
    if (!given) {
      std::vector<FeatureVector> mining;
      for (const auto& d : train)
        for (const auto& w : windows_of(d, *topt, lw, train_stats))
          if (w.mining) mining.push_back(w.features);
      TrainOptions t;
      t.learner = *learner;
      t.detection_quantile = o.quantile;
      t.seed = o.seed;
      t.slice_s = slice_s;
      t.window_slices = static_cast<std::uint32_t>(lw);
      if (mining.empty() && wi > 0) {
        // Connections shorter than lW slices give no window: that lW is not measurable on this data.
        fmt::print(stderr, "xmr-ray eval: lW {}: no mining window in the training data (connections shorter than {} slices); skipped\n",
                   lw, lw);
        counters["skipped_windows"].push_back(lw);
        continue;
      }
      auto m = Model::train(mining, t);
      if (!m) {
        fmt::print(stderr, "xmr-ray eval: lW {}: {}\n", lw, m.error().context);
        return 1;
      }
      trained = std::move(*m);
    }
    const Model& model = given ? *given : *trained;
    std::vector<eval::ScoredItem> items;
    for (const auto& d : test)
      for (const auto& w : windows_of(d, *topt, lw, test_stats))
        items.push_back({-model.score(w.features), w.label, d.dir + " " + eval::connection_name(*w.label), w.end_ms, d.dir});
    if (items.empty() && wi > 0) {
      fmt::print(stderr, "xmr-ray eval: lW {}: no test window; skipped\n", lw);
      counters["skipped_windows"].push_back(lw);
      continue;
    }
    // The model alerts at score <= threshold, i.e. suspicion >= -threshold.
    const double operating = std::nextafter(-model.threshold(), -INFINITY);
    auto summary = eval::summarise("xmr-ray", items, operating, true, all_connections);
    counters[fmt::format("lw_{}", lw)] = {{"train_windows", train_stats.windows}, {"train_mining_windows", train_stats.mining_windows},
                                          {"test_windows", test_stats.windows}, {"test_mining_windows", test_stats.mining_windows},
                                          {"test_prefiltered_windows", test_stats.prefiltered_windows}};
    fmt::print(stderr, "xmr-ray eval: lW {}: {} test windows ({} mining), window AUC {:.4f}\n", lw, test_stats.windows,
               test_stats.mining_windows, summary.levels.front().auc);
    if (wi == 0) report.primary = summary;
    report.by_window.emplace_back(lw, std::move(summary));
  }
  std::sort(report.by_window.begin(), report.by_window.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (report.by_window.size() < 2) report.by_window.clear();  // one lW: no curve to draw

  if (!o.no_baselines) {
    eval::FlowTap train_tap(topt->slice_ms), test_tap(topt->slice_ms);
    for (auto pair : {std::make_pair(&train, &train_tap), std::make_pair(&test, &test_tap)})
      for (const auto& d : *pair.first)
        for (const auto& r : d.records) pair.second->add(r, *d.labels->find(key_of(r).key), d.dir);
    for (auto& run : eval::run_baselines(train_tap, test_tap, o.seed)) {
      report.baseline_notes.push_back(run.description + "; " + run.note);
      report.baselines.emplace_back(run.name,
                                    eval::summarise(run.name, run.items, run.operating_threshold, false, all_connections));
    }
    if (o.ndpi != "none") {
      // Packet-level DPI on the same captures: one item per labelled connection.
      std::vector<eval::ScoredItem> items;
      std::set<std::string> hits;
      std::error_code ec;
      fs::create_directories(o.report, ec);
      for (const auto& d : test) {
        auto h = ndpi_mining(o.ndpi, d, o.report);
        if (!h) {
          fmt::print(stderr, "xmr-ray eval: nDPI baseline: {} (--ndpi none skips it)\n", h.error().context);
          return 1;
        }
        for (const auto& name : *h) hits.insert(d.dir + " " + name);
      }
      for (const auto& [name, c] : test_tap.connections())
        items.push_back({hits.count(name) ? 1.0 : 0.0, c.label, name, c.label->start_ms, c.scope});
      fs::remove(fs::path(o.report) / "ndpi.csv", ec);
      report.baseline_notes.push_back("nDPI ndpiReader on the test captures, protocol Mining (packet-level DPI reference)");
      report.baselines.emplace_back("ndpi", eval::summarise("ndpi", items, 0.5, false, all_connections));
    }
  }
  std::uint64_t records = 0, unlabelled = 0;
  for (const auto* v : {&train, &test})
    for (const auto& d : *v) {
      records += d.records.size();
      unlabelled += d.unlabelled_records;
    }
  counters["labelled_tcp_records"] = records;
  counters["records_not_evaluated"] = unlabelled;
  counters["input_problems"] = problems;
  report.extra = counters;
  if (auto w = eval::write_report(o.report, report); !w) {
    fmt::print(stderr, "xmr-ray eval: {}\n", w.error().context);
    return 1;
  }
  fmt::print(stderr, "xmr-ray eval: wrote {}/report.md, report.html, results.json\n", o.report);
  return 0;
}

}  // namespace

void register_eval(CLI::App& app, CommandList& commands) {
  auto o = std::make_shared<EvalCliOptions>();
  auto* sub = app.add_subcommand("eval", "Evaluate XMR-Ray and the baselines on labelled lab data; write a report");
  sub->add_option("--train", o->train, "Lab output directory to train on (repeatable)")->required();
  sub->add_option("--test", o->test, "Lab output directory to test on (repeatable)")->required();
  sub->add_option("--model", o->model_path, "Use this model instead of training one on --train");
  sub->add_option("--window", o->windows, "Window length(s) lW in slices; several (e.g. 1,5,10,30) draw DR vs lW; "
                                          "the first is the report's primary")
      ->delimiter(',');
  sub->add_option("--report", o->report, "Output directory: report.md, report.html, results.json, SVG plots")->required();
  sub->add_option("--learner", o->learner, "knn_distance (default), isolation_forest or ocsvm (when training)");
  sub->add_option("--quantile", o->quantile, "Share of held-out mining windows that must alert (when training)")
      ->check(CLI::Range(0.5, 1.0));
  sub->add_option("--seed", o->seed, "Seed for training and baselines");
  sub->add_flag("--no-baselines", o->no_baselines, "Evaluate XMR-Ray only");
  sub->add_option("--holdout-pools", o->holdout_pools,
                  "Leave these pools out of training and test only their mining connections (novel pools)")
      ->delimiter(',');
  sub->add_option("--ndpi", o->ndpi, "ndpiReader binary for the nDPI baseline, or `none`");
  sub->add_option("--slice", o->pipeline.slice_s, "Slice length in seconds (the exporter's active timeout; default 300)");
  sub->add_option("--home-net", o->pipeline.home_net, "CIDR of the monitored network (repeatable)");
  sub->footer(
      "Examples:\n"
      "  xmr-ray lab --scenario smoke --seed 1 --out lab/a && xmr-ray lab --scenario smoke --seed 2 --out lab/b\n"
      "  xmr-ray eval --train lab/a --test lab/b --report out\n"
      "  xmr-ray eval --train lab/a --test lab/b --slice 60 --window 10,1,2,5,20,30 --report out\n"
      "  xmr-ray eval --train lab/a --test lab/b --model model.json --no-baselines --report out");
  commands.add(sub, [o] { return run_eval(*o); });
}

}  // namespace xmr::cli
