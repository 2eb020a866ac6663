// nfdump csv/json sources against nfdump 1.7.1 itself: nfpcapd turns shared captures into nfcapd
// files, nfdump exports them (-o csv with and without -q, -o json, under TZ=UTC and
// TZ=Europe/Rome), and every record we read must equal nfdump's own numeric listing
// (-N -o 'fmt:%tsr|%td|...') field by field, to the precision each export carries.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "sources/text/text_sources.h"
#include "support/test_support.h"

namespace xmr {
namespace {

namespace fs = std::filesystem;
using test::run;
using test::sh_quote;

struct OracleRow {
  std::int64_t first_ms, duration_ms;
  std::string sa, da;  // nfdump abbreviates long IPv6 addresses as "fe80::7..0f:a88e"
  unsigned sp, dp, proto, tos;
  std::uint8_t flags;
  std::uint64_t pkts, bytes;
};

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  const auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Milliseconds of nfdump's "S.mmm" (seconds with exactly three decimals).
std::int64_t ms_of(const std::string& s) {
  const auto dot = s.find('.');
  return std::stoll(s.substr(0, dot)) * 1000 + std::stoll(s.substr(dot + 1));
}

// The 8 flag letters in nfdump's order, most significant (CWR) first.
std::uint8_t flag_bits(const std::string& s) {
  static const std::string letters = "CEUAPRSF";
  std::uint8_t v = 0;
  for (std::size_t i = 0; i < 8 && i < s.size(); ++i)
    if (s[i] == letters[i]) v |= static_cast<std::uint8_t>(0x80 >> i);
  return v;
}

std::vector<OracleRow> oracle(const fs::path& nfcapd) {
  auto r = run("TZ=UTC nfdump -q -N -r " + sh_quote(nfcapd.string()) +
               " -o 'fmt:%tsr|%td|%sa|%da|%sp|%dp|%pr|%flg|%ipkt|%ibyt|%stos'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<OracleRow> rows;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::string cell;
    std::istringstream ls(line);
    while (std::getline(ls, cell, '|')) f.push_back(trim(cell));
    if (f.size() != 11) continue;
    OracleRow o{ms_of(f[0]), ms_of(f[1]), f[2], f[3],
                static_cast<unsigned>(std::stoul(f[4])), static_cast<unsigned>(std::stoul(f[5])),
                static_cast<unsigned>(std::stoul(f[6])), static_cast<unsigned>(std::stoul(f[10])),
                flag_bits(f[7]), std::stoull(f[8]), std::stoull(f[9])};
    rows.push_back(o);
  }
  return rows;
}

fs::path make_nfcapd(const std::string& pcap, const test::TempDir& dir) {
  const auto out = dir / "nf";
  fs::create_directories(out);
  auto r = run("TZ=UTC nfpcapd -r " + sh_quote(test::shared_pcap(pcap).string()) + " -w " + sh_quote(out.string()));
  EXPECT_EQ(r.exit_code, 0) << "nfpcapd: " << r.err;
  for (const auto& e : fs::recursive_directory_iterator(out))
    if (e.is_regular_file() && e.path().filename().string().rfind("nfcapd.", 0) == 0) return e.path();
  ADD_FAILURE() << "nfpcapd wrote no file for " << pcap;
  return {};
}

// True if `a` is what nfdump printed: the full text, or its abbreviation "<head>..<tail>".
::testing::AssertionResult same_addr(const IpAddress& a, const std::string& nfdump_text) {
  const std::string ours = a.to_string();
  const auto dots = nfdump_text.find("..");
  if (dots == std::string::npos) {
    auto parsed = IpAddress::parse(nfdump_text);
    if (parsed && *parsed == a) return ::testing::AssertionSuccess();
  } else {
    const std::string head = nfdump_text.substr(0, dots), tail = nfdump_text.substr(dots + 2);
    if (ours.size() > head.size() + tail.size() && ours.rfind(head, 0) == 0 &&
        ours.compare(ours.size() - tail.size(), tail.size(), tail) == 0)
      return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << ours << " vs nfdump's " << nfdump_text;
}

std::int64_t floor_s_ms(std::int64_t ms) { return ms / 1000 * 1000; }

struct Case {
  std::string pcap;
  std::string zone;
};

class NfdumpGolden : public ::testing::TestWithParam<Case> {};

TEST_P(NfdumpGolden, CsvAndJsonEqualNfdumpListing) {
  const auto& c = GetParam();
  test::TempDir dir;
  const auto nfcapd = make_nfcapd(c.pcap, dir);
  ASSERT_FALSE(nfcapd.empty());
  const auto expected = oracle(nfcapd);
  ASSERT_GT(expected.size(), 5u);

  SourceOptions opt;
  opt.tz = c.zone;
  for (const std::string variant : {"csv", "csv -q", "json"}) {
    SCOPED_TRACE(c.pcap + " " + c.zone + " -o " + variant);
    const auto file = dir / ("export." + std::to_string(variant.size()));
    const bool quiet = variant == "csv -q";
    const bool json = variant == "json";
    auto r = run("TZ=" + c.zone + " nfdump " + (quiet ? "-q " : "") + "-r " + sh_quote(nfcapd.string()) + " -o " +
                 (json ? "json" : "csv") + " > " + sh_quote(file.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    opt.format.reset();  // detection must recognise each export
    auto got = test::read_all(file.string(), opt);
    EXPECT_EQ(got.errors, 0u) << (got.problems.empty() ? "" : got.problems[0]);
    ASSERT_EQ(got.records.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      const auto& e = expected[i];
      const auto& g = got.records[i];
      SCOPED_TRACE("record " + std::to_string(i));
      EXPECT_TRUE(same_addr(g.src_addr, e.sa));
      EXPECT_TRUE(same_addr(g.dst_addr, e.da));
      EXPECT_EQ(g.src_port, e.sp);
      EXPECT_EQ(g.dst_port, e.dp);
      EXPECT_EQ(g.proto, e.proto);
      EXPECT_EQ(g.tcp_flags, e.flags);
      EXPECT_EQ(g.src_tos, e.tos);
      EXPECT_EQ(g.pkts, e.pkts);
      EXPECT_EQ(g.bytes, e.bytes);
      if (json) {  // milliseconds
        EXPECT_EQ(g.first_ms, e.first_ms);
        EXPECT_EQ(g.last_ms, e.first_ms + e.duration_ms);
      } else {  // csv: seconds
        EXPECT_EQ(g.first_ms, floor_s_ms(e.first_ms));
        EXPECT_EQ(g.last_ms, floor_s_ms(e.first_ms + e.duration_ms));
      }
      EXPECT_GT(g.origin.position, 0u);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Pcaps, NfdumpGolden,
                         ::testing::Values(Case{"jsiwek_coinhive-stratum.pcap", "UTC"},
                                           Case{"jsiwek_coinhive-stratum.pcap", "Europe/Rome"},
                                           Case{"ndpi_wechat.pcap", "Europe/Rome"},
                                           Case{"ndpi_wechat.pcap", "America/New_York"}));

// A zone given to --tz must win over $TZ: same export read with the matching zone.
TEST(NfdumpCsvTz, UnknownZoneIsAClearError) {
  test::TempDir dir;
  test::write_file(dir / "a.csv", "2018-08-03 14:00:37,2018-08-03 14:00:37,0.000,10.0.2.15,192.168.1.1,45956,53,UDP,........,0,0,1,59,0,0,0,0\n");
  Diagnostics diag;
  SourceContext ctx{(dir / "a.csv").string(), 0, &diag, {}};
  ctx.options.tz = "Mars/Olympus_Mons";
  auto src = open_nfdump_csv_source((dir / "a.csv").string(), ctx);
  ASSERT_FALSE(src);
  EXPECT_NE(src.error().context.find("Mars/Olympus_Mons"), std::string::npos);
}

}  // namespace
}  // namespace xmr
