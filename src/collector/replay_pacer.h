#pragma once
// ReplayPacer: `replay --speed K` sends each record when an exporter would have, K times faster
// than real time. An exporter sends a record when its flow ends or its active timeout expires,
// so the record's end time (last_ms) is its send time: the first record goes at once, each later
// one (last_ms - first's last_ms) / K after it. Records are not exactly in end order (nfcapd
// writes them as they were exported, sorted sources by start): one due before a record already
// sent goes at once, the schedule never runs backwards.
//
// The clock is injected, so the schedule is tested without sleeping (tests/collector).
#include <cstdint>

#include "collector/export_encoder.h"
#include "core/flow_record.h"

namespace xmr::collector {

class PacingClock {
 public:
  virtual ~PacingClock() = default;
  virtual std::int64_t now_ns() = 0;
  virtual void sleep_until_ns(std::int64_t t_ns) = 0;
};

// std::chrono::steady_clock.
class SteadyPacingClock final : public PacingClock {
 public:
  std::int64_t now_ns() override;
  void sleep_until_ns(std::int64_t t_ns) override;
};

class ReplayPacer {
 public:
  // `speed` > 0: 1 = real time, 10 = ten times faster.
  ReplayPacer(double speed, PacingClock& clock) : speed_(speed), clock_(clock) {}

  // The clock time at which `record` is due. The first call anchors the schedule at now.
  std::int64_t due_ns(const FlowRecord& record);

  // Sends `record` through `encoder` once it is due. Before waiting, the packet in progress is
  // emitted: records already due never wait for later ones to fill a packet.
  void send(const FlowRecord& record, ExportEncoder& encoder, const ExportEncoder::Emit& emit);

  std::uint64_t waits() const noexcept { return waits_; }

 private:
  double speed_;
  PacingClock& clock_;
  bool anchored_ = false;
  std::int64_t start_ns_ = 0;       // clock time of the first record
  std::int64_t first_ms_ = 0;       // its end time
  std::int64_t last_due_ns_ = 0;    // the schedule never goes back
  std::uint64_t waits_ = 0;
};

}  // namespace xmr::collector
