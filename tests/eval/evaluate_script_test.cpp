// scripts/evaluate --quick end to end: lab data, every experiment, results.md with real numbers.
#include <regex>

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace xmr {

TEST(EvaluateScript, QuickModeWritesResults) {
  test::TempDir d;
  const auto r = test::run("XMR_SHARED=" + test::sh_quote(test::shared_dir().string()) + " " +
                           test::sh_quote((test::source_dir() / "scripts/evaluate").string()) + " --quick --bin " +
                           test::sh_quote(test::xmr_binary().string()) + " --out " + test::sh_quote((d / "o").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err << "\n" << test::read_file(d / "o" / "evaluate.log");
  const auto md = test::read_file(d / "o" / "results.md");
  for (const char* section : {"# XMR-Ray evaluation results", "## 1. Detection rate vs window length lW",
                              "## 2. XMR-Ray and the baselines", "## 4. Novel pools", "## 6. Public captures"})
    EXPECT_NE(md.find(section), std::string::npos) << section << "\n" << md;
  // One row per lW with a measured AUC (a number, not n/a), and the seeds at the top.
  for (const char* lw : {"1", "2", "3"})
    EXPECT_TRUE(std::regex_search(md, std::regex(std::string("\\| ") + lw + " \\| [0-9.]+ ±"))) << "lW " << lw << "\n" << md;
  EXPECT_NE(md.find("Seeds: 1"), std::string::npos);
  EXPECT_NE(md.find("| peafowl_monero_xmrstak.pcap | 1 |"), std::string::npos) << md;
}

}  // namespace xmr
