#pragma once
// Runs `xmr-ray collect` (or any daemon: nfcapd) in the background for a test: stdout and
// stderr go to files, the ports it bound are read from its stderr, SIGTERM ends it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.h"

namespace xmr::test {

// A UDP port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0).
inline std::uint16_t free_udp_port() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

class Daemon {
 public:
  // `args` are passed to execvp as they are (no shell).
  Daemon(std::vector<std::string> args, const std::filesystem::path& dir, const std::string& name)
      : out_(dir / (name + ".out")), err_(dir / (name + ".err")) {
    pid_ = ::fork();
    if (pid_ == 0) {
      std::FILE* o = std::freopen(out_.c_str(), "w", stdout);
      std::FILE* e = std::freopen(err_.c_str(), "w", stderr);
      (void)o;
      (void)e;
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execvp(argv[0], argv.data());
      std::_Exit(127);
    }
  }
  ~Daemon() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  // Waits up to `timeout` for `pattern` (first capture group) in the daemon's stderr.
  std::string wait_for(const std::string& pattern, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const std::regex re(pattern);
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      const std::string text = std::filesystem::exists(err_) ? read_file(err_) : "";
      std::smatch m;
      if (std::regex_search(text, m, re)) return m.size() > 1 ? m[1].str() : m[0].str();
      if (exited()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return {};
  }
  bool exited() {
    if (reaped_) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      status_ = status;
    }
    return reaped_;
  }
  // SIGTERM, then waits (up to 60 s) and returns the exit status (-1 if killed by a signal).
  int terminate() {
    if (!reaped_) {
      ::kill(pid_, SIGTERM);
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (!exited() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (!reaped_) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status_, 0);
        reaped_ = true;
        return -1;
      }
    }
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
  }
  pid_t pid() const { return pid_; }
  std::string out() const { return std::filesystem::exists(out_) ? read_file(out_) : ""; }
  std::string err() const { return std::filesystem::exists(err_) ? read_file(err_) : ""; }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::filesystem::path out_, err_;
};

}  // namespace xmr::test
