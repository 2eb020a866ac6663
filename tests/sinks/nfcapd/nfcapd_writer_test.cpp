// nfcapd writer: real nfdump 1.7.1 must read our files back record for record (every compression
// it has), `nfdump -I` must show our stat record, and our own reader must round-trip every
// FlowRecord field for every compression, ZSTD included (Debian's nfdump has no ZSTD).
#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sinks/nfcapd_writer.h"
#include "support/test_support.h"

namespace xmr {
namespace {

using test::run;
using test::sh_quote;

struct Exporter {
  IpAddress addr;
  std::uint32_t id;
  std::uint32_t interval;
};

// Varied records: IPv4 and IPv6, TCP/UDP/ICMP/ICMPv6/GRE, flags, ToS, ms times, 64-bit counters,
// interfaces, three exporters (none, IPv4 unsampled, IPv6 sampled 1:64).
std::vector<FlowRecord> make_records(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  const Exporter exporters[] = {{IpAddress{}, 0, 1},
                                {IpAddress::from_v4(0x0a090901), 5, 1},
                                {*IpAddress::parse("2001:db8::9"), 7, 64}};
  const std::uint8_t protos[] = {proto_tcp, proto_tcp, proto_udp, proto_icmp, proto_icmp6, 47};
  std::vector<FlowRecord> out;
  for (std::size_t i = 0; i < n; ++i) {
    FlowRecord r;
    r.proto = protos[rng() % 6];
    bool v6 = r.proto == proto_icmp6 || rng() % 4 == 0;
    if (v6) {
      std::uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8};
      for (int k = 8; k < 16; ++k) a[k] = static_cast<std::uint8_t>(rng());
      r.src_addr = IpAddress::from_v6(a);
      a[15] ^= 0x5a;
      r.dst_addr = IpAddress::from_v6(a);
    } else {
      r.src_addr = IpAddress::from_v4(static_cast<std::uint32_t>(rng()));
      r.dst_addr = IpAddress::from_v4(static_cast<std::uint32_t>(rng()));
    }
    r.src_port = static_cast<std::uint16_t>(rng());
    r.dst_port = (r.proto == proto_icmp || r.proto == proto_icmp6) ? static_cast<std::uint16_t>((rng() % 20) << 8 | rng() % 4)
                                                                   : static_cast<std::uint16_t>(rng());
    r.tcp_flags = static_cast<std::uint8_t>(rng());
    r.src_tos = static_cast<std::uint8_t>(rng());
    r.first_ms = 1700000000000LL + static_cast<std::int64_t>(rng() % 86400000);
    r.last_ms = r.first_ms + static_cast<std::int64_t>(rng() % 3600000);
    r.pkts = 1 + rng() % (i % 7 == 0 ? (1ULL << 40) : 5000);
    r.bytes = r.pkts * (40 + rng() % 1400);
    if (rng() % 3 == 0) {
      r.input_if = static_cast<std::uint32_t>(rng() % 70000);
      r.output_if = static_cast<std::uint32_t>(rng() % 70000);
    }
    const Exporter& e = exporters[rng() % 3];
    r.exporter_addr = e.addr;
    r.exporter_id = e.id;
    r.sampling_interval = e.interval;
    out.push_back(r);
  }
  return out;
}

void write_file(const std::string& path, const std::vector<FlowRecord>& records, NfcapdCompression c,
                const std::string& ident = {}) {
  auto w = open_nfcapd_writer(path, NfcapdWriterOptions{c, ident});
  ASSERT_TRUE(w) << w.error().context;
  // Several write() calls, as the CLI does with batches.
  for (std::size_t i = 0; i < records.size(); i += 1000) {
    std::size_t n = std::min<std::size_t>(1000, records.size() - i);
    ASSERT_TRUE((*w)->write(std::span<const FlowRecord>(records.data() + i, n)));
  }
  auto f = (*w)->finish();
  ASSERT_TRUE(f) << f.error().context;
}

std::string proto_name(std::uint8_t p) {
  switch (p) {
    case proto_tcp: return "TCP";
    case proto_udp: return "UDP";
    case proto_icmp: return "ICMP";
    case proto_icmp6: return "ICMP6";
    case 47: return "GRE";
  }
  return std::to_string(p);
}

std::string flags_text(std::uint8_t f) {
  // nfdump's flag string: CWR ECE URG ACK PSH RST SYN FIN, '.' for unset.
  const char* names = "CEUAPRSF";
  std::string s;
  for (int b = 7; b >= 0; --b) s += (f & (1 << b)) ? names[7 - b] : '.';
  return s;
}

std::string utc_ms(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return fmt::format("{}.{:03}", buf, ms % 1000);
}

// What nfdump 1.7.1 prints for one record with our -o fmt (fields separated by '|', no padding).
std::string expected_line(const FlowRecord& r) {
  std::string dp = (r.proto == proto_icmp || r.proto == proto_icmp6) ? fmt::format("{}.{}", r.dst_port >> 8, r.dst_port & 0xff)
                                                                     : std::to_string(r.dst_port);
  return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", utc_ms(r.first_ms), utc_ms(r.last_ms), r.src_addr.to_string(),
                     r.dst_addr.to_string(), r.src_port, dp, proto_name(r.proto), r.src_tos, r.pkts, r.bytes, r.input_if,
                     r.output_if, r.exporter_id);
}

// Raw counters via -o csv (fmt scales large counters), ms times and addresses via -o fmt.
std::vector<std::string> nfdump_lines(const std::string& path) {
  auto res = run("TZ=UTC nfdump -q -r " + sh_quote(path) +
                 " -6 -o 'fmt:%ts|%te|%sa|%da|%sp|%dp|%pr|%stos' && TZ=UTC nfdump -q -r " + sh_quote(path) + " -o csv");
  EXPECT_EQ(res.exit_code, 0) << res.err;
  std::vector<std::string> fmt_lines, csv_lines;
  std::istringstream in(res.out);
  std::string line;
  while (std::getline(in, line)) {
    // Trim the padding nfdump puts around each field (times contain a space themselves).
    std::string compact, field;
    std::stringstream fields(line);
    bool first_field = true;
    while (std::getline(fields, field, '|')) {
      field.erase(0, field.find_first_not_of(' '));
      field.erase(field.find_last_not_of(' ') + 1);
      compact += (first_field ? "" : "|") + field;
      first_field = false;
    }
    if (compact.empty()) continue;
    if (compact.find('|') != std::string::npos)
      fmt_lines.push_back(compact);
    else
      csv_lines.push_back(compact);
  }
  EXPECT_EQ(fmt_lines.size(), csv_lines.size());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < fmt_lines.size() && i < csv_lines.size(); ++i) {
    // csv: ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,... ,eng,exid,tr
    std::vector<std::string> c;
    std::stringstream ss(csv_lines[i]);
    std::string f;
    while (std::getline(ss, f, ',')) c.push_back(f);
    if (c.size() < 20) {
      ADD_FAILURE() << "short csv line: " << csv_lines[i];
      continue;
    }
    out.push_back(fmt::format("{}|{}|{}|{}|{}|{}", fmt_lines[i], c[11], c[12], c[15], c[16], c[c.size() - 2]));
  }
  return out;
}

class WriterToNfdump : public ::testing::TestWithParam<NfcapdCompression> {};

TEST_P(WriterToNfdump, NfdumpReadsEveryRecordBack) {
  test::TempDir dir;
  auto records = make_records(25000, 7);  // > 1 MiB of records: several blocks
  std::string path = (dir / "out.nfcapd").string();
  write_file(path, records, GetParam());
  auto got = nfdump_lines(path);
  ASSERT_EQ(got.size(), records.size());
  for (std::size_t i = 0; i < records.size(); ++i) ASSERT_EQ(got[i], expected_line(records[i])) << "record " << i;
  // TCP flags: nfdump shows them for TCP only in fmt; compare them on TCP records via csv flg.
  auto res = run("TZ=UTC nfdump -q -r " + sh_quote(path) + " -o 'fmt:%flg' 'proto tcp'");
  std::istringstream in(res.out);
  std::string line;
  std::size_t k = 0;
  for (const auto& r : records) {
    if (r.proto != proto_tcp) continue;
    ASSERT_TRUE(std::getline(in, line));
    std::string compact;
    for (char c : line)
      if (c != ' ') compact += c;
    ASSERT_EQ(compact, flags_text(r.tcp_flags)) << "tcp record " << k++;
  }
}

INSTANTIATE_TEST_SUITE_P(Compressions, WriterToNfdump,
                         ::testing::Values(NfcapdCompression::none, NfcapdCompression::lzo, NfcapdCompression::lz4,
                                           NfcapdCompression::bz2));

TEST(NfcapdWriter, StatRecordAndIdentAsNfdumpShowsThem) {
  test::TempDir dir;
  auto records = make_records(3000, 11);
  std::string path = (dir / "stat.nfcapd").string();
  write_file(path, records, NfcapdCompression::lz4, "xmr-test");
  auto res = run("nfdump -I -r " + sh_quote(path));
  ASSERT_EQ(res.exit_code, 0) << res.err;
  std::map<std::string, std::string> kv;
  std::istringstream in(res.out);
  std::string line;
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string v = line.substr(colon + 1);
    v.erase(0, v.find_first_not_of(' '));
    kv[line.substr(0, colon)] = v;
  }
  std::uint64_t flows[4] = {}, pkts[4] = {}, bytes[4] = {}, all_p = 0, all_b = 0;
  std::int64_t first = records[0].first_ms, last = records[0].last_ms;
  for (const auto& r : records) {
    int k = r.proto == proto_tcp ? 0 : r.proto == proto_udp ? 1 : (r.proto == proto_icmp || r.proto == proto_icmp6) ? 2 : 3;
    flows[k]++;
    pkts[k] += r.pkts;
    bytes[k] += r.bytes;
    all_p += r.pkts;
    all_b += r.bytes;
    first = std::min(first, r.first_ms);
    last = std::max(last, r.last_ms);
  }
  EXPECT_EQ(kv["Ident"], "xmr-test");
  EXPECT_EQ(kv["Flows"], std::to_string(records.size()));
  EXPECT_EQ(kv["Packets"], std::to_string(all_p));
  EXPECT_EQ(kv["Bytes"], std::to_string(all_b));
  const char* names[] = {"tcp", "udp", "icmp", "other"};
  for (int k = 0; k < 4; ++k) {
    EXPECT_EQ(kv[std::string("Flows_") + names[k]], std::to_string(flows[k]));
    EXPECT_EQ(kv[std::string("Packets_") + names[k]], std::to_string(pkts[k]));
    EXPECT_EQ(kv[std::string("Bytes_") + names[k]], std::to_string(bytes[k]));
  }
  EXPECT_EQ(kv["First"], std::to_string(first / 1000));
  EXPECT_EQ(kv["msec_first"], std::to_string(first % 1000));
  EXPECT_EQ(kv["Last"], std::to_string(last / 1000));
  EXPECT_EQ(kv["msec_last"], std::to_string(last % 1000));
}

TEST(NfcapdWriter, EmptyFileIsValidForNfdump) {
  test::TempDir dir;
  std::string path = (dir / "empty.nfcapd").string();
  write_file(path, {}, NfcapdCompression::lz4);
  auto res = run("nfdump -I -r " + sh_quote(path));
  EXPECT_EQ(res.exit_code, 0) << res.err;
  EXPECT_NE(res.out.find("Flows: 0"), std::string::npos) << res.out;
}

class WriterToOurReader : public ::testing::TestWithParam<NfcapdCompression> {};

TEST_P(WriterToOurReader, EveryFieldRoundTrips) {
  test::TempDir dir;
  auto records = make_records(20000, 3);
  std::string path = (dir / "rt.nfcapd").string();
  write_file(path, records, GetParam());
  auto got = test::read_all(path);
  EXPECT_EQ(got.errors, 0u);
  for (const auto& p : got.problems) ADD_FAILURE() << p;
  ASSERT_EQ(got.records.size(), records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    FlowRecord a = got.records[i];
    a.origin = records[i].origin;
    ASSERT_EQ(a, records[i]) << "record " << i << ": got " << expected_line(a) << " sampling " << a.sampling_interval
                             << ", wrote " << expected_line(records[i]) << " sampling " << records[i].sampling_interval;
  }
}

INSTANTIATE_TEST_SUITE_P(Compressions, WriterToOurReader,
                         ::testing::Values(NfcapdCompression::none, NfcapdCompression::lzo, NfcapdCompression::lz4,
                                           NfcapdCompression::bz2, NfcapdCompression::zstd));

TEST(NfcapdWriter, ParsesCompressionNames) {
  EXPECT_EQ(parse_nfcapd_compression("lz4"), NfcapdCompression::lz4);
  EXPECT_EQ(parse_nfcapd_compression(""), NfcapdCompression::lz4);
  EXPECT_EQ(parse_nfcapd_compression("lzo"), NfcapdCompression::lzo);
  EXPECT_EQ(parse_nfcapd_compression("bz2"), NfcapdCompression::bz2);
  EXPECT_EQ(parse_nfcapd_compression("zstd"), NfcapdCompression::zstd);
  EXPECT_EQ(parse_nfcapd_compression("none"), NfcapdCompression::none);
  EXPECT_EQ(parse_nfcapd_compression("gzip"), std::nullopt);
}

TEST(NfcapdWriter, UnwritablePathIsAnIoError) {
  auto w = open_nfcapd_writer("/nonexistent-dir/x.nfcapd", {});
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, errc::io_error);
  EXPECT_NE(w.error().context.find("/nonexistent-dir/x.nfcapd"), std::string::npos);
}

TEST(NfcapdWriter, DiskFullIsAnIoErrorNotACrash) {
  // /dev/full accepts open and fails every write with ENOSPC: small files fail at close, large
  // ones when a block is written; either way an io_error naming the file.
  for (std::size_t n : {std::size_t{3}, std::size_t{30000}}) {
    auto w = open_nfcapd_writer("/dev/full", {});
    ASSERT_TRUE(w) << w.error().context;
    auto records = make_records(n, 5);
    auto wrote = (*w)->write(records);
    auto done = wrote ? (*w)->finish() : wrote;
    ASSERT_FALSE(done) << n << " records";
    EXPECT_EQ(done.error().code, errc::io_error);
    EXPECT_NE(done.error().context.find("/dev/full"), std::string::npos) << done.error().context;
  }
}

}  // namespace
}  // namespace xmr
