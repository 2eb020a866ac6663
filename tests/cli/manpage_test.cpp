// docs/xmr-ray.1: generated from the binary's --help (scripts/make-manpage), so it must be what
// the generator makes of the binary just built; independently of the generator, every subcommand
// and every long option `--help` lists must be in it; and groff and man must render it without a
// warning (each check skipped when its tool is absent).
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "support/test_support.h"

namespace xmr {
namespace {

using test::run;
using test::sh_quote;

std::filesystem::path page() { return test::source_dir() / "docs" / "xmr-ray.1"; }
std::string bin() { return sh_quote(test::xmr_binary().string()); }
bool have(const char* tool) { return run(std::string("command -v ") + tool).exit_code == 0; }

TEST(ManPage, IsWhatTheGeneratorMakesOfThisBinary) {
  if (!have("python3")) GTEST_SKIP() << "python3 is not installed";
  const auto r = run(sh_quote((test::source_dir() / "scripts" / "make-manpage").string()) + " " + bin());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == test::read_file(page()))
      << "docs/xmr-ray.1 is stale: run scripts/make-manpage build/xmr-ray > docs/xmr-ray.1";
}

TEST(ManPage, NamesEverySubcommandAndOption) {
  // The page's text with roff's escaped hyphens made plain.
  const std::string text = std::regex_replace(test::read_file(page()), std::regex(R"(\\-)"), "-");
  const std::string top = run(bin() + " --help").out;
  const std::regex subcommand(R"(^  (\w+)\s{2,})", std::regex::multiline);
  std::set<std::string> commands;
  for (auto it = std::sregex_iterator(top.begin(), top.end(), subcommand); it != std::sregex_iterator(); ++it)
    commands.insert((*it)[1]);
  EXPECT_GE(commands.size(), 8u) << top;
  // The long name at the start of each option line ("  -w,--alerts TEXT ..."); --help is in
  // the SYNOPSIS, not repeated per command.
  const std::regex long_option(R"(^  (?:-\w,)?(--[a-z][a-z0-9-]*))", std::regex::multiline);
  for (const auto& c : commands) {
    EXPECT_NE(text.find(".SS \"xmr-ray " + c + "\""), std::string::npos) << c;
    const std::string help = run(bin() + " " + c + " --help").out;
    const std::string options = help.substr(0, help.find("\n\n", help.find("Options:")));
    int listed = 0;
    for (auto it = std::sregex_iterator(options.begin(), options.end(), long_option); it != std::sregex_iterator(); ++it) {
      if ((*it)[1] == "--help") continue;
      ++listed;
      EXPECT_NE(text.find("\\fB" + (*it)[1].str() + "\\fR"), std::string::npos) << c << " " << (*it)[1];
    }
    EXPECT_GT(listed, 0) << c;
  }
}

TEST(ManPage, GroffRendersWithoutWarnings) {
  if (!have("groff")) GTEST_SKIP() << "groff is not installed (groff-base)";
  const auto r = run("groff -man -ww -z " + sh_quote(page().string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

TEST(ManPage, ManRendersWithoutWarnings) {
  if (!have("man")) GTEST_SKIP() << "man is not installed (man-db)";
  const auto r = run("MANWIDTH=80 man --warnings -l " + sh_quote(page().string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("xmr-ray collect"), std::string::npos);
}

}  // namespace
}  // namespace xmr
