// The collector's parts in process: endpoint parsing, the bounded queue, the rotating archive
// (nfdump reads what it leaves), and the whole Collector on a loopback socket: records sent by
// our encoder arrive, a hostile datagram is counted and does not disturb them.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "collector/collector.h"
#include "collector/export_encoder.h"
#include "support/test_support.h"

namespace xmr {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST(UdpEndpoint, ParsesV4V6AndRejectsWithTheReason) {
  auto a = collector::parse_udp_endpoint("udp://0.0.0.0:2055");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->addr.ss_family, AF_INET);
  EXPECT_EQ(collector::port_of(a->addr), 2055);
  auto b = collector::parse_udp_endpoint("udp://[::]:4739");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->addr.ss_family, AF_INET6);
  EXPECT_EQ(collector::port_of(b->addr), 4739);
  EXPECT_TRUE(collector::parse_udp_endpoint("127.0.0.1:9109").has_value());
  for (const char* bad : {"tcp://1.2.3.4:1", "udp://host.example:2055", "udp://1.2.3.4", "udp://1.2.3.4:70000",
                          "udp://[::1:2055", "udp://1.2.3.4:x"}) {
    auto e = collector::parse_udp_endpoint(bad);
    ASSERT_FALSE(e.has_value()) << bad;
    EXPECT_NE(e.error().context.find(bad), std::string::npos) << e.error().context;
  }
}

TEST(DatagramQueue, RefusesBeyondItsBoundAndDrains) {
  collector::DatagramQueue q(10);
  auto batch = [](std::size_t n) {
    collector::DatagramBatch b;
    b.datagrams.resize(n);
    return b;
  };
  EXPECT_TRUE(q.try_push(batch(6)));
  auto b = batch(5);
  EXPECT_FALSE(q.try_push(std::move(b)));
  EXPECT_EQ(b.datagrams.size(), 5u) << "a refused batch stays with the caller (its drops are counted there)";
  EXPECT_TRUE(q.try_push(batch(4)));
  EXPECT_EQ(q.datagrams_queued(), 10u);
  collector::DatagramBatch out;
  EXPECT_TRUE(q.pop(out, 10));
  EXPECT_EQ(out.datagrams.size(), 6u);
  q.close();
  EXPECT_TRUE(q.pop(out, 10));
  EXPECT_FALSE(q.pop(out, 10));
  EXPECT_FALSE(q.try_push(batch(1)));
}

TEST(RotatingArchive, RotatesAtIntervalEndsIntoFilesNfdumpReads) {
  test::TempDir d;
  collector::ArchiveOptions o;
  o.dir = (d / "a").string();
  o.interval_s = 60;
  const std::int64_t t0 = 1'764'000'000'000;  // 2025-11-24 16:00:00 UTC, an interval start
  auto a = collector::RotatingArchive::open(o, t0 + 5'000);
  ASSERT_TRUE(a.has_value()) << a.error().context;
  FlowRecord r;
  r.src_addr = IpAddress::from_v4(0x0A000001);
  r.dst_addr = IpAddress::from_v4(0x0A000002);
  r.proto = proto_tcp;
  r.first_ms = t0;
  r.last_ms = t0 + 1000;
  r.pkts = 3;
  r.bytes = 300;
  std::vector<FlowRecord> recs(7, r);
  ASSERT_TRUE((*a)->write(recs, t0 + 10'000).has_value());
  ASSERT_TRUE((*a)->write(recs, t0 + 70'000).has_value());  // next interval: rotates first
  ASSERT_TRUE((*a)->rotate_if_due(t0 + 121'000).has_value());
  ASSERT_TRUE((*a)->close().has_value());
  EXPECT_EQ((*a)->stats().files, 3u);
  const auto first = (*a)->final_name(t0 / 1000);
  ASSERT_TRUE(fs::exists(first)) << first;
  for (const auto& [name, flows] : {std::pair{first, 7}, std::pair{(*a)->final_name(t0 / 1000 + 60), 7},
                                    std::pair{(*a)->final_name(t0 / 1000 + 120), 0}}) {
    const auto out = test::run("nfdump -r " + test::sh_quote(name) + " -I");
    EXPECT_EQ(out.exit_code, 0) << name << ": " << out.err;
    EXPECT_NE(out.out.find("Flows: " + std::to_string(flows) + "\n"), std::string::npos) << name << "\n" << out.out;
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(o.dir), fs::directory_iterator{}), 3);
}

// A reload changes what the decoding thread uses only on that thread: the task runs there (not
// on the caller's), the caller waits for it, and before start / after stop it runs in place.
TEST(Collector, RunsTasksOnTheDecodingThread) {
  collector::CollectorOptions o;
  o.listen.push_back(*collector::parse_udp_endpoint("udp://127.0.0.1:0"));
  o.tick_ms = 50;
  Diagnostics diag;
  auto c = collector::Collector::open(o, nullptr, nullptr, diag);
  ASSERT_TRUE(c.has_value()) << c.error().context;
  const auto caller = std::this_thread::get_id();
  std::thread::id ran_on;
  (*c)->run_on_decoding_thread([&] { ran_on = std::this_thread::get_id(); });
  EXPECT_EQ(ran_on, caller) << "not started: runs in place";
  (*c)->start();
  std::vector<std::thread::id> seen;
  for (int i = 0; i < 5; ++i) {
    bool ran = false;
    (*c)->run_on_decoding_thread([&] {
      std::this_thread::sleep_for(10ms);  // the caller must wait, not just post
      ran = true;
      seen.push_back(std::this_thread::get_id());
    });
    EXPECT_TRUE(ran);
  }
  ASSERT_EQ(seen.size(), 5u);
  for (const auto& id : seen) {
    EXPECT_NE(id, caller);
    EXPECT_EQ(id, seen.front()) << "one decoding thread";
  }
  (*c)->stop();
  (*c)->run_on_decoding_thread([&] { ran_on = std::this_thread::get_id(); });
  EXPECT_EQ(ran_on, caller) << "stopped: runs in place";
}

TEST(Collector, ReceivesDecodesArchivesAndCountsAHostileSender) {
  test::TempDir d;
  collector::CollectorOptions o;
  o.listen.push_back(*collector::parse_udp_endpoint("udp://127.0.0.1:0"));
  o.tick_ms = 50;
  collector::ArchiveOptions a;
  a.dir = (d / "archive").string();
  o.archive = a;
  Diagnostics diag;
  auto c = collector::Collector::open(o, nullptr, nullptr, diag);
  ASSERT_TRUE(c.has_value()) << c.error().context;
  (*c)->start();
  const std::uint16_t port = (*c)->receivers().front()->port();
  ASSERT_NE(port, 0);

  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(port);
  auto send = [&](std::span<const std::uint8_t> p) {
    ::sendto(fd, p.data(), p.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  };
  const std::uint8_t garbage[] = {0x00, 0x0a, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
  send(garbage);  // IPFIX length 65535 in a 17-byte datagram
  collector::EncoderOptions eo;
  eo.version = 10;
  collector::ExportEncoder enc(eo);
  constexpr std::size_t n = 500;
  for (std::size_t i = 0; i < n; ++i) {
    FlowRecord r;
    r.src_addr = IpAddress::from_v4(0x0A000000 + static_cast<std::uint32_t>(i));
    r.dst_addr = IpAddress::from_v4(0xC0000201);
    r.src_port = static_cast<std::uint16_t>(1024 + i);
    r.dst_port = 443;
    r.proto = proto_tcp;
    r.first_ms = 1'764'000'000'000 + static_cast<std::int64_t>(i);
    r.last_ms = r.first_ms + 100;
    r.pkts = 2;
    r.bytes = 100;
    enc.add(r, send);
  }
  enc.flush(send);
  ::close(fd);
  for (int i = 0; i < 200 && (*c)->summary().records < n; ++i) std::this_thread::sleep_for(20ms);
  const auto mid = (*c)->summary();
  EXPECT_EQ(mid.records, n);
  EXPECT_EQ(mid.datagrams, enc.stats().packets + 1);
  EXPECT_EQ(mid.dropped_datagrams, 0u);
  EXPECT_GE(mid.decode_errors, 1u) << (*c)->metrics_text();
  EXPECT_EQ(mid.exporters, 2u);
  const std::string metrics = (*c)->metrics_text();
  EXPECT_NE(metrics.find("kind=\"bad_length\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("xmr_exporter_records_total{exporter=\"127.0.0.1:"), std::string::npos) << metrics;
  (*c)->stop();
  std::size_t archived = 0;
  for (const auto& e : fs::directory_iterator(a.dir)) {
    EXPECT_TRUE(e.path().filename().string().starts_with("nfcapd.20")) << e.path();
    archived += test::read_all(e.path().string()).records.size();
  }
  EXPECT_EQ(archived, n);
  EXPECT_EQ((*c)->summary().archive_records, n);
}

}  // namespace
}  // namespace xmr
