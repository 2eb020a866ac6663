// Golden tests: nfpcapd 1.7.1 writes nfcapd files from real captures; nfdump -r lists them; our
// reader must yield exactly the same records (fields printed the same way, ms times included).
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "nfcapd_test_util.h"
#include "sources/open_source.h"

namespace xmr::test {
namespace {

TEST(NfcapdGolden, IPv4CapturesMatchNfdump) {
  // A spread of shared captures: mining (stratum), bitcoin p2p, TLS, UDP, plus the loopback fixture
  // with IPv6 (the shared set has no IPv6 packets).
  const std::vector<std::filesystem::path> pcaps = {
      shared_pcap("peafowl_monero_xmrstak.pcap"), shared_pcap("ndpi_bitcoin_p2p.pcap"),
      shared_pcap("jsiwek_coinhive-stratum.pcap"), shared_pcap("ndpi_tls-appdata.pcap"),
      shared_pcap("ndpi_openvpn_nohmac_tcp.pcapng"), shared_pcap("ndpi_monero_p2p.pcap"),
      source_dir() / "tests/data/pcap/loopback_eth_ns.pcap"};
  std::size_t total = 0;
  for (const auto& pcap : pcaps) {
    SCOPED_TRACE(pcap.string());
    TempDir dir;
    auto files = capture_to_nfcapd(pcap, dir.path());
    ASSERT_FALSE(files.empty());
    for (const auto& f : files) {
      SCOPED_TRACE(f.string());
      auto expected = nfdump_lines(f);
      auto got = read_all(f.string());
      EXPECT_EQ(got.errors, 0u);
      EXPECT_EQ(got.problems, std::vector<std::string>{});
      std::vector<std::string> ours;
      for (const auto& r : got.records) ours.push_back(format_like_nfdump(r));
      std::sort(ours.begin(), ours.end());
      EXPECT_EQ(ours, expected);
      total += ours.size();
      for (const auto& r : got.records) EXPECT_EQ(r.origin.position, 40u) << "first block follows the 40-byte header";
    }
  }
  EXPECT_GT(total, 50u);
}

TEST(NfcapdGolden, IPv6RecordsPresent) {
  TempDir dir;
  auto files = capture_to_nfcapd(source_dir() / "tests/data/pcap/loopback_eth_ns.pcap", dir.path());
  ASSERT_FALSE(files.empty());
  std::size_t v6 = 0;
  for (const auto& f : files)
    for (const auto& r : read_all(f.string()).records) v6 += r.src_addr.is_v4() ? 0 : 1;
  EXPECT_GT(v6, 0u);
}

TEST(NfcapdGolden, EachNfdumpCompressionReadsIdentically) {
  TempDir dir;
  auto files = capture_to_nfcapd(shared_pcap("ndpi_bitcoin_p2p.pcap"), dir.path());
  ASSERT_FALSE(files.empty());
  const auto& in = files.back();
  auto base = read_all(in.string());
  ASSERT_FALSE(base.records.empty());
  const std::vector<std::pair<std::string, int>> modes = {{"-z", 1}, {"-j", 2}, {"-y", 3}};
  for (const auto& [flag, id] : modes) {
    SCOPED_TRACE(flag);
    auto out = dir / ("re" + flag);
    auto r = run("nfdump -r " + sh_quote(in.string()) + " " + flag + " -w " + sh_quote(out.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto bytes = read_file(out);
    ASSERT_GT(bytes.size(), 40u);
    EXPECT_EQ(static_cast<int>(static_cast<unsigned char>(bytes[16])), id) << "compression id in the header";
    auto got = read_all(out.string());
    EXPECT_EQ(got.errors, 0u);
    ASSERT_EQ(got.records.size(), base.records.size());
    for (std::size_t i = 0; i < got.records.size(); ++i) {
      FlowRecord a = got.records[i], b = base.records[i];
      a.origin = b.origin = Origin{};  // block offsets differ with compression
      EXPECT_EQ(a, b) << i;
    }
    EXPECT_EQ(nfdump_lines(out), nfdump_lines(in));
  }
}

TEST(NfcapdGolden, DirectoryReadInTimeOrder) {
  TempDir dir;
  auto files = capture_to_nfcapd(shared_pcap("peafowl_monero_xmrstak.pcap"), dir.path());
  ASSERT_GE(files.size(), 2u);
  auto expanded = expand_inputs({files.front().parent_path().string()});
  ASSERT_TRUE(expanded);
  Diagnostics diag;
  SourceCatalog catalog;
  auto src = open_inputs(*expanded, SourceOptions{}, catalog, diag);
  ReadAll all;
  while (true) {
    auto n = src->read(all.records, 4096);
    ASSERT_TRUE(n);
    if (*n == 0) break;
  }
  EXPECT_EQ(diag.errors(), 0u);
  std::size_t expected = 0;
  for (const auto& f : files) expected += nfdump_lines(f).size();
  EXPECT_EQ(all.records.size(), expected);
  // nfpcapd rotates every 300 s: a later file's records never end before an earlier file's start
  std::uint32_t last_source = 0;
  std::int64_t prev_file_first_ms = 0, file_first_ms = 0;
  for (const auto& r : all.records) {
    EXPECT_GE(r.origin.source, last_source);
    if (r.origin.source != last_source) prev_file_first_ms = file_first_ms, file_first_ms = r.first_ms;
    EXPECT_GE(r.last_ms, prev_file_first_ms);
    last_source = r.origin.source;
  }
  EXPECT_GT(last_source, 0u);
}

}  // namespace
}  // namespace xmr::test

namespace xmr::test {
namespace {

// nfdump 1.7.1 has no ZSTD; the seed fuzz/corpus/nfcapd/zstd.nfcapd is plain_v4v6.nfcapd (nfpcapd
// output) with each block recompressed by the zstd CLI and header compression id 4 (nfdump 1.7.2+).
TEST(NfcapdGolden, ZstdBlocksReadLikeThePlainFile) {
  const auto dir = source_dir() / "fuzz/corpus/nfcapd";
  auto plain = read_all((dir / "plain_v4v6.nfcapd").string());
  auto zstd = read_all((dir / "zstd.nfcapd").string());
  EXPECT_EQ(zstd.problems, std::vector<std::string>{});
  ASSERT_FALSE(plain.records.empty());
  std::vector<std::string> a, b;
  for (const auto& r : plain.records) a.push_back(format_like_nfdump(r));
  for (const auto& r : zstd.records) b.push_back(format_like_nfdump(r));
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, nfdump_lines(dir / "plain_v4v6.nfcapd"));
}

}  // namespace
}  // namespace xmr::test
