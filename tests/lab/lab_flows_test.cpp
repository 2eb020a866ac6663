// short_lived = "flows": short-lived connections skip the pcap and go through our flow meter into an
// nfcapd file in each nf-T/. The oracle is nfpcapd itself: the same scenario and seed with
// short_lived = "pcap" gives the same connections in the capture, and nfdump must report the same
// packets and bytes per connection direction from nfpcapd's files as from ours.
#include <gtest/gtest.h>

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

const char* scenario = R"(hours = 0.2
hosts = 6
[network]
clients_v4 = "10.9.0.0"
loss = 0.01
rtt_ms = [10, 120]
[[server]]
name = "pool"
ipv4 = "198.51.100.1"
port = 3333
[[server]]
name = "web"
ipv4 = "192.0.2.80"
[[server]]
name = "resolver"
ipv4 = "203.0.113.53"
[[group]]
profile = "xmrig-nodejs-pool"
server = "pool"
hosts = 1
hashrate_hs = [3000, 3000]
[[group]]
profile = "web-browsing"
server = "web"
fraction = 1.0
sessions_per_hour = 30
[[group]]
profile = "dns-tcp"
server = "resolver"
hosts = 3
sessions_per_hour = 30
)";

// nfdump's per-direction totals: "src,sp,dst,dp" -> (packets, bytes).
std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> totals(const fs::path& dir) {
  const auto r = run("nfdump -R " + sh_quote(dir.string()) + " -q -N -o 'fmt:%sa,%sp,%da,%dp,%pkt,%byt' 2>&1");
  EXPECT_EQ(r.exit_code, 0) << "nfdump is required: " << r.out;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> t;
  for (const auto& line : split(r.out, '\n')) {
    std::string c;
    for (char ch : line)
      if (ch != ' ') c += ch;
    const auto f = split(c, ',');
    if (f.size() != 6) continue;
    auto& e = t[f[0] + "," + f[1] + "," + f[2] + "," + f[3]];
    e.first += std::stoull(f[4]);
    e.second += std::stoull(f[5]);
  }
  return t;
}

TEST(LabFlows, ShortLivedRecordsEqualWhatNfpcapdMeters) {
  TempDir dir;
  write_file(dir / "flows.toml", std::string("name = \"f\"\nshort_lived = \"flows\"\n") + scenario);
  write_file(dir / "pcap.toml", std::string("name = \"f\"\nshort_lived = \"pcap\"\n") + scenario);
  for (const char* name : {"flows", "pcap"}) {
    const auto r = run(sh_quote(xmr_binary().string()) + " lab --engine synth --scenario " +
                       sh_quote((dir / (std::string(name) + ".toml")).string()) + " --seed 5 --active-timeouts 60 -q --out " +
                       sh_quote((dir / name).string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // Same connections either way.
  EXPECT_EQ(read_file(dir / "flows" / "labels.csv"), read_file(dir / "pcap" / "labels.csv"));
  ASSERT_TRUE(fs::exists(dir / "flows" / "nf-60" / "nfcapd.synth-short-lived"));
  // The flows run's pcap holds only the long-lived (mining) connection.
  const auto syns = run("tshark -r " + sh_quote((dir / "flows" / "capture.pcap").string()) +
                        " -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' -T fields -e tcp.dstport 2>/dev/null | sort -u");
  ASSERT_EQ(syns.exit_code, 0) << "tshark is required";
  EXPECT_EQ(syns.out, "3333\n");
  const auto ours = totals(dir / "flows" / "nf-60");
  const auto oracle = totals(dir / "pcap" / "nf-60");
  ASSERT_GT(oracle.size(), 40u);
  EXPECT_EQ(ours.size(), oracle.size());
  std::size_t compared = 0;
  for (const auto& [key, v] : oracle) {
    const auto it = ours.find(key);
    ASSERT_NE(it, ours.end()) << key << " missing from the flows run";
    EXPECT_EQ(it->second.first, v.first) << key << " packets";
    EXPECT_EQ(it->second.second, v.second) << key << " bytes";
    ++compared;
  }
  EXPECT_EQ(compared, oracle.size());
}

}  // namespace
}  // namespace xmr::test
