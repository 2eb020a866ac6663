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

#include <nlohmann/json.hpp>

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

// tshark's view of every data segment: per (client, server, direction) the relative sequence
// number of each segment's first byte -> the capture time (ms) it was first seen, and the stream
// length. Relative seq 1 is the first byte after the SYN.
struct StreamView {
  std::map<std::uint64_t, std::int64_t> first_ms_at_seq;
  std::uint64_t stream_bytes = 0;
};
std::int64_t epoch_ms(const std::string& t) {  // "1767225600.123456000" -> ms, no floating point
  const auto dot = t.find('.');
  const std::int64_t s = std::stoll(t.substr(0, dot));
  const std::string frac = dot == std::string::npos ? "" : (t.substr(dot + 1) + "000").substr(0, 3);
  return s * 1000 + (frac.empty() ? 0 : std::stoll(frac));
}
std::map<std::string, StreamView> tshark_streams(const fs::path& pcap) {
  const auto r = run("tshark -r " + sh_quote(pcap.string()) +
                     " -Y 'tcp.len>0' -T fields -E separator=, -e frame.time_epoch -e ip.src -e ipv6.src -e tcp.srcport"
                     " -e ip.dst -e ipv6.dst -e tcp.dstport -e tcp.seq -e tcp.len 2>/dev/null");
  std::map<std::string, StreamView> v;
  for (const auto& line : split(r.out, '\n')) {
    const auto f = split(line + ",", ',');
    if (f.size() < 9) continue;
    const auto src = (f[1].empty() ? f[2] : f[1]) + "," + f[3];
    const auto dst = (f[4].empty() ? f[5] : f[4]) + "," + f[6];
    auto& sv = v[src + "," + dst];
    const std::uint64_t seq = std::stoull(f[7]), len = std::stoull(f[8]);
    sv.first_ms_at_seq.emplace(seq, epoch_ms(f[0]));  // emplace keeps the first sighting
    sv.stream_bytes = std::max(sv.stream_bytes, seq + len - 1);
  }
  return v;
}

// messages.csv against the capture: in each direction of each mining connection the messages
// tile the end of the TCP byte stream. Every message starts a segment tshark sees at exactly the
// message's offset, first captured in the message's time_ms; what precedes the first message is
// the TLS handshake (none on plaintext connections).
void check_MessagesTileTheCapturedStreams() {
  ASSERT_EQ(smoke_->result.exit_code, 0) << smoke_->result.err;
  ASSERT_TRUE(fs::exists(out() / "messages.csv"));
  EXPECT_EQ(split(read_file(out() / "messages.csv"), '\n')[0],
            "client_ip,client_port,server_ip,server_port,time_ms,direction,kind,tcp_payload_bytes");
  const auto streams = tshark_streams(out() / "capture.pcap");
  ASSERT_FALSE(streams.empty()) << "tshark is required";
  std::map<std::string, std::string> label_of;  // client,port,server,port -> row fields joined
  std::map<std::string, bool> tls_of;
  for (const auto& row : csv_rows(out() / "labels.csv")) {
    const auto key = row[0] + "," + row[1] + "," + row[2] + "," + row[3];
    label_of[key] = row[5];
    tls_of[key] = row[9] == "true";
  }
  const std::set<std::string> kinds = {"login", "login_result", "job", "submit", "result", "keepalive", "keepalive_result", "other"};
  std::map<std::string, std::vector<std::pair<std::int64_t, std::uint64_t>>> per_dir;  // "src,sp,dst,dp" -> (ms, bytes)
  std::set<std::string> mining_with_messages;
  const auto rows = csv_rows(out() / "messages.csv");
  ASSERT_GT(rows.size(), 100u);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    ASSERT_EQ(r.size(), 8u) << i;
    const auto conn = r[0] + "," + r[1] + "," + r[2] + "," + r[3];
    ASSERT_EQ(label_of[conn], "mining") << "messages.csv row " << i << " is not on a mining connection";
    EXPECT_TRUE(kinds.count(r[6])) << r[6];
    ASSERT_TRUE(r[5] == "c2s" || r[5] == "s2c") << r[5];
    const auto dir = r[5] == "c2s" ? conn : r[2] + "," + r[3] + "," + r[0] + "," + r[1];
    per_dir[dir].push_back({std::stoll(r[4]), std::stoull(r[7])});
    mining_with_messages.insert(conn);
  }
  std::size_t mining_rows = 0;
  for (const auto& [conn, label] : label_of) mining_rows += label == "mining";
  EXPECT_EQ(mining_with_messages.size(), mining_rows) << "every mining connection has messages";
  std::size_t checked = 0, tls_dirs = 0;
  for (const auto& [dir, msgs] : per_dir) {
    const auto it = streams.find(dir);
    ASSERT_NE(it, streams.end()) << dir;
    const auto& sv = it->second;
    std::uint64_t total = 0;
    for (const auto& m : msgs) total += m.second;
    ASSERT_LE(total, sv.stream_bytes) << dir;
    std::uint64_t offset = sv.stream_bytes - total;  // handshake bytes before the first message
    const auto f = split(dir, ',');
    const bool tls = tls_of.count(dir) ? tls_of.at(dir) : tls_of[f[2] + "," + f[3] + "," + f[0] + "," + f[1]];
    if (tls) {
      EXPECT_GT(offset, 0u) << dir << ": a TLS stream starts with its handshake";
      ++tls_dirs;
    } else {
      EXPECT_EQ(offset, 0u) << dir << ": a plaintext stream is all messages";
    }
    for (const auto& [ms, bytes] : msgs) {
      const auto seg = sv.first_ms_at_seq.find(offset + 1);
      ASSERT_NE(seg, sv.first_ms_at_seq.end()) << dir << ": no segment starts at message offset " << offset;
      EXPECT_EQ(seg->second, ms) << dir << " offset " << offset;
      offset += bytes;
      ++checked;
    }
  }
  EXPECT_EQ(checked, rows.size() - 1);
  EXPECT_GT(tls_dirs, 0u);
}

// Plaintext newline-delimited Stratum (XMRig, Stratum v1, Equihash): tshark's reassembled streams
// (follow,tcp,raw) split into JSON lines that nlohmann parses; per direction the line count equals
// the messages.csv rows and each method maps to the row's kind.
void check_PlaintextStratumLinesAreTheMessages() {
  ASSERT_EQ(smoke_->result.exit_code, 0) << smoke_->result.err;
  const fs::path pcap = out() / "capture.pcap";
  // tcp.stream index of every connection, from its SYN.
  const auto syn = run("tshark -r " + sh_quote(pcap.string()) +
                       " -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' -T fields -E separator=, -e tcp.stream -e ip.src "
                       "-e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport 2>/dev/null");
  std::map<std::string, std::string> stream_of;
  for (const auto& line : split(syn.out, '\n')) {
    const auto f = split(line + ",", ',');
    if (f.size() < 7) continue;
    stream_of[(f[1].empty() ? f[2] : f[1]) + "," + f[3] + "," + (f[4].empty() ? f[5] : f[4]) + "," + f[6]] = f[0];
  }
  std::map<std::string, std::vector<std::string>> kinds;  // conn + "|c2s" -> kinds in order
  for (const auto& r : csv_rows(out() / "messages.csv"))
    if (r[0] != "client_ip") kinds[r[0] + "," + r[1] + "," + r[2] + "," + r[3] + "|" + r[5]].push_back(r[6]);
  std::vector<std::string> conns;
  std::map<std::string, std::string> conn_of_stream;
  std::string follow;
  for (const auto& row : csv_rows(out() / "labels.csv")) {
    if (row[5] != "mining" || row[9] != "false" || row[6] == "coinhive-websocket") continue;
    const auto conn = row[0] + "," + row[1] + "," + row[2] + "," + row[3];
    ASSERT_TRUE(stream_of.count(conn)) << conn;
    conns.push_back(conn);
    conn_of_stream[stream_of[conn]] = conn;
    follow += " -z follow,tcp,raw," + stream_of[conn];
  }
  ASSERT_GE(conns.size(), 5u);
  const auto f = run("tshark -r " + sh_quote(pcap.string()) + " -q" + follow + " 2>/dev/null");
  ASSERT_EQ(f.exit_code, 0);
  // Each follow block: header lines, then hex lines, server lines indented by a tab.
  const auto blocks = split(f.out, '=');
  std::size_t block = 0, lines_checked = 0;
  for (const auto& b : blocks) {
    if (b.find("Follow: tcp,raw") == std::string::npos) continue;
    const auto fpos = b.find("tcp.stream eq ");
    ASSERT_NE(fpos, std::string::npos) << b.substr(0, 200);
    const std::string stream = b.substr(fpos + 14, b.find('\n', fpos) - fpos - 14);
    ASSERT_TRUE(conn_of_stream.count(stream)) << stream;
    const std::string conn = conn_of_stream[stream];
    std::string dir_bytes[2];
    for (const auto& line : split(b, '\n')) {
      if (line.empty() || line.find(':') != std::string::npos) continue;
      const bool server = line[0] == '\t';
      const std::string hex = server ? line.substr(1) : line;
      for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        dir_bytes[server] += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    }
    for (int d = 0; d < 2; ++d) {
      const auto& expected = kinds[conn + (d == 0 ? "|c2s" : "|s2c")];
      std::vector<std::string> lines;
      for (const auto& l : split(dir_bytes[d], '\n')) lines.push_back(l);
      EXPECT_FALSE(dir_bytes[d].empty());
      EXPECT_EQ(dir_bytes[d].back(), '\n') << conn;
      ASSERT_EQ(lines.size(), expected.size()) << conn << " dir " << d;
      for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto j = nlohmann::json::parse(lines[i], nullptr, false);
        ASSERT_FALSE(j.is_discarded()) << lines[i].substr(0, 200);
        const std::string method = j.contains("method") && j["method"].is_string() ? j["method"].get<std::string>() : "";
        const std::string& k = expected[i];
        std::string want = "other";
        if (method == "login" || method == "mining.subscribe" || method == "mining.authorize") want = "login";
        if (method == "job" || method == "mining.notify") want = "job";
        if (method == "submit" || method == "mining.submit") want = "submit";
        if (method == "keepalived") want = "keepalive";
        if (method.empty()) {
          EXPECT_TRUE(k == "login_result" || k == "result" || k == "keepalive_result") << k << " " << lines[i];
        } else {
          EXPECT_EQ(k, want) << method;
        }
        ++lines_checked;
      }
    }
    ++block;
  }
  EXPECT_EQ(block, conns.size());
  EXPECT_GT(lines_checked, 100u);
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
  {
    SCOPED_TRACE("MessagesTileTheCapturedStreams");
    check_MessagesTileTheCapturedStreams();
  }
  {
    SCOPED_TRACE("PlaintextStratumLinesAreTheMessages");
    check_PlaintextStratumLinesAreTheMessages();
  }
  smoke_ = nullptr;
}

TEST(LabSynth, SameSeedSameBytesOtherSeedOtherBytes) {
  TempDir dir;
  // Five simulated minutes of smoke: every profile has started, and the runs stay short.
  // Metering is not under test here: `--nfpcapd true` skips it (the program true writes nothing).
  const std::string shorter = "--active-timeouts 60 --hours 0.08 --nfpcapd true";
  const auto a = run(lab_cmd(dir / "a", smoke_path(), 7, shorter));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto b = run(lab_cmd(dir / "b", smoke_path(), 7, shorter));
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const auto c = run(lab_cmd(dir / "c", smoke_path(), 8, shorter));
  ASSERT_EQ(c.exit_code, 0) << c.err;
  for (const char* f : {"capture.pcap", "labels.csv", "messages.csv", "manifest.json"})
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
  const auto r = run(lab_cmd(dir / "out", (dir / "one.toml").string(), 3, "--active-timeouts 60 --nfpcapd true"));
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
