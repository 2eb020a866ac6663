// `detect --follow DIR`: files rotated into a directory one at a time (by hand, deterministic;
// and by the real nfcapd fed by nfreplay) give, as they arrive, the alerts `detect -r DIR` gives
// on the same files afterwards. The lab sample (data/sample/lab/nf-60: six 5-minute nfcapd files
// metered by nfpcapd at 60 s) has miners whose windows span several files, so state must carry
// across files for the alerts to match.
#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "collector/collector_process.h"
#include "support/test_support.h"

namespace xmr {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::run;
using test::sh_quote;
using test::sorted_lines;

std::vector<fs::path> sample_files() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(test::source_dir() / "data/sample/lab/nf-60")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::size_t count_matches(const std::string& text, const std::string& pattern) {
  const std::regex re(pattern);
  return static_cast<std::size_t>(std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator()));
}

// Waits until the follower's stderr has `n` lines "read FILE: records".
bool wait_for_reads(test::Daemon& d, std::size_t n, std::chrono::seconds timeout = 60s) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (count_matches(d.err(), "detect: read [^\n]*: records") >= n) return true;
    if (d.exited()) return false;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

std::vector<std::string> batch_alerts(const fs::path& dir) {
  const auto r = run(sh_quote(test::xmr_binary().string()) + " detect -q -R " + sh_quote(dir.string()) +
                     " --slice 60 -w -");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return sorted_lines(r.out);
}

TEST(DetectFollow, FilesRenamedInOneByOneAlertAsTheyArriveAndAsDetectDoes) {
  const auto files = sample_files();
  ASSERT_EQ(files.size(), 6u);
  const auto want = batch_alerts(test::source_dir() / "data/sample/lab/nf-60");
  ASSERT_GE(want.size(), 5u);

  test::TempDir d;
  const auto spool = d / "spool";
  fs::create_directories(spool);
  // Present at start: skipped by default (it would be reported as an unknown format if read).
  test::write_file(spool / "nfcapd.202512312355", "not flows");
  const auto alerts = d / "alerts.json";
  test::Daemon follow({test::xmr_binary().string(), "detect", "--follow", spool.string(), "--slice", "60", "-w",
                       alerts.string()},
                      d.path(), "follow");
  ASSERT_FALSE(follow.wait_for("following").empty()) << follow.err();

  std::size_t reads = 0;
  std::size_t alerts_before_last = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    // As nfcapd does: write the open file, rename it to its final name.
    fs::copy_file(files[i], spool / "nfcapd.current.4242");
    fs::rename(spool / "nfcapd.current.4242", spool / files[i].filename());
    test::write_file(spool / ".nfstat", "ignored");
    if (i == 2) {  // damage among the good files: reported with its name, counted, not fatal
      test::write_file(spool / "nfcapd.current.4242", std::string("\xa5\x0c\x02\x00garbage", 11));
      fs::rename(spool / "nfcapd.current.4242", spool / "nfcapd.202601010007");
      ASSERT_TRUE(wait_for_reads(follow, ++reads)) << follow.err();
    }
    ASSERT_TRUE(wait_for_reads(follow, ++reads)) << follow.err();
    if (i + 2 == files.size()) alerts_before_last = sorted_lines(test::read_file(alerts)).size();
  }
  // Alerts were written while files kept coming, not only at the end.
  EXPECT_GT(alerts_before_last, 0u) << follow.err();
  EXPECT_EQ(follow.terminate(), 0) << follow.err();
  const std::string err = follow.err();
  EXPECT_NE(err.find("SIGTERM received"), std::string::npos) << err;
  EXPECT_NE(err.find("files followed 7"), std::string::npos) << err;
  // The damaged file: one problem line naming it, counted in the summary.
  EXPECT_EQ(count_matches(err, "detect: [^\n]*nfcapd\\.202601010007[^\n]*\n"), 2u) << err;  // problem + read line
  EXPECT_NE(err.find("errors 1 "), std::string::npos) << err;
  EXPECT_EQ(err.find("nfcapd.202512312355"), std::string::npos) << err;  // present at start: not read
  EXPECT_EQ(err.find(".nfstat"), std::string::npos) << err;
  EXPECT_EQ(sorted_lines(test::read_file(alerts)), want);
}

TEST(DetectFollow, FromStartReadsTheFilesAlreadyThere) {
  const auto files = sample_files();
  const auto want = batch_alerts(test::source_dir() / "data/sample/lab/nf-60");
  test::TempDir d;
  const auto spool = d / "spool";
  fs::create_directories(spool / "2026/01/01");
  for (std::size_t i = 0; i < 3; ++i) fs::copy_file(files[i], spool / "2026/01/01" / files[i].filename());
  test::Daemon follow({test::xmr_binary().string(), "detect", "--follow", spool.string(), "--from-start", "--slice",
                       "60", "-w", (d / "alerts.json").string()},
                      d.path(), "follow");
  ASSERT_TRUE(wait_for_reads(follow, 3)) << follow.err();
  // The rest arrive in a new day directory, as nfcapd -S 1 makes one.
  fs::create_directories(spool / "2026/01/02");
  for (std::size_t i = 3; i < files.size(); ++i) {
    fs::copy_file(files[i], spool / "nfcapd.current.1");
    fs::rename(spool / "nfcapd.current.1", spool / "2026/01/02" / files[i].filename());
  }
  ASSERT_TRUE(wait_for_reads(follow, files.size())) << follow.err();
  EXPECT_EQ(follow.terminate(), 0) << follow.err();
  EXPECT_EQ(sorted_lines(test::read_file(d / "alerts.json")), want);
}

TEST(DetectFollow, UsageAndMissingDirectory) {
  const std::string bin = sh_quote(test::xmr_binary().string());
  EXPECT_EQ(run(bin + " detect").exit_code, 2);
  EXPECT_EQ(run(bin + " detect -r x --follow y").exit_code, 2);
  EXPECT_EQ(run(bin + " detect -r x --from-start").exit_code, 2);
  const auto r = run(bin + " detect --follow /nonexistent/spool --slice 60");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/spool"), std::string::npos) << r.err;
}

// The real collector: nfreplay exports the sample (NetFlow v9) to nfcapd, which rotates every
// 2 s (its minimum) into -S 1 day subdirectories it creates; `detect --follow` on its directory
// must end with the alerts `detect -R` finds in what nfcapd wrote.
TEST(DetectFollow, RealNfcapdRotationsGiveTheAlertsOfDetectOnItsFiles) {
  const auto files = sample_files();
  test::TempDir d;
  const auto spool = d / "nfcapd";
  fs::create_directories(spool);
  const auto alerts = d / "alerts.json";
  test::Daemon follow({test::xmr_binary().string(), "detect", "--follow", spool.string(), "--slice", "60", "-w",
                       alerts.string()},
                      d.path(), "follow");
  ASSERT_FALSE(follow.wait_for("following").empty()) << follow.err();
  const auto port = test::free_udp_port();
  test::Daemon nfcapd({"nfcapd", "-w", spool.string(), "-S", "1", "-t", "2", "-b", "127.0.0.1", "-p",
                       std::to_string(port)},
                      d.path(), "nfcapd");
  ASSERT_FALSE(nfcapd.wait_for("Startup nfcapd").empty()) << nfcapd.err();
  for (const auto& f : files) {
    // One sample file per nfcapd file: sent just after a rotation (nfcapd rotates at wall-clock
    // multiples of -t), so none is split across two. `detect -R` orders files by their first
    // records (order_inputs_by_time), and the two halves of a split file need not compare in
    // arrival order.
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const auto slot = std::chrono::duration_cast<std::chrono::seconds>(now) / 2 * 2 + 2s + 300ms;
    std::this_thread::sleep_until(std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(slot)));
    const auto r = run("nfreplay -v 9 -r " + sh_quote(f.string()) + " -H 127.0.0.1 -p " + std::to_string(port) +
                       " 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
  EXPECT_EQ(nfcapd.terminate(), 0) << nfcapd.err();  // renames its last file into place
  std::size_t written = 0;
  for (const auto& e : fs::recursive_directory_iterator(spool))
    if (e.is_regular_file() && e.path().filename().string()[0] != '.' &&
        e.path().filename().string().find(".current.") == std::string::npos)
      ++written;
  ASSERT_GE(written, 3u);
  ASSERT_TRUE(wait_for_reads(follow, written)) << follow.err();
  EXPECT_EQ(follow.terminate(), 0) << follow.err();
  const auto want = batch_alerts(spool);
  ASSERT_GE(want.size(), 5u);
  EXPECT_EQ(sorted_lines(test::read_file(alerts)), want) << follow.err();
}

}  // namespace
}  // namespace xmr
