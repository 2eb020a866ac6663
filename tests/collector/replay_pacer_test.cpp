// `replay --speed K`: the schedule (which record is due when) and the sending order, on a
// simulated clock: no sleeping, no wall-time thresholds.
#include "collector/replay_pacer.h"

#include <vector>

#include <gtest/gtest.h>

namespace xmr::collector {
namespace {

constexpr std::int64_t ms_ns = 1'000'000;

// A clock that only moves when slept on; remembers every sleep.
class FakeClock final : public PacingClock {
 public:
  std::int64_t now_ns() override { return now; }
  void sleep_until_ns(std::int64_t t_ns) override {
    sleeps.push_back(t_ns);
    if (t_ns > now) now = t_ns;
  }
  std::int64_t now = 5'000 * ms_ns;  // not zero: the schedule must be relative to the start
  std::vector<std::int64_t> sleeps;
};

FlowRecord record_ending_at(std::int64_t last_ms, std::uint16_t port = 1000) {
  FlowRecord r;
  r.src_addr = IpAddress::from_v4(0x0a000001);
  r.dst_addr = IpAddress::from_v4(0xc6336401);
  r.src_port = port;
  r.dst_port = 3333;
  r.proto = 6;
  r.first_ms = last_ms - 500;
  r.last_ms = last_ms;
  r.pkts = 2;
  r.bytes = 120;
  return r;
}

TEST(ReplayPacer, DueTimesAreEndTimesScaledBySpeedFromTheFirstRecord) {
  FakeClock clock;
  const std::int64_t start = clock.now;
  ReplayPacer pacer(10.0, clock);
  const std::int64_t base = 1'764'000'000'000;  // a 2025 epoch time in ms
  EXPECT_EQ(pacer.due_ns(record_ending_at(base)), start);
  EXPECT_EQ(pacer.due_ns(record_ending_at(base)), start);
  EXPECT_EQ(pacer.due_ns(record_ending_at(base + 20'000)), start + 2'000 * ms_ns);  // 20 s at 10x: 2 s
  // Out of order: ended before a record already due; goes at once, never back in time.
  EXPECT_EQ(pacer.due_ns(record_ending_at(base + 5'000)), start + 2'000 * ms_ns);
  EXPECT_EQ(pacer.due_ns(record_ending_at(base + 3'600'000)), start + 360'000 * ms_ns);  // an hour: 6 min
}

TEST(ReplayPacer, FractionalSpeedSlowsDown) {
  FakeClock clock;
  ReplayPacer pacer(0.5, clock);
  EXPECT_EQ(pacer.due_ns(record_ending_at(1'000)), clock.now);
  EXPECT_EQ(pacer.due_ns(record_ending_at(2'000)), clock.now + 2'000 * ms_ns);
}

// v5 packets say how many records they hold (header bytes 2-3, network order).
std::size_t v5_count(std::span<const std::uint8_t> packet) {
  return packet.size() >= 4 ? (std::size_t{packet[2]} << 8 | packet[3]) : 0;
}

TEST(ReplayPacer, SendsDueRecordsBeforeWaitingAndNothingBeforeItIsDue) {
  FakeClock clock;
  const std::int64_t start = clock.now;
  ReplayPacer pacer(1.0, clock);
  ExportEncoder encoder(EncoderOptions{.version = 5});
  struct Sent {
    std::int64_t at_ns;
    std::size_t records;
  };
  std::vector<Sent> sent;
  const ExportEncoder::Emit emit = [&](std::span<const std::uint8_t> p) { sent.push_back({clock.now, v5_count(p)}); };
  // Ends at 0 s, 0 s, 0.5 s, 0.2 s (out of order), 3 s; real time.
  const std::vector<std::int64_t> ends_ms = {10'000, 10'000, 10'500, 10'200, 13'000};
  for (std::size_t i = 0; i < ends_ms.size(); ++i)
    pacer.send(record_ending_at(ends_ms[i], static_cast<std::uint16_t>(1000 + i)), encoder, emit);
  encoder.flush(emit);

  // Two waits, to 0.5 s and to 3 s; the out-of-order record is not waited for.
  ASSERT_EQ(clock.sleeps.size(), 2u);
  EXPECT_EQ(clock.sleeps[0], start + 500 * ms_ns);
  EXPECT_EQ(clock.sleeps[1], start + 3'000 * ms_ns);
  EXPECT_EQ(pacer.waits(), 2u);
  // Packets: the two records due at once leave before the first wait; the two due at 0.5 s
  // before the second; the last at 3 s. No record is sent before it is due.
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].at_ns, start);
  EXPECT_EQ(sent[0].records, 2u);
  EXPECT_EQ(sent[1].at_ns, start + 500 * ms_ns);
  EXPECT_EQ(sent[1].records, 2u);
  EXPECT_EQ(sent[2].at_ns, start + 3'000 * ms_ns);
  EXPECT_EQ(sent[2].records, 1u);
  EXPECT_EQ(encoder.stats().records, 5u);
}

TEST(ReplayPacer, RecordsAlreadyDueShareFullPacketsWithoutWaiting) {
  FakeClock clock;
  ReplayPacer pacer(1.0, clock);
  ExportEncoder encoder(EncoderOptions{.version = 5});
  std::size_t packets = 0, records = 0;
  const ExportEncoder::Emit emit = [&](std::span<const std::uint8_t> p) {
    ++packets;
    records += v5_count(p);
  };
  for (int i = 0; i < 100; ++i) pacer.send(record_ending_at(7'000, static_cast<std::uint16_t>(i)), encoder, emit);
  encoder.flush(emit);
  EXPECT_TRUE(clock.sleeps.empty());
  EXPECT_EQ(records, 100u);
  EXPECT_EQ(packets, 4u);  // v5 holds 30 records a packet: 30 + 30 + 30 + 10
}

}  // namespace
}  // namespace xmr::collector
