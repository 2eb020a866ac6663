// Behaviour of the profiles added for issue 4's second round, each on a tiny scenario and judged by
// tshark: xmrig-proxy's upstream submits N rigs' shares, xmrig-failover reconnects (to the backup
// pool), browser-miner speaks CoinHive JSON in real WebSocket frames from several tabs,
// stratum-equihash submits ~2.8 kB shares.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace xmr::test {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) parts.push_back(cur);
  return parts;
}
std::vector<std::vector<std::string>> data_rows(const fs::path& p) {
  std::vector<std::vector<std::string>> rows;
  const auto lines = split(read_file(p), '\n');
  for (std::size_t i = 1; i < lines.size(); ++i)
    if (!lines[i].empty()) rows.push_back(split(lines[i], ','));
  return rows;
}
std::size_t count_of(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + needle.size())) ++n;
  return n;
}
CommandResult lab(const fs::path& scenario, const fs::path& out, std::uint64_t seed = 1) {
  return run(sh_quote(xmr_binary().string()) + " lab --engine synth --scenario " + sh_quote(scenario.string()) +
             " --seed " + std::to_string(seed) + " --out " + sh_quote(out.string()) +
             " --active-timeouts 60 --nfpcapd true -q");  // tshark judges the capture; no metering needed
}
const char* header = R"(hours = 1.0
[network]
clients_v4 = "10.9.0.0"
loss = 0.0
)";

// xmrig-proxy with 20 rigs against a single rig of the same hashrate on the same pool settings:
// tshark counts the upstream's submits near 20 times the rig's (each within 5 sigma of its
// Poisson mean: active seconds / 30 s per share, times the rigs).
TEST(LabProfiles, XmrigProxyUpstreamSubmitsForAllItsRigs) {
  TempDir dir;
  write_file(dir / "p.toml", std::string("name = \"proxy\"\nhosts = 2\n") + header + R"(
[[server]]
name = "pool-a"
ipv4 = "198.51.100.1"
port = 3333
[[server]]
name = "pool-b"
ipv4 = "198.51.100.2"
port = 3333
[[group]]
profile = "xmrig-nodejs-pool"
server = "pool-a"
hosts = 1
hashrate_hs = [4000, 4000]
share_target_s = 30
[[group]]
profile = "xmrig-proxy"
server = "pool-b"
hosts = 1
rigs = 20
hashrate_hs = [4000, 4000]
share_target_s = 30
)");
  const auto r = lab(dir / "p.toml", dir / "out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto t = run("tshark -r " + sh_quote((dir / "out" / "capture.pcap").string()) +
                     " -d tcp.port==3333,json -Y 'tcp.dstport==3333 && json' -T fields -e ip.dst -e json.member_with_value"
                     " 2>/dev/null");
  ASSERT_EQ(t.exit_code, 0) << "tshark is required";
  std::map<std::string, std::size_t> submits;
  std::size_t proxy_agents = 0;
  for (const auto& line : split(t.out, '\n')) {
    submits[line.substr(0, line.find('\t'))] += count_of(line, "method:submit");
    proxy_agents += count_of(line, "agent:xmrig-proxy/");
  }
  EXPECT_EQ(proxy_agents, 1u) << "the upstream logs in as xmrig-proxy";
  std::map<std::string, double> active_s;  // server -> seconds the connection was up
  for (const auto& row : data_rows(dir / "out" / "labels.csv"))
    active_s[row[2]] = (1767225600000.0 + 3600000.0 - std::stod(row[10])) / 1000.0;
  for (const auto& [ip, rigs] : std::map<std::string, double>{{"198.51.100.1", 1}, {"198.51.100.2", 20}}) {
    const double mean = active_s[ip] / 30.0 * rigs;
    const double n = static_cast<double>(submits[ip]);
    EXPECT_GT(n, mean - 5 * std::sqrt(mean)) << ip;
    EXPECT_LT(n, mean + 5 * std::sqrt(mean)) << ip;
  }
}

// xmrig-failover with every reconnect to the backup: several connections, one after the other
// (each starts at least XMRig's 5 s retry pause after the previous one's last packet), the first to
// the primary pool and the rest to the backup, each but the last closed with a FIN tshark sees.
TEST(LabProfiles, FailoverReconnectsToTheBackupPool) {
  TempDir dir;
  write_file(dir / "f.toml", std::string("name = \"failover\"\nhosts = 1\n") + header + R"(
[[server]]
name = "primary"
ipv4 = "198.51.100.1"
port = 3333
[[server]]
name = "backup"
ipv4 = "198.51.100.9"
port = 4444
[[group]]
profile = "xmrig-failover"
server = "primary"
backup_server = "backup"
failover_fraction = 1.0
session_mean_s = 300
hosts = 1
hashrate_hs = [3000, 3000]
)");
  const auto r = lab(dir / "f.toml", dir / "out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto rows = data_rows(dir / "out" / "labels.csv");
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return std::stoll(a[10]) < std::stoll(b[10]); });
  ASSERT_GE(rows.size(), 3u);
  EXPECT_EQ(rows[0][8], "primary");
  EXPECT_EQ(rows[0][3], "3333");
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][8], "backup") << i;
    EXPECT_EQ(rows[i][3], "4444") << i;
    EXPECT_GE(std::stoll(rows[i][10]), std::stoll(rows[i - 1][11]) + 5000) << i;
  }
  const auto fins = run("tshark -r " + sh_quote((dir / "out" / "capture.pcap").string()) +
                        " -Y 'tcp.flags.fin==1 && ip.src==10.9.0.1' -T fields -e tcp.srcport 2>/dev/null");
  std::set<std::string> closed;
  for (const auto& p : split(fins.out, '\n'))
    if (!p.empty()) closed.insert(p);
  for (std::size_t i = 0; i + 1 < rows.size(); ++i) EXPECT_TRUE(closed.count(rows[i][1])) << "no FIN on " << rows[i][1];
}

// browser-miner: each host opens `connections` tabs; tshark follows the HTTP Upgrade into
// WebSocket and finds masked client text frames carrying CoinHive's auth/submit and unmasked
// server frames carrying authed/job/hash_accepted, none malformed.
TEST(LabProfiles, BrowserMinerTabsSpeakCoinHiveOverWebSocket) {
  TempDir dir;
  write_file(dir / "b.toml", std::string("name = \"browser\"\nhosts = 2\n") + header + R"(
[[server]]
name = "proxy"
ipv4 = "198.51.100.1"
port = 8892
[[group]]
profile = "browser-miner"
server = "proxy"
hosts = 2
connections = 3
hashrate_hs = [40, 80]
min_difficulty = 256
)");
  const auto r = lab(dir / "b.toml", dir / "out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = data_rows(dir / "out" / "labels.csv");
  EXPECT_EQ(rows.size(), 6u);
  const auto pcap = sh_quote((dir / "out" / "capture.pcap").string());
  const auto t = run("tshark -r " + pcap + " -d tcp.port==8892,http -Y websocket -T fields -e tcp.dstport -e "
                     "websocket.mask -e websocket.opcode -e websocket.payload.text 2>/dev/null");
  ASSERT_EQ(t.exit_code, 0) << "tshark is required";
  std::size_t client_frames = 0, server_frames = 0;
  for (const auto& line : split(t.out, '\n')) {
    const auto f = split(line, '\t');
    if (f.size() < 4) continue;
    const bool from_client = f[0] == "8892";
    EXPECT_EQ(f[1], from_client ? "1" : "0") << line;  // RFC 6455 5.3: only clients mask
    EXPECT_EQ(f[2], "1") << line;                      // text frames
    if (from_client) ++client_frames;
    else ++server_frames;
  }
  EXPECT_GE(client_frames, 6u);  // at least one auth per tab
  EXPECT_GT(server_frames, client_frames);
  for (const char* type : {"\"type\":\"auth\"", "\"type\":\"submit\"", "\"type\":\"authed\"", "\"type\":\"job\"",
                           "\"type\":\"hash_accepted\""})
    EXPECT_NE(t.out.find(type), std::string::npos) << type << "\n" << t.out.substr(0, 1000);
  const auto bad = run("tshark -r " + pcap + " -d tcp.port==8892,http -Y '_ws.malformed || _ws.expert.severity==error' "
                       "2>/dev/null | wc -l");
  EXPECT_EQ(std::stoi(bad.out), 0);
}

// stratum-equihash: each submit carries a 1344-byte Equihash(200,9) solution in hex, so the
// client's data segments of a submit add up to over 2.7 kB (tshark: PSH-terminated runs).
TEST(LabProfiles, EquihashSubmitsAreLarge) {
  TempDir dir;
  write_file(dir / "z.toml", std::string("name = \"zec\"\nhosts = 1\nhours = 0.3\n") + R"(
[network]
clients_v4 = "10.9.0.0"
loss = 0.0
timestamps_fraction = 0.0
[[server]]
name = "zpool"
ipv4 = "198.51.100.1"
port = 3357
[[group]]
profile = "stratum-equihash"
server = "zpool"
hosts = 1
hashrate_hs = [500, 500]
share_target_s = 20
)");
  const auto r = lab(dir / "z.toml", dir / "out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Client data segments in order: a message ends at a PSH; sum segment lengths per message.
  const auto t = run("tshark -r " + sh_quote((dir / "out" / "capture.pcap").string()) +
                     " -Y 'tcp.dstport==3357 && tcp.len>0' -T fields -e tcp.len -e tcp.flags.push 2>/dev/null");
  ASSERT_EQ(t.exit_code, 0) << "tshark is required";
  std::vector<std::size_t> messages;
  std::size_t cur = 0;
  for (const auto& line : split(t.out, '\n')) {
    const auto f = split(line, '\t');
    if (f.size() < 2) continue;
    cur += std::stoul(f[0]);
    if (f[1] == "1" || f[1] == "True") {
      messages.push_back(cur);
      cur = 0;
    }
  }
  std::size_t large = 0;
  for (auto m : messages) large += m > 2700;
  EXPECT_GT(large, 20u);  // ~0.3 h / 20 s per share
  // messages.csv agrees: its submits are the large client messages.
  std::size_t submits = 0;
  for (const auto& row : data_rows(dir / "out" / "messages.csv"))
    if (row[6] == "submit") {
      ++submits;
      EXPECT_GT(std::stoul(row[7]), 2700u);
    }
  EXPECT_EQ(submits, large);
}

}  // namespace
}  // namespace xmr::test
