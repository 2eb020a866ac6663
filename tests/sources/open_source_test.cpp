// The dispatcher: directory expansion in time order, format detection, and a bad input that
// does not stop the good ones after it.
#include "sources/open_source.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/test_support.h"

namespace xmr {

namespace fs = std::filesystem;
using test::TempDir;
using test::write_file;

TEST(ExpandInputs, DirectoryIsRecursiveSortedAndSkipsHiddenFiles) {
  TempDir d;
  fs::create_directories(d / "2026/11/25");
  fs::create_directories(d / "2026/11/24");
  fs::create_directories(d / ".hidden");
  write_file(d / "2026/11/25/nfcapd.202611250005", "b");
  write_file(d / "2026/11/25/nfcapd.202611250000", "a");
  write_file(d / "2026/11/24/nfcapd.202611242355", "z");
  write_file(d / "2026/11/25/.nfstat", "x");
  write_file(d / ".hidden/nfcapd.202611250010", "h");
  auto files = expand_inputs({d.path().string()});
  ASSERT_TRUE(files);
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ(fs::path((*files)[0]).filename(), "nfcapd.202611242355");
  EXPECT_EQ(fs::path((*files)[1]).filename(), "nfcapd.202611250000");
  EXPECT_EQ(fs::path((*files)[2]).filename(), "nfcapd.202611250005");
}

TEST(ExpandInputs, PlainFilesAndStdinPassThroughInOrder) {
  auto files = expand_inputs({"b.csv", "-", "a.csv"});
  ASSERT_TRUE(files);
  EXPECT_EQ(*files, (std::vector<std::string>{"b.csv", "-", "a.csv"}));
}

TEST(DetectFormat, NamesTheFileWhenNothingMatches) {
  TempDir d;
  write_file(d / "junk.bin", std::string("\x7f" "ELF\x02\x01\x01", 7));
  auto f = detect_format((d / "junk.bin").string());
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, errc::unknown_format);
  EXPECT_NE(f.error().context.find("junk.bin"), std::string::npos);
}

TEST(DetectFormat, MissingFileIsAnIoError) {
  auto f = detect_format("/nonexistent/nfcapd.x");
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, errc::io_error);
}

TEST(DetectFormat, RecognisesTheCommittedSamples) {
  auto nf = detect_format((test::source_dir() / "data/sample/nfcapd.sample").string());
  ASSERT_TRUE(nf) << nf.error().context;
  EXPECT_EQ(*nf, InputFormat::nfcapd);
  auto pcap = detect_format((test::source_dir() / "data/sample/sample.pcap").string());
  ASSERT_TRUE(pcap) << pcap.error().context;
  EXPECT_EQ(*pcap, InputFormat::pcap);
}

TEST(OpenInputs, AnUnreadableInputIsReportedAndTheNextOneIsStillRead) {
  TempDir d;
  write_file(d / "junk.bin", "not a flow file at all\n");
  const auto sample = (test::source_dir() / "data/sample/nfcapd.sample").string();
  std::vector<std::string> problems;
  Diagnostics diag([&](const Problem& p) { problems.push_back(format_problem(p)); });
  SourceCatalog catalog;
  auto src = open_inputs({(d / "junk.bin").string(), sample}, {}, catalog, diag);
  std::vector<FlowRecord> out;
  while (true) {
    auto n = src->read(out, 1000);
    ASSERT_TRUE(n);
    if (*n == 0) break;
  }
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("junk.bin"), std::string::npos);
  EXPECT_EQ(diag.count(errc::unknown_format), 1u);
  // As many records as nfdump itself lists from the sample.
  const auto listed = test::run("nfdump -q -o csv -r " + test::sh_quote(sample) + " | wc -l");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(out.size(), std::stoul(listed.out));
  EXPECT_GT(out.size(), 0u);
  for (const auto& r : out) EXPECT_EQ(catalog.name(r.origin.source), sample);
}

}  // namespace xmr
