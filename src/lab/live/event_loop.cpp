#include "lab/live/event_loop.h"

#include <poll.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace xmr::lab::live {

std::int64_t LiveClock::sim_us_of_wall_us(std::int64_t wall_unix_us) const {
  const auto start_us = std::chrono::duration_cast<std::chrono::microseconds>(wall_start_.time_since_epoch()).count();
  return sim_start_us_ + static_cast<std::int64_t>(std::llround(static_cast<double>(wall_unix_us - start_us) * speed_));
}

std::int64_t LiveClock::sim_now_us() const {
  const auto elapsed = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - steady_start_).count();
  return sim_start_us_ + static_cast<std::int64_t>(std::llround(elapsed * speed_));
}

std::chrono::steady_clock::time_point LiveClock::steady_at(std::int64_t sim_us) const {
  const double wall_us = static_cast<double>(sim_us - sim_start_us_) / speed_;
  return steady_start_ + std::chrono::microseconds(static_cast<std::int64_t>(std::ceil(wall_us)));
}

EventLoop::TimerId EventLoop::at(std::int64_t sim_us, std::function<void()> fn) {
  const TimerId id = next_id_++;
  auto it = timers_.emplace(sim_us, Timer{id, std::move(fn)});
  timer_index_.emplace(id, it);
  return id;
}

void EventLoop::cancel(TimerId id) {
  auto it = timer_index_.find(id);
  if (it == timer_index_.end()) return;
  timers_.erase(it->second);
  timer_index_.erase(it);
}

void EventLoop::watch(int fd, std::function<void()> on_readable) { fds_[fd] = std::move(on_readable); }
void EventLoop::unwatch(int fd) { fds_.erase(fd); }

void EventLoop::run(const std::atomic<bool>& stop, const std::function<bool()>& done) {
  std::vector<pollfd> polled;
  while (!stop.load() && !done()) {
    // Due timers first, in time order (a handler may add or cancel timers).
    const std::int64_t now = now_us();
    while (!timers_.empty() && timers_.begin()->first <= now) {
      auto it = timers_.begin();
      auto fn = std::move(it->second.fn);
      timer_index_.erase(it->second.id);
      timers_.erase(it);
      fn();
    }
    int timeout_ms = 20;
    if (!timers_.empty()) {
      const auto wait = timers_.begin()->first == 0 ? std::chrono::steady_clock::duration::zero()
                                                   : clock_.steady_at(timers_.begin()->first) - std::chrono::steady_clock::now();
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait).count();
      timeout_ms = static_cast<int>(std::clamp<long long>(ms, 0, 20));
    }
    polled.clear();
    for (const auto& [fd, fn] : fds_) polled.push_back(pollfd{fd, POLLIN, 0});
    const int n = poll(polled.data(), polled.size(), timeout_ms);
    if (n <= 0) continue;
    for (const auto& p : polled) {
      if (p.revents == 0) continue;
      auto it = fds_.find(p.fd);
      if (it == fds_.end()) continue;  // unwatched by an earlier handler in this round
      auto fn = it->second;            // copy: the handler may unwatch itself
      fn();
    }
  }
}

}  // namespace xmr::lab::live
