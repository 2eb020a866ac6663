// `xmr-ray detect` and `xmr-ray explain` end to end through the real binary, on the shared
// xmr-stak capture (a real miner) with a model trained on it by `xmr-ray train` once for the
// suite: table and roll-up, alert file and stdout, allowlist and suppression, files out of time
// order, explain. Detection quality is measured by `eval`, not here.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace xmr {

namespace fs = std::filesystem;
using test::run;
using test::sh_quote;

namespace {

class DetectCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    const auto pcap = test::shared_pcap("peafowl_monero_xmrstak.pcap");
    fs::create_directories(*dir_ / "lab");
    fs::copy_file(pcap, *dir_ / "lab" / "capture.pcap");
    test::write_file(*dir_ / "lab" / "labels.csv",
                     "client_ip,client_port,server_ip,server_port,proto,label,family,profile,pool,tls,start_ms,end_ms,"
                     "hashrate_hs\n192.168.2.92,55190,178.32.196.217,9050,6,mining,monero,xmr-stak,peafowl,no,0,0,0\n");
    auto t = run(bin() + " train --data " + sh_quote((*dir_ / "lab").string()) + " --slice 60 --window 5 -o " +
                 sh_quote(model()));
    ASSERT_EQ(t.exit_code, 0) << t.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string bin() { return sh_quote(test::xmr_binary().string()); }
  static std::string model() { return (*dir_ / "model.json").string(); }
  static std::string pcap() { return sh_quote(test::shared_pcap("peafowl_monero_xmrstak.pcap").string()); }
  static std::string detect(const std::string& args) {
    return bin() + " detect -r " + pcap() + " -m " + sh_quote(model()) + " --slice 60 --window 5 " + args;
  }
  static std::vector<nlohmann::json> lines(const std::string& text) {
    std::vector<nlohmann::json> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  static test::TempDir* dir_;
};
test::TempDir* DetectCli::dir_ = nullptr;

}  // namespace

TEST_F(DetectCli, TableRollupAndAlertFile) {
  const auto alerts = (*dir_ / "alerts.json").string();
  auto r = run(detect("--alerts " + sh_quote(alerts)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("MINER"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SHARES/MIN"), std::string::npos);
  EXPECT_NE(r.out.find("192.168.2.92"), std::string::npos);
  EXPECT_NE(r.out.find("178.32.196.217:9050"), std::string::npos);
  EXPECT_NE(r.out.find("MINER HOST"), std::string::npos);  // the roll-up
  EXPECT_NE(r.err.find("pre-filter: records"), std::string::npos) << r.err;
  const auto eve = lines(test::read_file(alerts));
  ASSERT_FALSE(eve.empty());
  EXPECT_FALSE(eve[0]["xmr_ray"]["update"].get<bool>());
  for (const auto& a : eve) {
    EXPECT_EQ(a["event_type"], "alert");
    EXPECT_EQ(a["app_proto"], "stratum");
    EXPECT_EQ(a["src_ip"], "192.168.2.92");
    EXPECT_EQ(a["src_port"], 55190);
    EXPECT_EQ(a["dest_ip"], "178.32.196.217");
    EXPECT_EQ(a["dest_port"], 9050);
    EXPECT_EQ(a["community_id"], eve[0]["community_id"]);
    EXPECT_EQ(a["xmr_ray"]["model"], "model.json");
    EXPECT_GT(a["xmr_ray"]["rates"]["shares_per_min"].get<double>(), 0.0);
  }
}

TEST_F(DetectCli, AlertsToStdoutMoveTheTableToStderr) {
  auto r = run(detect("--alerts -"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto eve = lines(r.out);  // nothing but JSON lines on stdout
  ASSERT_FALSE(eve.empty());
  EXPECT_NE(r.err.find("MINER HOST"), std::string::npos) << r.err;
}

TEST_F(DetectCli, AllowlistAndSuppressionSilenceAndCount) {
  test::write_file(*dir_ / "allow.txt", "# our pool\npool 178.32.196.217:9050\n");
  auto a = run(detect("--alerts - --allowlist " + sh_quote((*dir_ / "allow.txt").string())));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_TRUE(a.out.empty()) << a.out;
  EXPECT_NE(a.err.find("No mining connection found."), std::string::npos);
  EXPECT_EQ(a.err.find("allowlisted 0"), std::string::npos) << a.err;

  auto plain = run(detect("--alerts -"));
  const auto id = lines(plain.out).at(0)["community_id"].get<std::string>();
  test::write_file(*dir_ / "known.txt", id + "  # ticket 1234\n");
  auto s = run(detect("--alerts - --suppress " + sh_quote((*dir_ / "known.txt").string())));
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_TRUE(s.out.empty()) << s.out;
  EXPECT_EQ(s.err.find("suppressed 0"), std::string::npos) << s.err;
  // A pair that does not match this connection silences nothing.
  test::write_file(*dir_ / "other.txt", "192.168.2.92 178.32.196.218\n");
  auto o = run(detect("--alerts - --suppress " + sh_quote((*dir_ / "other.txt").string())));
  EXPECT_EQ(lines(o.out).size(), lines(plain.out).size());

  test::write_file(*dir_ / "bad.txt", "10.0.0.0/8\npool.example.org\n");
  auto bad = run(detect("--allowlist " + sh_quote((*dir_ / "bad.txt").string())));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("line 2"), std::string::npos) << bad.err;
  auto missing = run(detect("--suppress /nonexistent/known.txt"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/known.txt"), std::string::npos) << missing.err;
}

TEST_F(DetectCli, FilesGivenOutOfTimeOrderGiveTheSameAlerts) {
  // The capture as flow records (60 s active timeout), cut in two files by time.
  const auto csv = (*dir_ / "all.csv").string();
  auto f = run(bin() + " flows -r " + pcap() + " --active-timeout 60 -o csv -w " + sh_quote(csv));
  ASSERT_EQ(f.exit_code, 0) << f.err;
  std::istringstream in(test::read_file(csv));
  std::string header, line;
  std::getline(in, header);
  std::vector<std::string> rows;
  while (std::getline(in, line)) rows.push_back(line);
  ASSERT_GT(rows.size(), 10u);
  std::string early = header + "\n", late = header + "\n";
  for (std::size_t i = 0; i < rows.size(); ++i) (i < rows.size() / 2 ? early : late) += rows[i] + "\n";
  test::write_file(*dir_ / "a-late.csv", late);
  test::write_file(*dir_ / "b-early.csv", early);
  const std::string m = " -m " + sh_quote(model()) + " --slice 60 --window 5 --alerts - -q";
  auto whole = run(bin() + " detect -r " + sh_quote(csv) + m);
  auto reversed = run(bin() + " detect -r " + sh_quote((*dir_ / "a-late.csv").string()) + " -r " +
                      sh_quote((*dir_ / "b-early.csv").string()) + m);
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  ASSERT_EQ(reversed.exit_code, 0) << reversed.err;
  ASSERT_FALSE(whole.out.empty()) << whole.err;
  EXPECT_EQ(whole.out, reversed.out);
  EXPECT_NE(reversed.err.find("late records 0"), std::string::npos) << reversed.err;
}

TEST_F(DetectCli, NoMinerIsExitZero) {
  auto r = run(bin() + " detect -r " + sh_quote(test::shared_pcap("ndpi_imap.pcap").string()) + " -m " + sh_quote(model()) +
               " --slice 60 --window 5");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("No mining connection found."), std::string::npos) << r.out;
}

TEST_F(DetectCli, ThreadsFindTheSameAlerts) {
  auto one = run(detect("--alerts - -q"));
  auto two = run(detect("--alerts - -q --threads 2"));
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(one.out, two.out);  // one connection: the order cannot differ either
  EXPECT_NE(two.err.find("threads 2"), std::string::npos);
}

TEST_F(DetectCli, ExplainShowsSlicesAndFeatures) {
  auto r = run(bin() + " explain -r " + pcap() + " -m " + sh_quote(model()) +
               " --slice 60 --window 5 -c 178.32.196.217:9050-192.168.2.92:55190");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("connection 192.168.2.92:55190"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("window 1"), std::string::npos);
  EXPECT_NE(r.out.find("ALERT"), std::string::npos);
  EXPECT_NE(r.out.find("contribution"), std::string::npos);
  EXPECT_NE(r.out.find("jobs subm res"), std::string::npos);
  auto none = run(bin() + " explain -r " + pcap() + " -m " + sh_quote(model()) + " -c 10.0.0.1:1-10.0.0.2:2");
  EXPECT_EQ(none.exit_code, 0);
  EXPECT_NE(none.out.find("No record"), std::string::npos);
  auto bad = run(bin() + " explain -r " + pcap() + " -m " + sh_quote(model()) + " -c 10.0.0.1-10.0.0.2");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--connection"), std::string::npos) << bad.err;
}

}  // namespace xmr
