// `xmr-ray train`: a one-class model from the mining windows of labelled lab output.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>
#include <unordered_map>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/pipeline_options.h"
#include "detect/window_builder.h"
#include "eval/labels.h"
#include "eval/labelled_windows.h"
#include "sources/open_source.h"
#include "stratum/size_cache.h"
#include "stratum/stratum_estimate.h"

namespace xmr::cli {

namespace {

namespace fs = std::filesystem;

struct TrainCliOptions {
  std::vector<std::string> data;
  std::vector<std::string> validate;
  bool check_reconstruction = false;
  std::string output;
  std::string features_csv;
  std::vector<std::uint32_t> slices;  // --slices: one model per slice length, in one file
  std::string learner = "knn_distance";  // the learner docs/model.md chose on validation
  double quantile = 0.98;
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

// The labelled windows of one lab directory, through the same table and window builder as
// detection. `labels` must outlive the windows' use.
result<std::vector<LabelledWindow>> lab_windows(const std::string& d, const LabelSet& labels,
                                                const ConnectionTableOptions& table_opts, std::uint32_t slice_s,
                                                std::size_t window_slices, Diagnostics& diag,
                                                std::uint64_t& unlabelled) {
  const auto flows = lab_flows(d, slice_s);
  if (flows.empty()) return make_error(errc::bad_argument, fmt::format("{}: no nf-{}/ directory and no capture*.pcap", d, slice_s));
  auto files = expand_inputs(flows);
  if (!files) return tl::unexpected(files.error());
  SourceOptions sopt;
  sopt.active_timeout_s = slice_s;
  SourceCatalog catalog;
  auto source = open_inputs(*files, sopt, catalog, diag);
  ConnectionTable table(table_opts);
  LabelledWindowCollector collector(labels, table.options().slice_ms);
  WindowBuilder builder(table.options().slice_ms, window_slices, collector);
  // The windows detection scores, early ones included (a connection shorter than lW slices is
  // scored once it lasts DetectorOptions::early_min_duration_ms): at 1800 s slices nearly every
  // window a detector sees is early, so a model that never saw one would not know them.
  builder.enable_early_windows(DetectorOptions{}.early_min_duration_ms);
  std::vector<FlowRecord> batch;
  while (true) {
    batch.clear();
    auto n = source->read(batch, 4096);
    if (!n || *n == 0) break;
    for (const auto& r : batch) table.add(r, builder);
  }
  table.flush(builder);
  unlabelled += collector.stats().unlabelled_windows;
  return std::move(collector.windows());
}

// --features-csv: every window of --data and --validate with its label, as CSV for analysis
// (which features separate which profiles): set,slice_s,dir,profile,pool,tls,label,client,server,ordinal,<features>.
class FeatureCsv {
 public:
  bool open(const std::string& path) {
    out_.open(path, std::ios::binary);
    if (!out_) return false;
    out_ << "set,slice_s,dir,profile,pool,tls,label,client,server,ordinal";
    for (std::size_t i = 0; i < feature_count; ++i) out_ << ',' << feature_name(static_cast<Feature>(i));
    out_ << '\n';
    return true;
  }
  void write(std::string_view set, std::uint32_t slice_s, const std::string& dir, const std::vector<LabelledWindow>& windows) {
    if (!out_.is_open()) return;
    for (const auto& w : windows) {
      const ConnectionLabel* l = w.label;
      out_ << set << ',' << slice_s << ',' << dir << ',' << (l ? l->profile : "?") << ',' << (l ? l->pool : "?") << ',' << (l && l->tls ? 1 : 0) << ',' << (w.mining ? "mining" : "benign") << ','
           << w.connection.low.addr.to_string() << ':' << w.connection.low.port << ','
           << w.connection.high.addr.to_string() << ':' << w.connection.high.port << ',' << w.ordinal;
      for (double v : w.features) out_ << ',' << fmt::format("{:.6g}", v);
      out_ << '\n';
    }
  }
  bool ok() const { return !out_.is_open() || out_.good(); }

 private:
  std::ofstream out_;
};

// Validation (docs/model.md): how the trained model separates the mining windows of validation
// lab data from its benign ones. Benign windows are only scored, never trained on.
struct ValidationFigures {
  std::size_t mining = 0, benign = 0;
  double detection = 0, false_positive_rate = 0;  // at the model's own threshold
  double auc = 0;                                 // P(a mining window scores below a benign one)
  double detection_at_1pct = 0, detection_at_0 = 0;  // with the threshold moved to that benign FPR
};

ValidationFigures validate(const Model& model, const std::vector<LabelledWindow>& windows, const LabelSet& labels) {
  std::vector<double> m, b;
  std::vector<std::pair<std::string, std::pair<std::size_t, std::size_t>>> per_profile;  // profile -> (alerts, windows)
  for (const auto& w : windows) {
    const double s = model.score(w.features);
    (w.mining ? m : b).push_back(s);
    const ConnectionLabel* l = labels.find(w.connection);
    const std::string profile = l ? l->profile : "?";
    auto it = std::find_if(per_profile.begin(), per_profile.end(), [&](const auto& p) { return p.first == profile; });
    if (it == per_profile.end()) it = per_profile.insert(per_profile.end(), {profile, {0, 0}});
    it->second.first += model.alerts(s);
    ++it->second.second;
  }
  std::sort(m.begin(), m.end());
  std::sort(b.begin(), b.end());
  ValidationFigures f;
  f.mining = m.size();
  f.benign = b.size();
  auto share_at_or_below = [](const std::vector<double>& v, double t) {
    return v.empty() ? 0.0
                     : static_cast<double>(std::upper_bound(v.begin(), v.end(), t) - v.begin()) / static_cast<double>(v.size());
  };
  f.detection = share_at_or_below(m, model.threshold());
  f.false_positive_rate = share_at_or_below(b, model.threshold());
  // AUC by the rank-sum (Mann-Whitney U), ties counting one half.
  double u = 0;
  for (double s : m) {
    const auto lo = std::lower_bound(b.begin(), b.end(), s), hi = std::upper_bound(b.begin(), b.end(), s);
    u += static_cast<double>(b.end() - hi) + 0.5 * static_cast<double>(hi - lo);
  }
  f.auc = m.empty() || b.empty() ? 0.0 : u / (static_cast<double>(m.size()) * static_cast<double>(b.size()));
  // Detection when at most k benign windows may alert: the threshold just below the (k+1)-th
  // lowest benign score.
  auto detection_allowing = [&](std::size_t k) {
    if (b.size() <= k) return 1.0;
    const double t = b[k];
    return m.empty() ? 0.0
                     : static_cast<double>(std::lower_bound(m.begin(), m.end(), t) - m.begin()) / static_cast<double>(m.size());
  };
  f.detection_at_0 = detection_allowing(0);
  f.detection_at_1pct = detection_allowing(static_cast<std::size_t>(0.01 * static_cast<double>(b.size())));
  for (const auto& [profile, counts] : per_profile)
    fmt::print(stderr, "  validation {:<22} {:>6} windows, {:>6} alert\n", profile, counts.second, counts.first);
  return f;
}

// Reconstruction accuracy against the lab's truth (DIR/messages.csv, docs/detection.md): the
// job and share (submit) counts the reconstruction gives, per slice and per window of lW
// slices, for every mining connection, with sizes learned per window (what detection did first)
// and with the per-connection SizeTracker (stratum/size_cache.h).
struct TruthCounts {
  std::uint32_t jobs = 0, submits = 0;
};
using TruthMap = std::unordered_map<ConnectionKey, std::map<std::int64_t, TruthCounts>, ConnectionKeyHash>;

result<TruthMap> load_truth(const fs::path& path, std::int64_t slice_ms) {
  std::ifstream in(path);
  if (!in) return make_error(errc::io_error, fmt::format("{}: cannot open", path.string()));
  TruthMap truth;
  std::string line;
  std::uint64_t line_no = 0;
  while (std::getline(in, line)) {
    if (++line_no == 1) continue;  // header
    std::vector<std::string_view> f;
    std::string_view rest = line;
    for (std::size_t at; (at = rest.find(',')) != std::string_view::npos; rest.remove_prefix(at + 1)) f.push_back(rest.substr(0, at));
    f.push_back(rest);
    if (f.size() != 8) return make_error(errc::bad_line, fmt::format("{}: line {}: {} fields, want 8", path.string(), line_no, f.size()));
    const auto c = IpAddress::parse(f[0]), sv = IpAddress::parse(f[2]);
    if (!c || !sv) return make_error(errc::bad_line, fmt::format("{}: line {}: bad address", path.string(), line_no));
    const Endpoint a{*c, static_cast<std::uint16_t>(std::stoul(std::string(f[1])))};
    const Endpoint b{*sv, static_cast<std::uint16_t>(std::stoul(std::string(f[3])))};
    ConnectionKey k;
    k.low = std::min(a, b);
    k.high = std::max(a, b);
    k.proto = 6;
    const std::int64_t t = std::stoll(std::string(f[4]));
    const std::int64_t index = t / slice_ms - (t % slice_ms < 0 ? 1 : 0);
    auto& counts = truth[k][index];
    if (f[6] == "job") ++counts.jobs;
    if (f[6] == "submit") ++counts.submits;
  }
  return truth;
}

struct SliceKeeper final : SliceSink {
  std::unordered_map<ConnectionKey, std::pair<ConnectionInfo, std::vector<Slice>>, ConnectionKeyHash> slices;
  void on_slice(const ConnectionInfo& c, const Slice& s) override {
    auto& e = slices[c.key];
    e.first = c;
    e.second.push_back(s);
  }
};

struct AccuracyTally {
  std::uint64_t slices = 0, job_exact = 0, submit_exact = 0;
  double job_abs = 0, submit_abs = 0;                 // summed |estimate - truth| per slice
  std::uint64_t windows = 0, job_within = 0, submit_within = 0;  // windows within 10 % (or 1 message)
  double est_jobs = 0, true_jobs = 0, est_submits = 0, true_submits = 0;
};

int check_reconstruction(const std::string& dir, const ConnectionTableOptions& table_opts, std::uint32_t slice_s,
                         std::size_t lw, Diagnostics& diag) {
  auto labels = LabelSet::load((fs::path(dir) / "labels.csv").string(), diag);
  if (!labels) {
    fmt::print(stderr, "xmr-ray train: {}\n", labels.error().context);
    return 1;
  }
  auto truth = load_truth(fs::path(dir) / "messages.csv", table_opts.slice_ms);
  if (!truth) {
    fmt::print(stderr, "xmr-ray train: {}\n", truth.error().context);
    return 1;
  }
  auto files = expand_inputs(lab_flows(dir, slice_s));
  if (!files) {
    fmt::print(stderr, "xmr-ray train: {}\n", files.error().context);
    return 1;
  }
  SourceOptions sopt;
  sopt.active_timeout_s = slice_s;
  SourceCatalog catalog;
  auto source = open_inputs(*files, sopt, catalog, diag);
  ConnectionTable table(table_opts);
  SliceKeeper keep;
  std::vector<FlowRecord> batch;
  while (true) {
    batch.clear();
    auto n = source->read(batch, 4096);
    if (!n || *n == 0) break;
    for (const auto& r : batch) table.add(r, keep);
  }
  table.flush(keep);
  AccuracyTally per_window, tracker;
  auto within = [](double est, double tru) { return std::abs(est - tru) <= std::max(1.0, 0.1 * tru); };
  std::vector<std::pair<ConnectionKey, std::pair<ConnectionInfo, std::vector<Slice>>>> ordered(keep.slices.begin(), keep.slices.end());
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.low, a.first.high) < std::tie(b.first.low, b.first.high);
  });
  for (const auto& [key, entry] : ordered) {
    const ConnectionLabel* label = labels->find(key);
    if (!label || !label->mining) continue;
    const auto t = truth->find(key);
    const auto& [info, slices] = entry;
    const bool ipv6 = !info.key.low.addr.is_v4();
    SizeTracker sizes_tracker(ipv6);
    for (std::size_t end = std::min(lw, slices.size()); end <= slices.size() && !slices.empty(); ++end) {
      const std::span<const Slice> window = std::span<const Slice>(slices).subspan(end - std::min(lw, end), std::min(lw, end));
      sizes_tracker.add(window);
      const LearnedSizes learned_window = learn_sizes(window, ipv6);
      const LearnedSizes& learned_tracker = sizes_tracker.sizes();
      for (auto* tally : {&per_window, &tracker}) {
        const LearnedSizes& l = tally == &per_window ? learned_window : learned_tracker;
        double wj = 0, ws = 0, tj = 0, ts = 0;
        for (std::size_t i = 0; i < window.size(); ++i) {
          const auto e = estimate_slice(window[i], l);
          TruthCounts tc;
          if (t != truth->end()) {
            auto it = t->second.find(window[i].index);
            if (it != t->second.end()) tc = it->second;
          }
          wj += e.jobs;
          ws += e.submits;
          tj += tc.jobs;
          ts += tc.submits;
          if (i + 1 == window.size()) {  // each slice scored once: as the newest of its window
            ++tally->slices;
            tally->job_exact += e.jobs == tc.jobs;
            tally->submit_exact += e.submits == tc.submits;
            tally->job_abs += std::abs(static_cast<double>(e.jobs) - tc.jobs);
            tally->submit_abs += std::abs(static_cast<double>(e.submits) - tc.submits);
            tally->est_jobs += e.jobs;
            tally->true_jobs += tc.jobs;
            tally->est_submits += e.submits;
            tally->true_submits += tc.submits;
          }
        }
        if (window.size() == lw) {
          ++tally->windows;
          tally->job_within += within(wj, tj);
          tally->submit_within += within(ws, ts);
        }
      }
    }
  }
  for (const auto* tally : {&per_window, &tracker}) {
    const double n = std::max<double>(1, static_cast<double>(tally->slices)), w = std::max<double>(1, static_cast<double>(tally->windows));
    // One markdown row: slice, sizes, slices, exact jobs, exact submits, MAE jobs, MAE submits,
    // windows, windows within 10 % (jobs, submits), total estimate / truth (jobs, submits).
    fmt::print("| {} s | {} | {} | {:.3f} | {:.3f} | {:.2f} | {:.2f} | {} | {:.3f} | {:.3f} | {:.3f} | {:.3f} |\n", slice_s,
               tally == &per_window ? "per window" : "per connection (SizeTracker)", tally->slices,
               tally->job_exact / n, tally->submit_exact / n, tally->job_abs / n, tally->submit_abs / n, tally->windows,
               tally->job_within / w, tally->submit_within / w, tally->est_jobs / std::max(1.0, tally->true_jobs),
               tally->est_submits / std::max(1.0, tally->true_submits));
  }
  return 0;
}

// The model of one slice length, its windows written to --features-csv and validated.
std::optional<Model> train_one(const TrainCliOptions& o, LearnerKind learner, const ConnectionTableOptions& table_opts,
                               std::uint32_t slice_s, FeatureCsv& csv, Diagnostics& diag) {
  std::vector<FeatureVector> mining;
  std::uint64_t benign_windows = 0, unlabelled = 0;
  for (const auto& d : o.data) {
    auto labels = LabelSet::load((fs::path(d) / "labels.csv").string(), diag);
    if (!labels) {
      fmt::print(stderr, "xmr-ray train: {}\n", labels.error().context);
      return std::nullopt;
    }
    auto windows = lab_windows(d, *labels, table_opts, slice_s, o.pipeline.window_slices, diag, unlabelled);
    if (!windows) {
      fmt::print(stderr, "xmr-ray train: {}\n", windows.error().context);
      return std::nullopt;
    }
    csv.write("train", slice_s, d, *windows);
    for (const auto& w : *windows) {
      if (w.mining)
        mining.push_back(w.features);
      else
        ++benign_windows;  // never trained on (one-class): counted so the user sees them ignored
    }
  }
  TrainOptions topt;
  topt.learner = learner;
  topt.detection_quantile = o.quantile;
  topt.seed = o.seed;
  topt.slice_s = slice_s;
  topt.window_slices = static_cast<std::uint32_t>(o.pipeline.window_slices);
  auto model = Model::train(mining, topt);
  if (!model) {
    fmt::print(stderr, "xmr-ray train: {}\n", model.error().context);
    return std::nullopt;
  }
  fmt::print(stderr,
             "xmr-ray train: {} mining windows (slice {} s, window {}), {} benign and {} unlabelled windows not used; "
             "learner {}, threshold {:.6g} at quantile {}\n",
             mining.size(), slice_s, o.pipeline.window_slices, benign_windows, unlabelled, o.learner,
             model->threshold(), o.quantile);
  for (const auto& d : o.validate) {
    auto labels = LabelSet::load((fs::path(d) / "labels.csv").string(), diag);
    if (!labels) {
      fmt::print(stderr, "xmr-ray train: {}\n", labels.error().context);
      return std::nullopt;
    }
    std::uint64_t ignored = 0;
    auto windows = lab_windows(d, *labels, table_opts, slice_s, o.pipeline.window_slices, diag, ignored);
    if (!windows) {
      fmt::print(stderr, "xmr-ray train: {}\n", windows.error().context);
      return std::nullopt;
    }
    csv.write("validate", slice_s, d, *windows);
    const auto f = validate(*model, *windows, *labels);
    // One markdown table row (docs/model.md collects them).
    fmt::print("| {} | {} | {} | {} | {:.4f} | {:.4f} | {:.4f} | {:.4f} | {:.4f} | {} |\n", o.learner, slice_s,
               f.mining, f.benign, f.detection, f.false_positive_rate, f.detection_at_1pct, f.detection_at_0, f.auc, d);
  }
  return std::move(*model);
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
  if (o.check_reconstruction) {
    for (const auto& d : o.data)
      if (int rc = check_reconstruction(d, *table_opts, slice_s, o.pipeline.window_slices, diag)) return rc;
    return 0;
  }
  if (o.output.empty()) {
    fmt::print(stderr, "xmr-ray train: -o/--output is required\n");
    return 2;
  }
  FeatureCsv csv;
  if (!o.features_csv.empty() && !csv.open(o.features_csv)) {
    fmt::print(stderr, "xmr-ray train: {}: cannot write\n", o.features_csv);
    return 1;
  }
  // One model per slice length: a model only fits input sliced as its training data (the
  // features of a 60 s slice and of a 1800 s slice of the same miner differ: docs/model.md).
  std::vector<std::uint32_t> slice_lengths = o.slices;
  if (slice_lengths.empty()) slice_lengths.push_back(slice_s);
  ModelSet set;
  for (const std::uint32_t slice : slice_lengths) {
    PipelineOptions po = o.pipeline;
    po.slice_s = slice;
    auto topts = table_options(po, slice);
    if (!topts) {
      fmt::print(stderr, "xmr-ray train: {}\n", topts.error().context);
      return 2;
    }
    auto model = train_one(o, *learner, *topts, slice, csv, diag);
    if (!model) return 1;
    set.add(std::move(*model));
  }
  std::ofstream out(o.output, std::ios::binary);
  out << set.to_json_text() << "\n";
  if (!out) {
    fmt::print(stderr, "xmr-ray train: {}: cannot write\n", o.output);
    return 1;
  }
  fmt::print(stderr, "xmr-ray train: wrote {} ({} model{})\n", o.output, set.size(), set.size() == 1 ? "" : "s");
  if (!csv.ok()) {
    fmt::print(stderr, "xmr-ray train: {}: write failed\n", o.features_csv);
    return 1;
  }
  return 0;
}

}  // namespace

void register_train(CLI::App& app, CommandList& commands) {
  auto o = std::make_shared<TrainCliOptions>();
  auto* sub = app.add_subcommand("train", "Train a one-class model on the mining windows of labelled lab data");
  sub->add_option("--data", o->data, "Lab output directory with labels.csv and nf-<slice>/ or capture*.pcap (repeatable)")
      ->required();
  sub->add_option("-o,--output", o->output, "Model file to write (required unless --check-reconstruction)");
  sub->add_option("--validate", o->validate,
                  "Lab output directory whose windows (mining and benign) are scored, never trained on: prints "
                  "detection, false-positive rate, detection at 1 % and 0 benign alerts, and AUC (repeatable)");
  sub->add_flag("--check-reconstruction", o->check_reconstruction,
                "Train nothing: compare the reconstructed job and share counts of each --data directory's mining "
                "connections with its truth (messages.csv), per slice and per window; prints markdown rows");
  sub->add_option("--slices", o->slices,
                  "Train one model per slice length (seconds, e.g. 60,300,1800) into one file; detect takes the one "
                  "nearest its input's slice length (default: --slice)")
      ->delimiter(',')
      ->check(CLI::Range(1u, 86400u));
  sub->add_option("--features-csv", o->features_csv,
                  "Also write every window of --data and --validate (profile, label, features) to this CSV");
  sub->add_option("--learner", o->learner, "knn_distance (default), isolation_forest or ocsvm");
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
