// `xmr-ray collect` and `xmr-ray replay` with real exporters and collectors on loopback, nfdump
// as the oracle: nfreplay (nfdump 1.7.1) into our collector, our replay into the real nfcapd,
// softflowd exporters (v5, v9, IPFIX) at once with a hostile sender beside them, the metrics
// endpoint scraped, and SIGTERM leaving complete nfcapd files that nfdump reads.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "collector/collector_process.h"
#include "support/test_support.h"

namespace xmr {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::run;
using test::sh_quote;

// nfdump's own listing of the fields every path here must keep, one sorted line per record.
std::vector<std::string> nfdump_records(const fs::path& file_or_dir) {
  const std::string where = fs::is_directory(file_or_dir) ? " -R " : " -r ";
  const auto r = run("nfdump" + where + sh_quote(file_or_dir.string()) +
                     " -q -N -o 'fmt:%ts %te %pr %sa %sp %da %dp %flg %tos %ipkt %ibyt'");
  EXPECT_EQ(r.exit_code, 0) << "nfdump failed (is nfdump installed?): " << r.err;
  std::vector<std::string> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(std::regex_replace(line, std::regex(" +"), " "));
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::vector<std::string> only_ipv4(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines)
    if (l.find("::") == std::string::npos && std::count(l.begin(), l.end(), ':') <= 6) out.push_back(l);
  return out;
}

// A few hundred records of mixed traffic (TCP/UDP, IPv4/IPv6), written by our meter.
// Written once per set of captures and shared by the tests of this binary (metering under
// ASan is the slow part).
fs::path make_input(const test::TempDir&,
                    std::vector<const char*> pcaps = {"peafowl_skype-irc.pcap", "ndpi_wechat.pcap",
                                                      "peafowl_monero_xmrstak.pcap", "ndpi_ssh.pcapng",
                                                      "jsiwek_coinhive.pcap"}) {
  static test::TempDir cache;
  const auto file = cache / ("input-" + std::to_string(pcaps.size()) + ".nfcapd");
  if (fs::exists(file)) return file;
  std::string cmd = sh_quote(test::xmr_binary().string()) + " flows -q --active-timeout 60 -o nfcapd -w " +
                    sh_quote(file.string());
  for (const char* p : pcaps)
    cmd += " -r " + sh_quote(test::shared_pcap(p).string());
  const auto r = run(cmd);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return file;
}

std::vector<std::string> collect_args(std::uint16_t port, const fs::path& archive) {
  return {test::xmr_binary().string(), "collect", "--no-detect", "-l", "udp://127.0.0.1:" + std::to_string(port),
          "--archive", archive.string(), "--stats-interval", "0", "--metrics", "127.0.0.1:0"};
}

// One HTTP/1.0 GET on 127.0.0.1: the whole response (headers and body).
std::string http_get(std::uint16_t port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string request = "GET " + path + " HTTP/1.0\r\n\r\n";
    (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) response.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return response;
}

// Sum of one metric family's samples whose labels contain `filter`.
std::uint64_t metric_sum(const std::string& text, const std::string& name, const std::string& filter = "") {
  std::uint64_t sum = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with(name + "{") && !line.starts_with(name + " ")) continue;
    if (!filter.empty() && line.find(filter) == std::string::npos) continue;
    sum += std::stoull(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

// Waits until the collector's metrics say `records` were decoded (or 20 s).
std::string wait_records(std::uint16_t metrics_port, std::uint64_t records) {
  std::string m;
  for (int i = 0; i < 200; ++i) {
    m = http_get(metrics_port, "/metrics");
    if (metric_sum(m, "xmr_exporter_records_total") >= records) break;
    std::this_thread::sleep_for(100ms);
  }
  return m;
}

class ReplayIntoCollect : public ::testing::TestWithParam<int> {};

// Our exporter into our collector: the archive nfdump reads equals the input nfdump reads.
TEST_P(ReplayIntoCollect, ArchiveEqualsInputByNfdump) {
  test::TempDir d;
  const auto input = make_input(d);
  auto want = nfdump_records(input);
  if (GetParam() == 5) want = only_ipv4(want);
  ASSERT_GT(want.size(), 100u);
  const auto port = test::free_udp_port();
  test::Daemon collect(collect_args(port, d / "archive"), d.path(), "collect");
  const auto metrics_port = collect.wait_for(R"(metrics on \S+ \(port (\d+)\))");
  ASSERT_FALSE(metrics_port.empty()) << collect.err();
  const auto r = run(sh_quote(test::xmr_binary().string()) + " replay -r " + sh_quote(input.string()) +
                     " --to udp://127.0.0.1:" + std::to_string(port) + " --version " + std::to_string(GetParam()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto m = wait_records(static_cast<std::uint16_t>(std::stoi(metrics_port)), want.size());
  EXPECT_EQ(metric_sum(m, "xmr_exporter_records_total"), want.size()) << m;
  EXPECT_EQ(metric_sum(m, "xmr_exporter_sequence_gaps_total"), 0u) << m;
  EXPECT_EQ(metric_sum(m, "xmr_collector_datagrams_dropped_total"), 0u) << m;
  EXPECT_NE(http_get(static_cast<std::uint16_t>(std::stoi(metrics_port)), "/healthz").find("ok"), std::string::npos);
  ASSERT_EQ(collect.terminate(), 0) << collect.err();
  EXPECT_EQ(nfdump_records(d / "archive"), want);
  // The open interval's file was finished and renamed, none left half-written.
  for (const auto& e : fs::directory_iterator(d / "archive"))
    EXPECT_TRUE(e.path().filename().string().starts_with("nfcapd.20")) << e.path();
}

INSTANTIATE_TEST_SUITE_P(Versions, ReplayIntoCollect, ::testing::Values(5, 9, 10));

// What the real nfcapd stores from the datagrams `send` (a command, PORT replaced) sends it.
std::vector<std::string> nfcapd_stores(const test::TempDir& d, const std::string& send) {
  fs::create_directories(d / "nfcapd");
  const auto port = test::free_udp_port();
  test::Daemon nfcapd({"nfcapd", "-w", (d / "nfcapd").string(), "-b", "127.0.0.1", "-p", std::to_string(port)},
                      d.path(), "nfcapd");
  // nfcapd says nothing when it is ready; wait until its port is bound.
  for (int i = 0; i < 100 && run("ss -uln | grep -q ':" + std::to_string(port) + " '").exit_code != 0; ++i)
    std::this_thread::sleep_for(50ms);
  const auto r = run(std::regex_replace(send, std::regex("PORT"), std::to_string(port)) + " 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  std::this_thread::sleep_for(500ms);
  nfcapd.terminate();
  return nfdump_records(d / "nfcapd");
}

class NfreplayIntoCollect : public ::testing::TestWithParam<int> {};

// nfdump's own exporter (nfreplay, v5 or v9) into our collector and into nfcapd: both store the
// input's records. One capture of 323 s: nfreplay's v5 keeps one boot time per file, so a file
// spanning years (merged captures) wraps v5's 32-bit uptimes and no collector can recover it.
TEST_P(NfreplayIntoCollect, ArchiveEqualsWhatNfcapdStores) {
  test::TempDir d;
  const auto input = make_input(d, {"peafowl_skype-irc.pcap"});
  const std::string send = "nfreplay -r " + sh_quote(input.string()) + " -H 127.0.0.1 -p PORT -v " +
                           std::to_string(GetParam());
  const auto want = nfcapd_stores(d, send);
  ASSERT_GT(want.size(), 100u);
  EXPECT_EQ(want, GetParam() == 5 ? only_ipv4(nfdump_records(input)) : nfdump_records(input));
  const auto port = test::free_udp_port();
  test::Daemon collect(collect_args(port, d / "archive"), d.path(), "collect");
  const auto metrics_port = collect.wait_for(R"(metrics on \S+ \(port (\d+)\))");
  ASSERT_FALSE(metrics_port.empty()) << collect.err();
  const auto r = run(std::regex_replace(send, std::regex("PORT"), std::to_string(port)) + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << "nfreplay failed (is nfdump installed?): " << r.out;
  const auto m = wait_records(static_cast<std::uint16_t>(std::stoi(metrics_port)), want.size());
  EXPECT_EQ(metric_sum(m, "xmr_exporter_records_total"), want.size()) << m;
  ASSERT_EQ(collect.terminate(), 0) << collect.err();
  EXPECT_EQ(nfdump_records(d / "archive"), want);
}

INSTANTIATE_TEST_SUITE_P(Versions, NfreplayIntoCollect, ::testing::Values(5, 9));

class ReplayIntoNfcapd : public ::testing::TestWithParam<int> {};

// Our exporter into the real nfcapd: what nfcapd stores, nfdump lists as the input.
TEST_P(ReplayIntoNfcapd, NfcapdStoresTheInput) {
  test::TempDir d;
  const auto input = make_input(d);
  auto want = nfdump_records(input);
  if (GetParam() == 5) want = only_ipv4(want);
  const auto got = nfcapd_stores(d, sh_quote(test::xmr_binary().string()) + " replay -r " + sh_quote(input.string()) +
                                        " --to udp://127.0.0.1:PORT --version " + std::to_string(GetParam()) +
                                        " --rate 2000");
  EXPECT_EQ(got, want);
}

INSTANTIATE_TEST_SUITE_P(Versions, ReplayIntoNfcapd, ::testing::Values(5, 9, 10));

// Three softflowd exporters (v5, v9, IPFIX) and a hostile sender at once: each exporter's
// records are decoded (its per-exporter series in the metrics), the garbage is counted, and
// the archive holds exactly three times each flow of the capture.
TEST(CollectMany, SoftflowdExportersAndAHostileSenderAtOnce) {
  test::TempDir d;
  const auto pcap = test::shared_pcap("jsiwek_coinhive-stratum.pcap").string();
  const auto port = test::free_udp_port();
  test::Daemon collect(collect_args(port, d / "archive"), d.path(), "collect");
  const auto metrics_port = collect.wait_for(R"(metrics on \S+ \(port (\d+)\))");
  ASSERT_FALSE(metrics_port.empty()) << collect.err();
  std::vector<std::thread> exporters;
  std::vector<test::CommandResult> results(3);
  const int versions[3] = {5, 9, 10};
  for (int i = 0; i < 3; ++i)
    exporters.emplace_back([&, i] {
      results[static_cast<std::size_t>(i)] =
          run("softflowd -d -r " + sh_quote(pcap) + " -v " + std::to_string(versions[i]) +
              " -A milli -n 127.0.0.1:" + std::to_string(port) + " 2>&1");
    });
  {
    // Hostile: unknown versions, truncated headers, a v9 template with a lying length, an IPFIX
    // message whose length field exceeds the datagram, and a template flood.
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(port);
    auto send = [&](std::vector<std::uint8_t> p) {
      ::sendto(fd, p.data(), p.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    };
    send({0xde, 0xad, 0xbe, 0xef});
    send({0x00, 0x09, 0x00});
    send({0x00, 0x09, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 7,  // v9 header
          0x00, 0x00, 0xFF, 0xF0, 0x01, 0x00, 0x00, 0x02});                      // template set, length 65520
    send({0x00, 0x0a, 0x40, 0x00, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9});         // IPFIX length 16384
    for (int t = 0; t < 400; ++t) {
      std::vector<std::uint8_t> p = {0x00, 0x0a, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5,
                                     0x00, 0x02, 0x00, 0x0c, static_cast<std::uint8_t>(1 + t / 256),
                                     static_cast<std::uint8_t>(t % 256), 0x00, 0x01, 0x00, 0x08, 0x00, 0x04};
      p[3] = static_cast<std::uint8_t>(p.size());
      send(p);
    }
    ::close(fd);
  }
  for (auto& t : exporters) t.join();
  for (const auto& r : results) ASSERT_EQ(r.exit_code, 0) << "softflowd failed (is it installed?): " << r.out;
  const auto ours = test::read_all(pcap);
  std::map<std::tuple<IpAddress, IpAddress, std::uint16_t, std::uint16_t, std::uint8_t>, std::uint64_t> want;
  for (const auto& r : ours.records) want[{r.src_addr, r.dst_addr, r.src_port, r.dst_port, r.proto}] += 3 * r.pkts;
  std::uint64_t want_records = 0;
  const auto mp = static_cast<std::uint16_t>(std::stoi(metrics_port));
  // softflowd sends one record per flow and direction; wait for all three exports.
  std::string m;
  for (int i = 0; i < 100; ++i) {
    m = http_get(mp, "/metrics");
    if (metric_sum(m, "xmr_exporter_records_total") >= 3 * want.size()) break;
    std::this_thread::sleep_for(100ms);
  }
  want_records = metric_sum(m, "xmr_exporter_records_total");
  EXPECT_GE(want_records, 3 * want.size()) << m;
  for (const char* v : {"version=\"5\"", "version=\"9\"", "version=\"10\""})
    EXPECT_GT(metric_sum(m, "xmr_exporter_records_total", v), 0u) << v << "\n" << m;
  // The hostile sender is one exporter series of its own, with its damage counted.
  EXPECT_GE(metric_sum(m, "xmr_exporter_unusable_datagrams_total"), 2u) << m;
  EXPECT_GE(metric_sum(m, "xmr_exporter_decode_errors_total"), 2u) << m;
  EXPECT_LE(metric_sum(m, "xmr_exporter_templates", "domain=\"5\""), 256u) << "template cap per exporter";
  ASSERT_EQ(collect.terminate(), 0) << collect.err();
  std::map<std::tuple<IpAddress, IpAddress, std::uint16_t, std::uint16_t, std::uint8_t>, std::uint64_t> got;
  std::uint64_t archived = 0;
  for (const auto& e : fs::directory_iterator(d / "archive")) {
    const auto all = test::read_all(e.path().string());
    archived += all.records.size();
    for (const auto& r : all.records) got[{r.src_addr, r.dst_addr, r.src_port, r.dst_port, r.proto}] += r.pkts;
  }
  EXPECT_EQ(archived, want_records);
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace xmr
