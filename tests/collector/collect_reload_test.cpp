// SIGHUP and SIGTERM on a running `xmr-ray collect --config FILE`, end to end on loopback:
// the flows of a real miner are replayed in two halves; between them the config file is broken
// (the reload is refused, naming file and line, and the collector runs on) and then switched to
// ECS alerts in another file plus syslog to a UDP socket this test owns. The alerts of both halves
// together must equal `detect`'s on the whole input — a reload that lost connection state would
// lose or change the miner's windows — and syslog must receive exactly the alerts after the switch.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "collector/collector_process.h"
#include "support/test_support.h"

namespace xmr {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::run;
using test::sh_quote;
using namespace std::chrono_literals;

std::vector<json> json_lines(const fs::path& p) {
  std::vector<json> v;
  if (!fs::exists(p)) return v;
  std::istringstream in(test::read_file(p));
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) v.push_back(json::parse(l));
  return v;
}

// What identifies an alert in any format: its connection and the evidence (the xmr_ray object
// holds window, score, rates, sizes and features).
std::vector<std::string> alert_keys(const std::vector<json>& alerts) {
  std::vector<std::string> keys;
  for (const auto& a : alerts) {
    const json cid = a.contains("community_id") ? a["community_id"] : a["network"]["community_id"];
    keys.push_back(cid.get<std::string>() + " " + a["xmr_ray"].dump());
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

class UdpSink {
 public:
  UdpSink() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~UdpSink() { ::close(fd_); }
  std::uint16_t port() const { return port_; }
  std::vector<std::string> drain() {
    std::vector<std::string> got;
    pollfd p{fd_, POLLIN, 0};
    while (::poll(&p, 1, 200) == 1) {
      char buf[65536];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) got.emplace_back(buf, static_cast<std::size_t>(n));
    }
    return got;
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

TEST(CollectReload, SighupKeepsConnectionsAndSwitchesOutputs) {
  test::TempDir d;
  const std::string bin = sh_quote(test::xmr_binary().string());
  const auto pcap = test::shared_pcap("peafowl_monero_xmrstak.pcap");
  fs::create_directories(d / "lab");
  fs::copy_file(pcap, d / "lab" / "capture.pcap");
  test::write_file(d / "lab" / "labels.csv",
                   "client_ip,client_port,server_ip,server_port,proto,label,family,profile,pool,tls,start_ms,end_ms,"
                   "hashrate_hs\n192.168.2.92,55190,178.32.196.217,9050,6,mining,monero,xmr-stak,peafowl,no,0,0,0\n");
  const auto model = d / "model.json";
  auto t = run(bin + " train --data " + sh_quote((d / "lab").string()) + " --slice 60 --window 5 -o " +
               sh_quote(model.string()));
  ASSERT_EQ(t.exit_code, 0) << t.err;

  // The capture metered at 60 s, ordered by record end (as an exporter sends), cut in two halves.
  const auto all = d / "all.csv";
  auto f = run(bin + " flows -q --active-timeout 60 -o csv -w " + sh_quote(all.string()) + " -r " + sh_quote(pcap.string()));
  ASSERT_EQ(f.exit_code, 0) << f.err;
  std::istringstream in(test::read_file(all));
  std::string header;
  std::getline(in, header);
  std::vector<std::string> rows;
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) rows.push_back(l);
  ASSERT_GE(rows.size(), 4u);
  const auto records = test::read_all(all.string()).records;
  ASSERT_EQ(records.size(), rows.size());
  std::vector<std::size_t> order(rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return records[a].last_ms < records[b].last_ms; });
  // Where to cut: the collector's clock moves on with the wall clock while the test reloads
  // (a few seconds), and closes a slice one slice (60 s) after it ends. A record of the second
  // half that reaches back into a slice closed meanwhile would be late, and its windows differ
  // from detect's for that reason alone. So cut (in the middle half) where the second half
  // reaches back least, and require a margin far above the pause.
  constexpr std::int64_t slice_ms = 60'000;
  std::size_t cut = 0;
  std::int64_t best_margin_ms = INT64_MIN;
  for (std::size_t i = order.size() / 4; i < order.size() * 3 / 4; ++i) {
    std::int64_t first_max_end = INT64_MIN, second_min_start = INT64_MAX;
    for (std::size_t j = 0; j < order.size(); ++j) {
      const auto& r = records[order[j]];
      if (j < i) first_max_end = std::max(first_max_end, r.last_ms);
      else second_min_start = std::min(second_min_start, r.first_ms);
    }
    const std::int64_t reached_slice_end = (second_min_start / slice_ms + 1) * slice_ms;
    const std::int64_t margin_ms = reached_slice_end - (first_max_end - slice_ms);
    if (margin_ms > best_margin_ms) best_margin_ms = margin_ms, cut = i;
  }
  ASSERT_GT(best_margin_ms, 20'000) << "no cut leaves the reload 20 s";
  std::string sorted = header + "\n", first = header + "\n", second = header + "\n";
  for (std::size_t i = 0; i < order.size(); ++i) {
    sorted += rows[order[i]] + "\n";
    (i < cut ? first : second) += rows[order[i]] + "\n";
  }
  test::write_file(d / "sorted.csv", sorted);
  test::write_file(d / "first.csv", first);
  test::write_file(d / "second.csv", second);

  const auto want = run(bin + " detect -q -r " + sh_quote((d / "sorted.csv").string()) + " -m " + sh_quote(model.string()) +
                        " --slice 60 --window 5 -w " + sh_quote((d / "want.json").string()));
  ASSERT_EQ(want.exit_code, 0) << want.err;
  const auto want_keys = alert_keys(json_lines(d / "want.json"));
  ASSERT_FALSE(want_keys.empty()) << want.err;

  UdpSink syslog;
  const auto port = test::free_udp_port();
  const auto config = d / "collect.toml";
  const std::string common = "listen = [\"udp://127.0.0.1:" + std::to_string(port) + "\"]\nmodel = \"" + model.string() +
                             "\"\nslice = 60\nwindow = 5\nstats-interval = 0\n";
  test::write_file(config, common + "alerts = \"" + (d / "eve.json").string() + "\"\n");
  test::Daemon collect({test::xmr_binary().string(), "collect", "--config", config.string()}, d.path(), "collect");
  ASSERT_FALSE(collect.wait_for(R"(listening on \S+ \(port (\d+))").empty()) << collect.err();
  const auto replay = [&](const char* half) {
    const auto r = run(bin + " replay -q -r " + sh_quote((d / half).string()) + " --to udp://127.0.0.1:" +
                       std::to_string(port) + " --version 10 2>&1");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    std::this_thread::sleep_for(1s);  // decoded before what comes next
  };
  replay("first.csv");

  // A broken file: refused, named with its line, and the collector runs on.
  test::write_file(config, common + "alert_format = \"ecs\"\n");
  ::kill(collect.pid(), SIGHUP);
  EXPECT_FALSE(collect.wait_for("reload failed, keeping the running configuration: " + config.string() + ":6:").empty())
      << collect.err();
  ASSERT_FALSE(collect.exited()) << collect.err();

  // A good one: ECS into another file, and syslog.
  test::write_file(config, common + "alerts = \"" + (d / "ecs.json").string() + "\"\nalert-format = \"ecs\"\n" +
                               "syslog = \"udp://127.0.0.1:" + std::to_string(syslog.port()) + "\"\n");
  ::kill(collect.pid(), SIGHUP);
  EXPECT_FALSE(collect.wait_for("reloaded " + config.string()).empty()) << collect.err();
  replay("second.csv");
  EXPECT_EQ(collect.terminate(), 0) << collect.err();
  EXPECT_NE(collect.err().find("dropped 0"), std::string::npos) << collect.err();

  const auto eve = json_lines(d / "eve.json");
  const auto ecs = json_lines(d / "ecs.json");
  for (const auto& a : eve) EXPECT_EQ(a.value("event_type", ""), "alert");
  for (const auto& a : ecs) EXPECT_EQ(a["event"]["kind"], "alert");
  std::vector<json> both = eve;
  both.insert(both.end(), ecs.begin(), ecs.end());
  EXPECT_EQ(alert_keys(both), want_keys) << "EVE before the reload: " << eve.size() << ", ECS after: " << ecs.size();
  EXPECT_FALSE(ecs.empty()) << "the miner's later windows alert after the reload";

  // Syslog got the alerts written after the switch, each naming its Community ID.
  const auto messages = syslog.drain();
  ASSERT_EQ(messages.size(), ecs.size());
  std::vector<std::string> syslog_ids, ecs_ids;
  for (const auto& m : messages) {
    const auto at = m.find("community_id=\"");
    ASSERT_NE(at, std::string::npos) << m;
    syslog_ids.push_back(m.substr(at + 14, m.find('"', at + 14) - at - 14));
  }
  for (const auto& a : ecs) ecs_ids.push_back(a["network"]["community_id"]);
  std::sort(syslog_ids.begin(), syslog_ids.end());
  std::sort(ecs_ids.begin(), ecs_ids.end());
  EXPECT_EQ(syslog_ids, ecs_ids);
}

}  // namespace
}  // namespace xmr
