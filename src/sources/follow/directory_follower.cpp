#include "sources/follow/directory_follower.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

namespace xmr {

namespace fs = std::filesystem;

namespace {

// Directory events we act on. IN_CREATE only matters for subdirectories (nfcapd -S makes
// YYYY/MM/DD as time passes); a file created under its final name is taken at IN_CLOSE_WRITE.
constexpr std::uint32_t watch_mask = IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE | IN_ONLYDIR;
// How many reported paths are remembered to drop duplicates (scan and event for the same file).
constexpr std::size_t recent_capacity = 4096;

bool hidden(std::string_view name) noexcept { return !name.empty() && name[0] == '.'; }

}  // namespace

bool is_finished_flow_file(std::string_view name) noexcept {
  if (name.empty() || hidden(name)) return false;
  // nfcapd 1.7.1 writes "nfcapd.current.<pid>" (src/nfcapd/nfcapd.c, "%s/nfcapd.current.%ld");
  // other collectors of the family (sfcapd, nfpcapd) use "<name>.current.<pid>" likewise.
  if (name.find(".current.") != std::string_view::npos) return false;
  if (name.size() >= 8 && name.substr(name.size() - 8) == ".current") return false;
  return true;
}

result<std::unique_ptr<DirectoryFollower>> DirectoryFollower::open(const std::string& dir, FollowOptions options) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return make_error(errc::io_error, fmt::format("{}: not a directory{}", dir, ec ? ": " + ec.message() : ""));
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return make_error(errc::io_error, fmt::format("{}: inotify_init1: {}", dir, std::strerror(errno)));
  // "DIR/" and "DIR" name the same files: reported paths are "DIR/name" either way.
  std::string root = dir;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  std::unique_ptr<DirectoryFollower> f(new DirectoryFollower(fd, root));
  // Watch first, then scan: a file renamed in between is seen twice and reported once.
  f->watch_tree(root, options.from_start);
  if (f->watches_.empty()) {
    auto w = f->take_warnings();
    return make_error(errc::io_error, w.empty() ? fmt::format("{}: cannot watch", dir) : w.front());
  }
  return f;
}

DirectoryFollower::~DirectoryFollower() {
  if (fd_ >= 0) ::close(fd_);
}

void DirectoryFollower::watch_tree(const std::string& dir, bool queue_existing) {
  const int wd = ::inotify_add_watch(fd_, dir.c_str(), watch_mask);
  if (wd < 0) {
    // ENOSPC: fs.inotify.max_user_watches reached.
    warnings_.push_back(fmt::format("{}: cannot watch: {}", dir, std::strerror(errno)));
    return;
  }
  watches_[wd] = dir;
  stats_.directories_watched = watches_.size();
  std::error_code ec;
  std::vector<std::string> files, dirs;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (hidden(name)) continue;
    std::error_code tec;
    if (it->is_directory(tec)) dirs.push_back(it->path().string());
    else if (queue_existing && it->is_regular_file(tec) && is_finished_flow_file(name)) files.push_back(it->path().string());
  }
  if (ec) warnings_.push_back(fmt::format("{}: cannot list: {}", dir, ec.message()));
  // Path order is time order for nfcapd names; files of this directory before its subdirectories
  // is the order of `-r DIR` only when the two do not mix, which nfcapd layouts never do.
  std::sort(files.begin(), files.end());
  std::sort(dirs.begin(), dirs.end());
  for (auto& f : files) queue(std::move(f));
  for (const auto& d : dirs) watch_tree(d, queue_existing);
}

void DirectoryFollower::queue(std::string path) {
  if (recent_.count(path)) {
    ++stats_.duplicates;
    return;
  }
  recent_.insert(path);
  recent_order_.push_back(path);
  if (recent_order_.size() > recent_capacity) {
    recent_.erase(recent_order_.front());
    recent_order_.pop_front();
  }
  pending_.push_back(std::move(path));
}

result<bool> DirectoryFollower::drain_events() {
  alignas(inotify_event) char buf[64 * 1024];
  bool any = false;
  while (true) {
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n < 0) {
      if (errno == EAGAIN) return any;
      if (errno == EINTR) continue;
      return make_error(errc::io_error, fmt::format("{}: reading inotify events: {}", root_, std::strerror(errno)));
    }
    if (n == 0) return any;
    any = true;
    for (ssize_t off = 0; off + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
      inotify_event ev;
      std::memcpy(&ev, buf + off, sizeof ev);
      const std::string_view name(buf + off + sizeof ev, ::strnlen(buf + off + sizeof ev, ev.len));
      off += static_cast<ssize_t>(sizeof ev + ev.len);
      if (ev.mask & IN_Q_OVERFLOW) {
        ++stats_.overflows;
        warnings_.push_back(fmt::format("{}: inotify queue overflow: files finished meanwhile may be missed "
                                        "(raise fs.inotify.max_queued_events)",
                                        root_));
        continue;
      }
      if (ev.mask & IN_IGNORED) {  // the directory was removed (nfexpire) or unmounted
        watches_.erase(ev.wd);
        stats_.directories_watched = watches_.size();
        continue;
      }
      const auto dir = watches_.find(ev.wd);
      if (dir == watches_.end() || name.empty()) continue;
      const std::string path = dir->second + "/" + std::string(name);
      if (ev.mask & IN_ISDIR) {
        // A new subdirectory (created or moved in): files may already be inside it.
        if ((ev.mask & (IN_CREATE | IN_MOVED_TO)) && !hidden(name)) watch_tree(path, true);
        continue;
      }
      if (!(ev.mask & (IN_MOVED_TO | IN_CLOSE_WRITE))) continue;
      if (!is_finished_flow_file(name)) {
        ++stats_.ignored;
        continue;
      }
      queue(path);
    }
  }
}

result<FollowEvent> DirectoryFollower::next(int stop_fd, int timeout_ms) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
  while (true) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    const nfds_t nfds = stop_fd >= 0 ? 2 : 1;
    int wait_ms = -1;
    if (!pending_.empty()) {
      wait_ms = 0;  // only look whether a stop is due
    } else if (timeout_ms >= 0) {
      wait_ms = static_cast<int>(
          std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count()));
    }
    const int r = ::poll(fds, nfds, wait_ms);
    if (r < 0 && errno != EINTR)
      return make_error(errc::io_error, fmt::format("{}: poll: {}", root_, std::strerror(errno)));
    if (r > 0 && nfds == 2 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) return FollowEvent{FollowEvent::Kind::stopped, {}};
    if (r > 0 && (fds[0].revents & POLLIN)) {
      auto drained = drain_events();
      if (!drained) return tl::unexpected(drained.error());
    }
    if (!pending_.empty()) {
      FollowEvent e{FollowEvent::Kind::file, std::move(pending_.front())};
      pending_.pop_front();
      ++stats_.files;
      return e;
    }
    if (timeout_ms >= 0 && clock::now() >= deadline) return FollowEvent{FollowEvent::Kind::timeout, {}};
  }
}

std::vector<std::string> DirectoryFollower::take_warnings() {
  std::vector<std::string> out;
  out.swap(warnings_);
  return out;
}

}  // namespace xmr
