#include "collector/replay_pacer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

namespace xmr::collector {

std::int64_t SteadyPacingClock::now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void SteadyPacingClock::sleep_until_ns(std::int64_t t_ns) {
  std::this_thread::sleep_until(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(t_ns)));
}

std::int64_t ReplayPacer::due_ns(const FlowRecord& record) {
  if (!anchored_) {
    anchored_ = true;
    start_ns_ = clock_.now_ns();
    first_ms_ = record.last_ms;
    last_due_ns_ = start_ns_;
  }
  // double: a year of milliseconds times 1e6 ns/ms fits in 53 bits, and K need not be whole.
  const double offset_ns = static_cast<double>(record.last_ms - first_ms_) * 1e6 / speed_;
  const std::int64_t due = start_ns_ + static_cast<std::int64_t>(std::llround(std::max(0.0, offset_ns)));
  last_due_ns_ = std::max(last_due_ns_, due);
  return last_due_ns_;
}

void ReplayPacer::send(const FlowRecord& record, ExportEncoder& encoder, const ExportEncoder::Emit& emit) {
  const std::int64_t due = due_ns(record);
  if (due > clock_.now_ns()) {
    encoder.flush(emit);
    clock_.sleep_until_ns(due);
    ++waits_;
  }
  encoder.add(record, emit);
}

}  // namespace xmr::collector
