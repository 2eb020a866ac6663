#pragma once
// A small poll(2) loop with timers, one per thread: the pool side and the client side each run one.
// Time in the lab is simulated time: `LiveClock` maps wall time to capture time (x speed), and
// every protocol timer is given in simulated seconds and fires after (seconds / speed) of wall time.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>

namespace xmr::lab::live {

class LiveClock {
 public:
  LiveClock(std::int64_t sim_start_us, double speed)
      : sim_start_us_(sim_start_us), speed_(speed), wall_start_(std::chrono::system_clock::now()),
        steady_start_(std::chrono::steady_clock::now()) {}
  double speed() const { return speed_; }
  std::int64_t sim_start_us() const { return sim_start_us_; }
  // Simulated (capture) time of a wall-clock instant: start + elapsed x speed.
  std::int64_t sim_us_of_wall_us(std::int64_t wall_unix_us) const;
  std::int64_t sim_now_us() const;
  // The steady-clock instant at which simulated time reaches `sim_us`.
  std::chrono::steady_clock::time_point steady_at(std::int64_t sim_us) const;

 private:
  std::int64_t sim_start_us_;
  double speed_;
  std::chrono::system_clock::time_point wall_start_;
  std::chrono::steady_clock::time_point steady_start_;
};

class EventLoop {
 public:
  using TimerId = std::uint64_t;
  explicit EventLoop(const LiveClock& clock) : clock_(clock) {}
  const LiveClock& clock() const { return clock_; }
  std::int64_t now_us() const { return clock_.sim_now_us(); }

  // Calls `fn` once simulated time reaches `sim_us`.
  TimerId at(std::int64_t sim_us, std::function<void()> fn);
  TimerId after(double sim_seconds, std::function<void()> fn) {
    return at(now_us() + static_cast<std::int64_t>(sim_seconds * 1e6), std::move(fn));
  }
  void cancel(TimerId id);
  // Calls `on_readable` whenever fd is readable (or hung up); unwatch before closing fd.
  void watch(int fd, std::function<void()> on_readable);
  void unwatch(int fd);
  bool watching(int fd) const { return fds_.count(fd) != 0; }

  // Runs until `stop` is set or `done()` returns true (checked at least every 20 ms of wall time).
  void run(const std::atomic<bool>& stop, const std::function<bool()>& done);

 private:
  const LiveClock& clock_;
  struct Timer {
    TimerId id;
    std::function<void()> fn;
  };
  std::multimap<std::int64_t, Timer> timers_;
  std::unordered_map<TimerId, std::multimap<std::int64_t, Timer>::iterator> timer_index_;
  std::map<int, std::function<void()>> fds_;
  TimerId next_id_ = 1;
};

}  // namespace xmr::lab::live
