// `xmr-ray eval` end to end on two small lab runs: the report's numbers agree with the labels,
// every baseline ran, and a headless chromium renders report.html to a non-blank screenshot.
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace xmr {

namespace {

using test::run;
using test::sh_quote;

struct LabelCounts {
  std::set<std::string> mining_pools;
  std::size_t mining = 0, benign = 0;
};

LabelCounts count_labels(const std::filesystem::path& labels_csv) {
  LabelCounts c;
  std::ifstream in(labels_csv);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    EXPECT_GE(f.size(), 9u);
    if (f.size() < 9) continue;
    if (f[5] == "mining") {
      ++c.mining;
      c.mining_pools.insert(f[8]);
    } else {
      ++c.benign;
    }
  }
  return c;
}

void make_lab(const std::filesystem::path& out, int seed) {
  const auto r = run(sh_quote(test::xmr_binary().string()) + " lab --engine synth --scenario smoke --hours 0.25 --seed " +
                     std::to_string(seed) + " --active-timeouts 60 -q --out " + sh_quote(out.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace

TEST(EvalCommand, ReportAgreesWithLabelsAndRendersInChromium) {
  test::TempDir d;
  // One lab run as both train and test keeps the test short: it checks the plumbing, not generalisation.
  make_lab(d / "b", 2);
  const auto out = d / "out";
  const auto r = run(sh_quote(test::xmr_binary().string()) + " eval --train " + sh_quote((d / "b").string()) + " --test " +
                     sh_quote((d / "b").string()) + " --slice 60 --window 3,1,2 --report " + sh_quote(out.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const auto j = nlohmann::json::parse(test::read_file(out / "results.json"));
  const auto truth = count_labels(d / "b" / "labels.csv");
  EXPECT_EQ(j["primary_window"], 3);
  EXPECT_EQ(j["slice_s"], 60);
  const auto& levels = j["xmr_ray"]["levels"];
  ASSERT_EQ(levels.size(), 3u);
  EXPECT_EQ(levels[0]["level"], "window");
  EXPECT_EQ(levels[1]["level"], "connection");
  // Every scored connection is a labelled one: never more than labels.csv has of each class.
  EXPECT_GT(levels[1]["positives"].get<std::size_t>(), 0u);
  EXPECT_LE(levels[1]["positives"].get<std::size_t>(), truth.mining);
  EXPECT_GT(levels[1]["negatives"].get<std::size_t>(), 0u);
  EXPECT_LE(levels[1]["negatives"].get<std::size_t>(), truth.benign);
  // Windows outnumber connections; the benign count behind each FPR target is the benign windows.
  EXPECT_GE(levels[0]["positives"].get<std::size_t>(), levels[1]["positives"].get<std::size_t>());
  for (const auto& d5 : levels[0]["at_fpr"]) {
    EXPECT_EQ(d5["benign"], levels[0]["negatives"]);
    EXPECT_EQ(d5["detection"]["interval"], "wilson");
  }
  const double auc = levels[0]["auc"];
  EXPECT_GE(auc, 0.0);
  EXPECT_LE(auc, 1.0);
  for (const auto& p : j["xmr_ray"]["per_pool"]) EXPECT_EQ(truth.mining_pools.count(p["name"]), 1u) << p["name"];
  EXPECT_EQ(j["by_window"].size(), 3u);
  std::set<std::string> baselines;
  for (const auto& b : j["baselines"]) {
    baselines.insert(b["name"]);
    EXPECT_EQ(b["summary"]["levels"][0]["level"], "connection");
    EXPECT_LE(b["summary"]["levels"][0]["positives"].get<std::size_t>(), truth.mining);
  }
  EXPECT_EQ(baselines, (std::set<std::string>{"munoz_c45", "munoz_oneclass", "nemea", "vesely_j48", "ports_pools", "ndpi"}));

  const auto md = test::read_file(out / "report.md");
  EXPECT_NE(md.find("| level | mining | benign | AUC |"), std::string::npos);
  EXPECT_NE(md.find("![ROC curves"), std::string::npos);
  for (const char* svg : {"roc.svg", "dr_vs_lw.svg"}) {
    const auto x = run("python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' " + sh_quote((out / svg).string()));
    EXPECT_EQ(x.exit_code, 0) << svg << ": not well-formed XML: " << x.err;
  }

  // A required tool missing is a failure, not a skip (install-deps installs chromium).
  const auto shot = d / "shot.png";
  const auto c = run("chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,1600 --screenshot=" +
                     sh_quote(shot.string()) + " " + sh_quote("file://" + (out / "report.html").string()));
  ASSERT_EQ(c.exit_code, 0) << "chromium: " << c.err;
  const auto s = run("python3 " + sh_quote((test::source_dir() / "tests/eval/png_stats.py").string()) + " " + sh_quote(shot.string()));
  ASSERT_EQ(s.exit_code, 0) << s.err;
  std::istringstream in(s.out);
  long w = 0, h = 0, non_white = 0, colours = 0;
  in >> w >> h >> non_white >> colours;
  EXPECT_EQ(w, 1000);
  EXPECT_GT(non_white, w * h / 100) << "screenshot nearly blank: " << s.out;
  EXPECT_GT(colours, 8) << "text only, no plot colours: " << s.out;
}

TEST(EvalCommand, BadInputsAreNamedErrors) {
  test::TempDir d;
  std::filesystem::create_directories(d / "empty");
  auto r = run(sh_quote(test::xmr_binary().string()) + " eval --train " + sh_quote((d / "empty").string()) + " --test " +
               sh_quote((d / "empty").string()) + " --report " + sh_quote((d / "out").string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("labels.csv"), std::string::npos) << r.err;
  r = run(sh_quote(test::xmr_binary().string()) + " eval --train x --test y --window 0 --report z");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_FALSE(std::filesystem::exists(d / "out"));
}

}  // namespace xmr
