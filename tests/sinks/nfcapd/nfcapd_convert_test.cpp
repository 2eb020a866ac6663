// End to end through the CLI: nfpcapd makes nfcapd files from real captures; `xmr-ray flows -o
// nfcapd` converts them (our reader -> FlowRecords -> our writer); nfdump 1.7.1 must list exactly
// the same flows from our file as from nfpcapd's, field for field with ms times.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace xmr {
namespace {

using test::run;
using test::sh_quote;

// Every field FlowRecord carries, as nfdump prints it: ms times, numeric protocol (-N, which
// also leaves counters unscaled), full IPv6 (-6). Sorted, padding removed.
std::vector<std::string> nfdump_view(const std::string& read_option) {
  auto r = run("TZ=UTC nfdump -N -6 -q " + read_option +
               " -o 'fmt:%ts|%te|%pr|%sa|%da|%sp|%dp|%pkt|%byt|%flg|%tos|%in|%out'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line == "No matching flows") continue;
    std::string norm, field;
    std::istringstream fs(line);
    bool first = true;
    while (std::getline(fs, field, '|')) {
      field.erase(0, field.find_first_not_of(' '));
      field.erase(field.find_last_not_of(' ') + 1);
      norm += (first ? "" : "|") + field;
      first = false;
    }
    lines.push_back(norm);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

class ConvertCapture : public ::testing::TestWithParam<const char*> {};

TEST_P(ConvertCapture, NfdumpSeesTheSameFlowsInOurFile) {
  test::TempDir dir;
  std::filesystem::path pcap = std::string(GetParam()).find('/') != std::string::npos
                                   ? test::source_dir() / GetParam()
                                   : test::shared_pcap(GetParam());
  ASSERT_TRUE(std::filesystem::exists(pcap)) << pcap;
  std::filesystem::create_directory(dir / "in");
  auto cap = run("nfpcapd -r " + sh_quote(pcap.string()) + " -w " + sh_quote((dir / "in").string()));
  ASSERT_EQ(cap.exit_code, 0) << cap.err;
  auto original = nfdump_view("-R " + sh_quote((dir / "in").string()));
  ASSERT_FALSE(original.empty());
  for (const char* z : {"lz4", "lzo", "bz2", "none"}) {
    std::string out = (dir / (std::string("ours.") + z)).string();
    auto conv = run(sh_quote(test::xmr_binary().string()) + " flows -R " + sh_quote((dir / "in").string()) +
                    " -o nfcapd -z " + z + " -w " + sh_quote(out));
    ASSERT_EQ(conv.exit_code, 0) << conv.err;
    EXPECT_NE(conv.err.find("errors 0"), std::string::npos) << conv.err;
    EXPECT_EQ(nfdump_view("-r " + sh_quote(out)), original) << "compression " << z;
  }
}

INSTANTIATE_TEST_SUITE_P(Captures, ConvertCapture,
                         ::testing::Values("peafowl_monero_xmrstak.pcap", "ndpi_wechat.pcap", "ndpi_bitcoin_p2p.pcap",
                                           "tests/data/pcap/loopback_eth_ns.pcap"));

}  // namespace
}  // namespace xmr
