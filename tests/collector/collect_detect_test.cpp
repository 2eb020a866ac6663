// Detection through the collector. (1) The same records give the same alerts live as offline:
// `xmr-ray replay` and nfreplay feed an nfcapd file to `collect`, whose alerts must equal
// `detect`'s on that file. (2) Alerts do not wait for more data: LiveDetector, driven by a
// simulated wall clock, raises every alert the offline run raises, each within one active
// timeout plus one second (the tick) of the end of the window that decided it.
#include <algorithm>
#include <filesystem>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "collector/collector_process.h"
#include "collector/live_detector.h"
#include "support/test_support.h"

namespace xmr {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::run;
using test::sh_quote;
using test::sorted_lines;

constexpr const char* labels_header =
    "client_ip,client_port,server_ip,server_port,proto,label,family,profile,pool,tls,start_ms,end_ms,hashrate_hs\n";

// A model from the shared xmr-stak capture (as tests/cli does) and that capture metered at a
// 60 s active timeout into an nfcapd file. Built once for the suite.
class CollectDetect : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    const auto pcap = test::shared_pcap("peafowl_monero_xmrstak.pcap");
    const auto& d = *dir_;
    fs::create_directories(d / "lab");
    fs::copy_file(pcap, d / "lab" / "capture.pcap");
    test::write_file(d / "lab" / "labels.csv",
                     std::string(labels_header) +
                         "192.168.2.92,55190,178.32.196.217,9050,6,mining,monero,xmr-stak,peafowl,no,0,0,0\n");
    const std::string bin = sh_quote(test::xmr_binary().string());
    auto t = run(bin + " train --data " + sh_quote((d / "lab").string()) + " --slice 60 --window 5 -o " +
                 sh_quote((d / "model.json").string()));
    ASSERT_EQ(t.exit_code, 0) << t.err;
    // Benign traffic beside the miner, so that not every connection alerts.
    auto f = run(bin + " flows -q --active-timeout 60 -o nfcapd -w " + sh_quote((d / "input.nfcapd").string()) +
                 " -r " + sh_quote(pcap.string()) + " -r " +
                 sh_quote(test::shared_pcap("peafowl_skype-irc.pcap").string()));
    ASSERT_EQ(f.exit_code, 0) << f.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static fs::path model() { return *dir_ / "model.json"; }
  static fs::path input() { return *dir_ / "input.nfcapd"; }

  // Feeds the input to a collector with `sender` and returns its alert lines.
  static std::vector<std::string> collect_alerts(const std::string& sender, std::uint16_t port,
                                                 const test::TempDir& d) {
    const auto alerts = d / "alerts.json";
    test::Daemon collect({test::xmr_binary().string(), "collect", "-l", "udp://127.0.0.1:" + std::to_string(port),
                          "-m", model().string(), "--slice", "60", "--window", "5", "-w", alerts.string(),
                          "--stats-interval", "0"},
                         d.path(), "collect");
    EXPECT_FALSE(collect.wait_for(R"(listening on \S+ \(port (\d+))").empty()) << collect.err();
    const auto r = run(sender + " 2>&1");
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    std::this_thread::sleep_for(1s);  // the last datagrams are decoded
    EXPECT_EQ(collect.terminate(), 0) << collect.err();
    EXPECT_NE(collect.err().find("dropped 0"), std::string::npos) << collect.err();
    return sorted_lines(fs::exists(alerts) ? test::read_file(alerts) : "");
  }

  static inline test::TempDir* dir_ = nullptr;
};

TEST_F(CollectDetect, ReplayedFileAlertsAsDetectDoes) {
  const std::string bin = sh_quote(test::xmr_binary().string());
  const auto det = run(bin + " detect -r " + sh_quote(input().string()) + " -m " + sh_quote(model().string()) +
                       " --slice 60 --window 5 -w -");
  ASSERT_EQ(det.exit_code, 0) << det.err;
  const auto want = sorted_lines(det.out);
  ASSERT_FALSE(want.empty()) << det.err;
  for (int version : {9, 10}) {
    test::TempDir d;
    const auto port = test::free_udp_port();
    const auto got = collect_alerts(bin + " replay -r " + sh_quote(input().string()) + " --to udp://127.0.0.1:" +
                                        std::to_string(port) + " --version " + std::to_string(version),
                                    port, d);
    EXPECT_EQ(got, want) << "version " << version;
  }
  test::TempDir d;
  const auto port = test::free_udp_port();
  const auto got = collect_alerts("nfreplay -v 9 -r " + sh_quote(input().string()) + " -H 127.0.0.1 -p " +
                                      std::to_string(port),
                                  port, d);
  EXPECT_EQ(got, want) << "nfreplay v9";
}

struct Captured : AlertSink {
  std::vector<std::pair<Alert, std::int64_t>> alerts;  // with the wall time it was raised at
  std::int64_t wall_ms = 0;
  void on_alert(const Alert& a) override { alerts.emplace_back(a, wall_ms); }
};

TEST_F(CollectDetect, LiveClockRaisesAlertsWithinOneActiveTimeout) {
  auto model_json = Model::from_json_text(test::read_file(model()));
  ASSERT_TRUE(model_json.has_value());
  auto records = test::read_all(input().string()).records;
  ASSERT_FALSE(records.empty());
  // An exporter sends a record when it ends: order by end time.
  std::stable_sort(records.begin(), records.end(),
                   [](const FlowRecord& a, const FlowRecord& b) { return a.last_ms < b.last_ms; });
  DetectorOptions o;
  o.table.slice_ms = 60'000;
  o.table.lateness_ms = 60'000;  // as `collect` sets it: one active timeout
  o.window_slices = 5;

  // Offline reference: the same records, all slices closed by finish().
  Captured offline;
  {
    Detector d(*model_json, o);
    for (const auto& r : records) d.add(r, offline);
    d.finish(offline);
  }
  ASSERT_FALSE(offline.alerts.empty());

  Captured live;
  Detector d(*model_json, o);
  collector::LiveDetector ld(d);
  // Wall-clock ticks once a second; each record arrives at its end time (an exporter without
  // delay: the exporter's own delay comes on top of the bound checked below).
  std::int64_t wall = records.front().last_ms;
  for (const auto& r : records) {
    for (; wall <= r.last_ms; wall += 1000) {
      live.wall_ms = wall;
      ld.tick(wall, live);
    }
    live.wall_ms = r.last_ms;
    ld.add(r, r.last_ms, live);
  }
  // The exporters go quiet; only the clock moves, for three more active timeouts.
  const std::int64_t quiet_until = wall + 3 * o.table.slice_ms;
  for (; wall <= quiet_until; wall += 1000) {
    live.wall_ms = wall;
    ld.tick(wall, live);
  }
  const std::size_t before_finish = live.alerts.size();
  ld.finish(live);
  EXPECT_EQ(before_finish, live.alerts.size()) << "an alert waited for the end of input";
  ASSERT_EQ(live.alerts.size(), offline.alerts.size());
  for (std::size_t i = 0; i < live.alerts.size(); ++i) {
    const auto& [a, at] = live.alerts[i];
    EXPECT_EQ(a.window_end_ms, offline.alerts[i].first.window_end_ms);
    EXPECT_EQ(a.score, offline.alerts[i].first.score);
    EXPECT_LE(at - a.window_end_ms, o.table.slice_ms + 1000) << "alert " << i;
  }
  EXPECT_GT(ld.clock_advances(), 0u);
}

}  // namespace
}  // namespace xmr
