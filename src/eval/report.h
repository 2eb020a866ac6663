#pragma once
// The evaluation report: OUTDIR/results.json (every number), OUTDIR/report.md (tables, links to
// the plots), OUTDIR/report.html (the same tables with the SVG plots inline, for a browser) and
// OUTDIR/roc.svg, OUTDIR/dr_vs_lw.svg. The SVGs are drawn by hand: no plotting dependency.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "eval/evaluation.h"

namespace xmr::eval {

struct ReportInput {
  std::string command_line;
  std::string version;
  std::vector<std::string> train_dirs;
  std::vector<std::string> test_dirs;
  std::uint32_t slice_s = 0;
  std::uint64_t seed = 0;
  std::string model;  // where the model came from
  std::size_t primary_window = 0;
  Summary primary;                                       // XMR-Ray at the primary lW
  std::vector<std::pair<std::size_t, Summary>> by_window; // XMR-Ray at every lW evaluated
  std::vector<std::pair<std::string, Summary>> baselines; // name -> summary (connection/host levels)
  std::vector<std::string> baseline_notes;
  nlohmann::json extra;                                   // counters: windows, records, diagnostics
};

nlohmann::json to_json(const Summary& s);
std::string roc_svg(const std::vector<std::pair<std::string, std::vector<RocPoint>>>& curves);
std::string dr_vs_lw_svg(const std::vector<std::pair<std::size_t, Summary>>& by_window);
// Writes every file; an error names the file that could not be written.
result<void> write_report(const std::string& out_dir, const ReportInput& in);

}  // namespace xmr::eval
