#pragma once
// Child processes for the live lab: run a tool to completion (ip, ethtool, nfpcapd) or start a
// daemon (mosquitto, redis-server) inside a network namespace, without a shell.
#include <string>
#include <sys/types.h>
#include <vector>

#include "core/error.h"

namespace xmr::lab::live {

// Runs argv (PATH lookup) inside `netns` (empty: the caller's namespace), stdout+stderr appended to
// `log_path` (empty: discarded). Returns the exit status; -1 when it could not start or was killed.
int run_tool(const std::vector<std::string>& argv, const std::string& log_path, const std::string& netns = "");
// Like run_tool but returns an error naming the command and its output when the status is not 0.
result<void> run_checked(const std::vector<std::string>& argv, const std::string& netns = "");

// A daemon started in a namespace; the destructor stops it (SIGTERM, then SIGKILL after 2 s).
class Daemon {
 public:
  Daemon() = default;
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;
  Daemon(Daemon&& o) noexcept : pid_(o.pid_), name_(std::move(o.name_)) { o.pid_ = -1; }
  ~Daemon() { stop(); }
  static result<Daemon> start(const std::vector<std::string>& argv, const std::string& netns, const std::string& log_path);
  bool running();  // false once it exited
  void stop();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::string name_;
};

// Moves the calling thread into /run/netns/NAME (network namespaces are per thread, setns(2)).
result<void> enter_netns(const std::string& name);

}  // namespace xmr::lab::live
