// DirectoryFollower: what nfcapd does to its directory (write `.current`, rename into place, -S
// subdirectories, `.nfstat`), done by hand here, and which paths come out, once each.
#include "sources/follow/directory_follower.h"

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace xmr {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using test::write_file;

// Generous: the kernel queues the event before rename() returns; only a loaded machine is slow.
constexpr int wait_ms = 5000;
// How long "nothing more" is awaited: a missing event would not come later anyway.
constexpr int quiet_ms = 200;

std::string next_file(DirectoryFollower& f) {
  auto e = f.next(-1, wait_ms);
  EXPECT_TRUE(e) << (e ? "" : e.error().context);
  if (!e) return {};
  EXPECT_EQ(e->kind, FollowEvent::Kind::file);
  return e->path;
}

void expect_quiet(DirectoryFollower& f) {
  auto e = f.next(-1, quiet_ms);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, FollowEvent::Kind::timeout) << "unexpected: " << e->path;
}

// nfcapd's rotation: the open file, then a rename to its final name.
void rotate_in(const fs::path& dir, const std::string& final_name, const std::string& content = "x") {
  write_file(dir / "nfcapd.current.4242", content);
  fs::rename(dir / "nfcapd.current.4242", dir / final_name);
}

TEST(FinishedFlowFile, HiddenAndOpenFilesAreNot) {
  EXPECT_TRUE(is_finished_flow_file("nfcapd.202611250005"));
  EXPECT_TRUE(is_finished_flow_file("flows.csv"));
  EXPECT_FALSE(is_finished_flow_file("nfcapd.current.1234"));
  EXPECT_FALSE(is_finished_flow_file("sfcapd.current.99"));
  EXPECT_FALSE(is_finished_flow_file("nfcapd.current"));
  EXPECT_FALSE(is_finished_flow_file(".nfstat"));
  EXPECT_FALSE(is_finished_flow_file(""));
}

TEST(DirectoryFollower, ReportsRotatedFilesOnlyNotExistingOnesByDefault) {
  TempDir d;
  write_file(d / "nfcapd.202611250000", "old");
  auto f = DirectoryFollower::open(d.path().string(), {});
  ASSERT_TRUE(f) << f.error().context;
  rotate_in(d.path(), "nfcapd.202611250005");
  write_file(d / ".nfstat", "stat");  // nfcapd's hidden statistics file: ignored
  rotate_in(d.path(), "nfcapd.202611250010");
  EXPECT_EQ(next_file(**f), (d / "nfcapd.202611250005").string());
  EXPECT_EQ(next_file(**f), (d / "nfcapd.202611250010").string());
  expect_quiet(**f);
  EXPECT_EQ((*f)->stats().files, 2u);
  EXPECT_GE((*f)->stats().ignored, 3u);  // two closes of nfcapd.current.4242, one of .nfstat
}

TEST(DirectoryFollower, FromStartReportsExistingFilesInPathOrderThenNewOnes) {
  TempDir d;
  fs::create_directories(d / "2026/11/24");
  fs::create_directories(d / "2026/11/25");
  write_file(d / "2026/11/25/nfcapd.202611250005", "b");
  write_file(d / "2026/11/25/nfcapd.202611250000", "a");
  write_file(d / "2026/11/24/nfcapd.202611242355", "z");
  write_file(d / "2026/11/25/nfcapd.current.77", "open");
  auto f = DirectoryFollower::open(d.path().string() + "/", {.from_start = true});
  ASSERT_TRUE(f) << f.error().context;
  EXPECT_EQ(next_file(**f), (d / "2026/11/24/nfcapd.202611242355").string());
  EXPECT_EQ(next_file(**f), (d / "2026/11/25/nfcapd.202611250000").string());
  EXPECT_EQ(next_file(**f), (d / "2026/11/25/nfcapd.202611250005").string());
  rotate_in(d / "2026/11/25", "nfcapd.202611250010");
  EXPECT_EQ(next_file(**f), (d / "2026/11/25/nfcapd.202611250010").string());
  expect_quiet(**f);
}

// nfcapd -S 1 creates YYYY/MM/DD at the first rotation of a day and renames the file into it at
// once, before any watch on the new directory can exist: the file must still come, once.
TEST(DirectoryFollower, NewSubdirectoriesAreWatchedAndTheirFilesTaken) {
  TempDir d;
  auto f = DirectoryFollower::open(d.path().string(), {});
  ASSERT_TRUE(f) << f.error().context;
  write_file(d / "nfcapd.current.4242", "x");
  fs::create_directories(d / "2026/11/25");
  fs::rename(d / "nfcapd.current.4242", d / "2026/11/25/nfcapd.202611250000");
  EXPECT_EQ(next_file(**f), (d / "2026/11/25/nfcapd.202611250000").string());
  // The next rotation into the now watched directory.
  write_file(d / "nfcapd.current.4242", "y");
  fs::rename(d / "nfcapd.current.4242", d / "2026/11/25/nfcapd.202611250005");
  EXPECT_EQ(next_file(**f), (d / "2026/11/25/nfcapd.202611250005").string());
  expect_quiet(**f);
  EXPECT_EQ((*f)->stats().directories_watched, 4u);
}

TEST(DirectoryFollower, FileWrittenUnderItsFinalNameComesWhenClosed) {
  TempDir d;
  auto f = DirectoryFollower::open(d.path().string(), {});
  ASSERT_TRUE(f) << f.error().context;
  write_file(d / "flows.csv", "a,b\n");  // cp-like: create, write, close
  EXPECT_EQ(next_file(**f), (d / "flows.csv").string());
  expect_quiet(**f);
}

TEST(DirectoryFollower, StopDescriptorEndsTheWaitBeforeQueuedFiles) {
  TempDir d;
  auto f = DirectoryFollower::open(d.path().string(), {});
  ASSERT_TRUE(f) << f.error().context;
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  rotate_in(d.path(), "nfcapd.202611250005");
  ASSERT_EQ(::write(p[1], "s", 1), 1);
  auto e = (*f)->next(p[0], -1);  // no timeout: only the stop can end it
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, FollowEvent::Kind::stopped);
  ::close(p[0]);
  ::close(p[1]);
}

TEST(DirectoryFollower, MissingDirectoryIsAnErrorNamingIt) {
  TempDir d;
  const std::string missing = (d / "nope").string();
  auto f = DirectoryFollower::open(missing, {});
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, errc::io_error);
  EXPECT_NE(f.error().context.find(missing), std::string::npos) << f.error().context;
  write_file(d / "file", "x");
  EXPECT_FALSE(DirectoryFollower::open((d / "file").string(), {}));
}

}  // namespace
}  // namespace xmr
