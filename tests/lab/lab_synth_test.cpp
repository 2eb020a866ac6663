// End-to-end tests of `xmr-ray lab --engine synth`: the capture, labels and nfpcapd output are
// checked against independent oracles (tshark for packets and TCP connections, nfdump for the
// metered flows), never against values copied from our own code.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace xmr::test {
namespace {

namespace fs = std::filesystem;

std::string lab_cmd(const fs::path& out, const std::string& scenario, std::uint64_t seed,
                    const std::string& extra = "") {
  return sh_quote(xmr_binary().string()) + " lab --engine synth --scenario " + sh_quote(scenario) +
         " --seed " + std::to_string(seed) + " --out " + sh_quote(out.string()) + " " + extra;
}

std::string smoke_path() { return (source_dir() / "scenarios" / "smoke.toml").string(); }

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) parts.push_back(cur);
  return parts;
}

std::vector<std::vector<std::string>> csv_rows(const fs::path& p) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& line : split(read_file(p), '\n'))
    if (!line.empty()) rows.push_back(split(line, ','));
  return rows;
}

std::size_t count_of(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + needle.size())) ++n;
  return n;
}

// One smoke run shared by the read-only checks below (ctest runs each TEST in its own process,
// and the synth run plus three nfpcapd passes is the slow part under ASan).
struct Smoke {
  TempDir dir;
  CommandResult result;
  fs::path out() const { return dir.path() / "run"; }
};
const Smoke* smoke_ = nullptr;
fs::path out() { return smoke_->out(); }

void check_RunSucceedsAndWritesEveryOutput() {
  ASSERT_EQ(smoke_->result.exit_code, 0) << smoke_->result.err;
  for (const char* f : {"capture.pcap", "labels.csv", "manifest.json"}) EXPECT_TRUE(fs::exists(out() / f)) << f;
  for (const char* d : {"nf-60", "nf-300", "nf-1800"}) EXPECT_TRUE(fs::is_directory(out() / d)) << d;
  const auto manifest = read_file(out() / "manifest.json");
  EXPECT_NE(manifest.find("\"seed\": 1"), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("\"engine\": \"synth\""), std::string::npos) << manifest;
}

// tshark is the oracle for what a TCP connection is: every SYN (without ACK) in the capture opens
// exactly one labelled connection, client = the SYN's sender, and no label lacks its SYN.
void check_LabelsMatchTheConnectionsTsharkSees() {
  ASSERT_EQ(smoke_->result.exit_code, 0) << smoke_->result.err;
  const auto syns = run("tshark -r " + sh_quote((out() / "capture.pcap").string()) +
                        " -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' -T fields -E separator=, "
                        "-e ip.src -e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport 2>&1");
  ASSERT_EQ(syns.exit_code, 0) << "tshark is required: " << syns.out << syns.err;
  std::set<std::string> from_tshark;
  for (const auto& line : split(syns.out, '\n')) {
    if (line.empty() || line.find("Running as user") != std::string::npos) continue;
    const auto f = split(line + ",", ',');  // ip.src, ipv6.src, sport, ip.dst, ipv6.dst, dport
    ASSERT_GE(f.size(), 6u) << line;
    const auto& src = f[0].empty() ? f[1] : f[0];
    const auto& dst = f[3].empty() ? f[4] : f[3];
    from_tshark.insert(src + "," + f[2] + "," + dst + "," + f[5]);  // a retransmitted SYN is one connection
  }
  const auto rows = csv_rows(out() / "labels.csv");
  ASSERT_GT(rows.size(), 1u);
  EXPECT_EQ(read_file(out() / "labels.csv").substr(0, read_file(out() / "labels.csv").find('\n')), "client_ip,client_port,server_ip,server_port,proto,label,family,profile,pool,tls,"
                                 "start_ms,end_ms,hashrate_hs");
  std::set<std::string> from_labels;
  std::size_t mining = 0, benign = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 13u);
    EXPECT_TRUE(from_labels.insert(rows[i][0] + "," + rows[i][1] + "," + rows[i][2] + "," + rows[i][3]).second)
        << "duplicate label row " << i;
    EXPECT_EQ(rows[i][4], "6");
    if (rows[i][5] == "mining") ++mining;
    else if (rows[i][5] == "benign") ++benign;
    else ADD_FAILURE() << "label " << rows[i][5];
    EXPECT_LE(std::stoll(rows[i][10]), std::stoll(rows[i][11]));
  }
  EXPECT_EQ(from_labels, from_tshark);
  EXPECT_GT(mining, 0u);
  EXPECT_GT(benign, 0u);
  // The conversation table agrees on the count.
  const auto conv = run("tshark -r " + sh_quote((out() / "capture.pcap").string()) + " -q -z conv,tcp 2>/dev/null");
  EXPECT_EQ(count_of(conv.out, "<->"), from_labels.size());
}

void check_TsharkFindsNoMalformedPacket() {
  ASSERT_EQ(smoke_->result.exit_code, 0) << smoke_->result.err;
  const auto r = run("tshark -r " + sh_quote((out() / "capture.pcap").string()) +
                     " -Y '_ws.malformed || _ws.expert.severity == error' -T fields -e frame.number -e _ws.col.Info 2>/dev/null");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  // IPv6 and both TCP header sizes (timestamps on / off) are present.
  const auto v6 = run("tshark -r " + sh_quote((out() / "capture.pcap").string()) +
                      " -Y ipv6 -T fields -e frame.number 2>/dev/null | wc -l");
  EXPECT_GT(std::stoi(v6.out), 0);
  const auto hl = run("tshark -r " + sh_quote((out() / "capture.pcap").string()) +
                      " -Y 'tcp.flags.syn==0' -T fields -e tcp.hdr_len 2>/dev/null | sort -u");
  EXPECT_NE(hl.out.find("20"), std::string::npos) << hl.out;
  EXPECT_NE(hl.out.find("32"), std::string::npos) << hl.out;
  // Checksums verified by tshark itself.
  const auto bad = run("tshark -r " + sh_quote((out() / "capture.pcap").string()) +
                       " -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE -Y 'tcp.checksum.status==0 || "
                       "ip.checksum.status==0' 2>/dev/null | wc -l");
  EXPECT_EQ(std::stoi(bad.out), 0) << bad.out;
}

// The plaintext Stratum streams are real JSON-RPC text: tshark's JSON dissector parses them and
// finds the XMRig and Stratum v1 method names.
void check_PlaintextStratumIsJsonToTshark() {
  ASSERT_EQ(smoke_->result.exit_code, 0) << smoke_->result.err;
  const auto r = run("tshark -r " + sh_quote((out() / "capture.pcap").string()) +
                     " -d tcp.port==3333,json -Y 'tcp.port==3333 && json' -T fields -e json.member_with_value "
                     "2>/dev/null");
  ASSERT_EQ(r.exit_code, 0);
  for (const char* m : {"method:login", "method:job", "method:submit", "method:keepalived", "method:mining.subscribe",
                        "method:mining.notify", "method:mining.submit"})
    EXPECT_NE(r.out.find(m), std::string::npos) << m;
  const auto bad = run("tshark -r " + sh_quote((out() / "capture.pcap").string()) +
                       " -d tcp.port==3333,json -Y 'tcp.port==3333 && _ws.malformed' 2>/dev/null | wc -l");
  EXPECT_EQ(std::stoi(bad.out), 0);
}

// nfpcapd metered the capture: nfdump reads records for the labelled connections.
void check_NfpcapdOutputHoldsTheConnections() {
  ASSERT_EQ(smoke_->result.exit_code, 0) << smoke_->result.err;
  for (const char* d : {"nf-60", "nf-300", "nf-1800"}) {
    const auto r = run("nfdump -R " + sh_quote((out() / d).string()) + " -q -N -o 'fmt:%sa,%sp,%da,%dp' 2>&1");
    ASSERT_EQ(r.exit_code, 0) << "nfdump is required: " << r.out;
    std::set<std::string> flows;
    for (auto line : split(r.out, '\n')) {
      std::string compact;
      for (char c : line)
        if (c != ' ') compact += c;
      if (!compact.empty()) flows.insert(compact);
    }
    const auto rows = csv_rows(out() / "labels.csv");
    std::size_t found = 0;
    for (std::size_t i = 1; i < rows.size(); ++i)
      found += flows.count(rows[i][0] + "," + rows[i][1] + "," + rows[i][2] + "," + rows[i][3]);
    EXPECT_EQ(found, rows.size() - 1) << d << "\n" << r.out.substr(0, 2000);
  }
}

// nDPI (ndpiReader, Debian libndpi-bin) is an independent DPI oracle with a "Mining" protocol:
// every plaintext mining connection must be Mining to it, and no benign connection.
void check_NdpiCallsPlaintextStratumMining() {
  const auto r = run("ndpiReader -i " + sh_quote((out() / "capture.pcap").string()) + " -v 2 2>&1");
  ASSERT_EQ(r.exit_code, 0) << "ndpiReader (libndpi-bin) is required: " << r.out.substr(0, 500);
  std::set<std::string> mining_endpoints;
  std::size_t mining_flows = 0;
  for (const auto& line : split(r.out, '\n')) {
    if (line.find("[proto: ") == std::string::npos || line.find("/Mining]") == std::string::npos) continue;
    ++mining_flows;
    std::istringstream in(line);
    std::string index, proto, a, arrow, b;
    in >> index >> proto >> a >> arrow >> b;
    mining_endpoints.insert(a);
    mining_endpoints.insert(b);
  }
  std::size_t plaintext_mining = 0;
  const auto rows = csv_rows(out() / "labels.csv");
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const bool v6 = rows[i][0].find(':') != std::string::npos;
    const auto client = (v6 ? "[" + rows[i][0] + "]" : rows[i][0]) + ":" + rows[i][1];
    if (rows[i][5] == "mining" && rows[i][9] == "false") {
      ++plaintext_mining;
      EXPECT_TRUE(mining_endpoints.count(client)) << client << " (" << rows[i][7] << ") not Mining to nDPI";
    } else if (rows[i][5] == "benign") {
      EXPECT_FALSE(mining_endpoints.count(client)) << client << " (" << rows[i][7] << ") is Mining to nDPI";
    }
  }
  EXPECT_GT(plaintext_mining, 0u);
  EXPECT_EQ(mining_flows, plaintext_mining);
}

TEST(LabSmoke, OutputsAgreeWithOracles) {
  Smoke smoke;
  smoke.result = run(lab_cmd(smoke.out(), smoke_path(), 1));
  smoke_ = &smoke;
  {
    SCOPED_TRACE("RunSucceedsAndWritesEveryOutput");
    check_RunSucceedsAndWritesEveryOutput();
  }
  {
    SCOPED_TRACE("LabelsMatchTheConnectionsTsharkSees");
    check_LabelsMatchTheConnectionsTsharkSees();
  }
  {
    SCOPED_TRACE("TsharkFindsNoMalformedPacket");
    check_TsharkFindsNoMalformedPacket();
  }
  {
    SCOPED_TRACE("PlaintextStratumIsJsonToTshark");
    check_PlaintextStratumIsJsonToTshark();
  }
  {
    SCOPED_TRACE("NfpcapdOutputHoldsTheConnections");
    check_NfpcapdOutputHoldsTheConnections();
  }
  {
    SCOPED_TRACE("NdpiCallsPlaintextStratumMining");
    check_NdpiCallsPlaintextStratumMining();
  }
  smoke_ = nullptr;
}

TEST(LabSynth, SameSeedSameBytesOtherSeedOtherBytes) {
  TempDir dir;
  const auto a = run(lab_cmd(dir / "a", smoke_path(), 7, "--active-timeouts 60"));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto b = run(lab_cmd(dir / "b", smoke_path(), 7, "--active-timeouts 60"));
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const auto c = run(lab_cmd(dir / "c", smoke_path(), 8, "--active-timeouts 60"));
  ASSERT_EQ(c.exit_code, 0) << c.err;
  for (const char* f : {"capture.pcap", "labels.csv", "manifest.json"})
    EXPECT_TRUE(read_file(dir / "a" / f) == read_file(dir / "b" / f)) << f << " differs with the same seed";
  EXPECT_FALSE(read_file(dir / "a" / "capture.pcap") == read_file(dir / "c" / "capture.pcap"));
  EXPECT_FALSE(read_file(dir / "a" / "labels.csv") == read_file(dir / "c" / "labels.csv"));
}

// xmrig-nodejs-pool: a new job per Monero block (exponential, mean 120 s) plus refreshes (mean
// 900 s). Over 2 simulated hours the count of "job" pushes is Poisson with mean
// 7200/120 + 7200/900 = 68; five standard deviations either side cannot fail by chance.
TEST(LabSynth, NodejsPoolJobCountWithinPoissonBound) {
  TempDir dir;
  write_file(dir / "one.toml", R"(name = "one-miner"
hours = 2.0
hosts = 1
[network]
clients_v4 = "10.9.0.0"
loss = 0.0
[[server]]
name = "pool"
ipv4 = "198.51.100.1"
port = 3333
[[group]]
profile = "xmrig-nodejs-pool"
server = "pool"
hosts = 1
hashrate_hs = [2000, 2000]
)");
  const auto r = run(lab_cmd(dir / "out", (dir / "one.toml").string(), 3, "--active-timeouts 60"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = csv_rows(dir / "out" / "labels.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][5], "mining");
  // tshark extracts the methods of the server->client JSON messages.
  const auto t = run("tshark -r " + sh_quote((dir / "out" / "capture.pcap").string()) +
                     " -d tcp.port==3333,json -Y 'tcp.srcport==3333 && json' -T fields -e json.member_with_value "
                     "2>/dev/null");
  ASSERT_EQ(t.exit_code, 0);
  const double jobs = static_cast<double>(count_of(t.out, "method:job"));
  const double mean = 7200.0 / 120 + 7200.0 / 900;
  EXPECT_GT(jobs, mean - 5 * std::sqrt(mean));
  EXPECT_LT(jobs, mean + 5 * std::sqrt(mean));
  // Shares at 2 kH/s are submitted and answered: every submit has a result.
  const auto up = run("tshark -r " + sh_quote((dir / "out" / "capture.pcap").string()) +
                      " -d tcp.port==3333,json -Y 'tcp.dstport==3333 && json' -T fields -e json.member_with_value "
                      "2>/dev/null");
  EXPECT_GT(count_of(up.out, "method:submit"), 0u);
}

TEST(LabSynth, LiveEngineIsAClearError) {
  TempDir dir;
  const auto r = run(sh_quote(xmr_binary().string()) + " lab --engine live --scenario " + sh_quote(smoke_path()) +
                     " --out " + sh_quote((dir / "x").string()));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("not implemented"), std::string::npos) << r.err;
}

// A damaged scenario is refused with a message naming the file, and nothing is synthesised.
TEST(LabSynth, BadScenariosAreNamedErrors) {
  TempDir dir;
  const std::map<std::string, std::string> cases = {
      {"garbage.toml", "this is [not toml\n"},
      {"unknown_profile.toml",
       "name=\"x\"\n[[server]]\nname=\"s\"\nipv4=\"1.2.3.4\"\n[[group]]\nprofile=\"no-such\"\nserver=\"s\"\nhosts=1\n"},
      {"unknown_server.toml",
       "name=\"x\"\n[[server]]\nname=\"s\"\nipv4=\"1.2.3.4\"\n[[group]]\nprofile=\"redis-pubsub\"\nserver=\"t\"\nhosts=1\n"},
      {"bad_address.toml",
       "name=\"x\"\n[[server]]\nname=\"s\"\nipv4=\"1.2.3\"\n[[group]]\nprofile=\"redis-pubsub\"\nserver=\"s\"\nhosts=1\n"},
      {"no_groups.toml", "name=\"x\"\n[[server]]\nname=\"s\"\nipv4=\"1.2.3.4\"\n"},
  };
  for (const auto& [name, text] : cases) {
    write_file(dir / name, text);
    const auto r = run(lab_cmd(dir / ("out-" + name), (dir / name).string(), 1));
    EXPECT_NE(r.exit_code, 0) << name;
    EXPECT_NE(r.err.find(name), std::string::npos) << name << ": " << r.err;
    EXPECT_FALSE(fs::exists(dir / ("out-" + name) / "capture.pcap")) << name;
  }
  const auto missing = run(lab_cmd(dir / "o", "no-such-scenario", 1));
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("no-such-scenario"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace xmr::test
