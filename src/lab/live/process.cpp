#include "lab/live/process.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

namespace xmr::lab::live {

namespace {

// In the child after fork: namespace, output, exec. Only async-signal-safe calls plus setns.
[[noreturn]] void exec_child(const std::vector<std::string>& argv, const std::string& log_path, const std::string& netns) {
  if (!netns.empty()) {
    const std::string path = "/run/netns/" + netns;
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) _exit(126);
  }
  const int out = log_path.empty() ? open("/dev/null", O_WRONLY) : open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (out >= 0) {
    dup2(out, 1);
    dup2(out, 2);
  }
  const int in = open("/dev/null", O_RDONLY);
  if (in >= 0) dup2(in, 0);
  // Our own signal mask and handlers must not leak into the tool.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  _exit(127);
}

}  // namespace

int run_tool(const std::vector<std::string>& argv, const std::string& log_path, const std::string& netns) {
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) exec_child(argv, log_path, netns);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

result<void> run_checked(const std::vector<std::string>& argv, const std::string& netns) {
  char tmpl[] = "/tmp/xmrlab-cmd-XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd >= 0) close(fd);
  const int rc = run_tool(argv, fd >= 0 ? tmpl : "", netns);
  std::string out;
  if (fd >= 0) {
    std::ifstream in(tmpl);
    std::stringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    unlink(tmpl);
  }
  if (rc == 0) return {};
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return make_error(errc::io_error, fmt::format("`{}`{} failed (exit {}): {}", cmd,
                                                netns.empty() ? "" : " in netns " + netns, rc,
                                                rc == 127 ? "program not found" : out));
}

result<Daemon> Daemon::start(const std::vector<std::string>& argv, const std::string& netns, const std::string& log_path) {
  Daemon d;
  d.name_ = argv.empty() ? "" : argv[0];
  const pid_t pid = fork();
  if (pid < 0) return make_error(errc::io_error, fmt::format("fork for {}: {}", d.name_, std::strerror(errno)));
  if (pid == 0) exec_child(argv, log_path, netns);
  d.pid_ = pid;
  return d;
}

bool Daemon::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void Daemon::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

result<void> enter_netns(const std::string& name) {
  const std::string path = "/run/netns/" + name;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(errc::io_error, fmt::format("{}: {}", path, std::strerror(errno)));
  const int rc = setns(fd, CLONE_NEWNET);
  const int err = errno;
  close(fd);
  if (rc != 0) return make_error(errc::io_error, fmt::format("setns({}): {}", path, std::strerror(err)));
  return {};
}

}  // namespace xmr::lab::live
