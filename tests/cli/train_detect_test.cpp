// The train and detect commands end to end through the real binary, on a lab-shaped directory
// made from the shared xmr-stak capture. Training and testing on one session only checks the
// plumbing (files, options, formats, messages); detection quality is measured by `eval`.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace xmr {

namespace fs = std::filesystem;
using test::run;
using test::sh_quote;

namespace {
constexpr const char* labels_header =
    "client_ip,client_port,server_ip,server_port,proto,label,family,profile,pool,tls,start_ms,end_ms,hashrate_hs\n";
}

TEST(TrainDetect, ModelFromALabelledCaptureFlagsItsMiner) {
  test::TempDir d;
  const auto pcap = test::shared_pcap("peafowl_monero_xmrstak.pcap");
  fs::create_directories(d / "lab");
  fs::copy_file(pcap, d / "lab" / "capture.pcap");
  test::write_file(d / "lab" / "labels.csv",
                   std::string(labels_header) +
                       "192.168.2.92,55190,178.32.196.217,9050,6,mining,monero,xmr-stak,peafowl,no,0,0,0\n");
  const std::string bin = sh_quote(test::xmr_binary().string());
  const auto model = (d / "model.json").string();
  auto t = run(bin + " train --data " + sh_quote((d / "lab").string()) + " --slice 60 --window 5 -o " + sh_quote(model));
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.err.find("mining windows"), std::string::npos) << t.err;
  auto j = nlohmann::json::parse(test::read_file(model));
  EXPECT_EQ(j["format"], "xmr-ray-model");

  auto det = run(bin + " detect -r " + sh_quote(pcap.string()) + " -m " + sh_quote(model) + " --slice 60 --window 5 --alerts -");
  ASSERT_EQ(det.exit_code, 0) << det.err;
  ASSERT_FALSE(det.out.empty()) << det.err;
  const auto first = nlohmann::json::parse(det.out.substr(0, det.out.find('\n')));
  EXPECT_EQ(first["src_ip"], "192.168.2.92");
  EXPECT_EQ(first["dest_ip"], "178.32.196.217");
  EXPECT_EQ(first["dest_port"], 9050);
  EXPECT_NE(det.err.find("alerts "), std::string::npos);
}

TEST(TrainDetect, ClearErrorsForMissingModelAndBadInputs) {
  const std::string bin = sh_quote(test::xmr_binary().string());
  const auto pcap = sh_quote(test::shared_pcap("peafowl_monero_xmrstak.pcap").string());
  // Without --model: the embedded default model, or (a build without one) a usage error naming --model.
  auto no_model = run(bin + " detect -r " + pcap);
  if (no_model.exit_code != 0) {
    EXPECT_EQ(no_model.exit_code, 2);
    EXPECT_NE(no_model.err.find("--model"), std::string::npos) << no_model.err;
  } else {
    EXPECT_NE(no_model.err.find("model default"), std::string::npos) << no_model.err;
  }
  test::TempDir d;
  test::write_file(d / "bad.json", "{\"format\":\"xmr-ray-model\",\"version\":1,\"feature_schema_hash\":\"0\"}");
  auto bad = run(bin + " detect -r " + pcap + " -m " + sh_quote((d / "bad.json").string()));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("retrain"), std::string::npos) << bad.err;
  auto no_labels = run(bin + " train --data " + sh_quote(d.path().string()) + " -o " + sh_quote((d / "m.json").string()));
  EXPECT_EQ(no_labels.exit_code, 1);
  EXPECT_NE(no_labels.err.find("labels.csv"), std::string::npos) << no_labels.err;
  auto bad_net = run(bin + " detect -r " + pcap + " -m " + sh_quote((d / "bad.json").string()) + " --home-net 10.0.0.0/40");
  EXPECT_EQ(bad_net.exit_code, 2);
  EXPECT_NE(bad_net.err.find("--home-net"), std::string::npos) << bad_net.err;
}

}  // namespace xmr
