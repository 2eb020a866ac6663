#pragma once
// DirectoryFollower: the files a collector such as nfcapd finishes in a directory, one by one as
// they are finished, through inotify (Linux). nfcapd 1.7.1 writes `nfcapd.current.<pid>` and, at
// each rotation (-t), renames it to `nfcapd.YYYYmmddHHMM` (with -S, into a time subdirectory it
// creates): a rename into a watched directory (IN_MOVED_TO) or a file closed after writing under
// its final name (IN_CLOSE_WRITE, e.g. `cp`) makes a file finished. Hidden files (`.nfstat`) and
// open ones (`*.current.*`) never are. New subdirectories are watched as they appear and the files
// already inside them are taken too (they may have been renamed in before the watch existed).
//
// Only reports paths; reading them is the caller's business (open_inputs). No threads, no
// signals: the caller passes a file descriptor (e.g. a signalfd) that ends the wait.
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/error.h"

namespace xmr {

struct FollowOptions {
  // false: only files finished after open() are reported (a restart does not re-read the archive).
  // true: the files already present come first, in path order (the order of `-r DIR`), then new ones.
  bool from_start = false;
};

// True for a file name a collector is done with: not hidden, not nfcapd's open file.
bool is_finished_flow_file(std::string_view name) noexcept;

struct FollowEvent {
  enum class Kind { file, stopped, timeout };
  Kind kind = Kind::timeout;
  std::string path;  // Kind::file
};

struct FollowStats {
  std::uint64_t files = 0;                 // reported
  std::uint64_t ignored = 0;               // hidden or open files that were written or moved in
  std::uint64_t duplicates = 0;            // the same file reported twice by the kernel or a scan
  std::uint64_t overflows = 0;             // inotify queue overflows (events lost)
  std::uint64_t directories_watched = 0;   // now
};

class DirectoryFollower {
 public:
  // Watches `dir` and its non-hidden subdirectories. An error names the directory.
  [[nodiscard]] static result<std::unique_ptr<DirectoryFollower>> open(const std::string& dir, FollowOptions options);
  ~DirectoryFollower();
  DirectoryFollower(const DirectoryFollower&) = delete;
  DirectoryFollower& operator=(const DirectoryFollower&) = delete;

  // The next finished file. Waits until there is one (Kind::file), until `stop_fd` is readable
  // (Kind::stopped; it is not read; -1: no such fd), or `timeout_ms` passes (Kind::timeout; -1:
  // no limit). A stop takes precedence over files still queued.
  [[nodiscard]] result<FollowEvent> next(int stop_fd, int timeout_ms);

  // Problems that do not stop following (watch limit reached, events lost), once each.
  std::vector<std::string> take_warnings();
  const FollowStats& stats() const noexcept { return stats_; }

 private:
  DirectoryFollower(int fd, std::string root) : fd_(fd), root_(std::move(root)) {}
  void watch_tree(const std::string& dir, bool queue_existing);
  void queue(std::string path);
  [[nodiscard]] result<bool> drain_events();

  int fd_ = -1;
  std::string root_;
  std::unordered_map<int, std::string> watches_;  // watch descriptor -> directory
  std::deque<std::string> pending_;
  // Paths reported lately, so that a file seen by a scan and by an event is reported once.
  // Bounded: nfcapd names are unique, only races within moments need catching.
  std::unordered_set<std::string> recent_;
  std::deque<std::string> recent_order_;
  std::vector<std::string> warnings_;
  FollowStats stats_;
};

}  // namespace xmr
