// Hand-built V3 records for what nfpcapd never writes: biflow counters (EXcntFlow), exporter and
// sampler records, unknown element ids. nfdump 1.7.1 reads the same file as the oracle.
#include <gtest/gtest.h>

#include <cstring>
#include <sstream>
#include <string>

#include "nfcapd_test_util.h"

namespace xmr::test {
namespace {

template <class T>
void put(std::string& s, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  s.append(b, sizeof(T));
}

// One uncompressed type-3 block: exporter info (sysid 1, 10.9.8.7), sampler (sysid 1, 1 of 10),
// one V3 biflow record with generic/ipv4/misc/cnt elements plus an unknown element id 200.
std::string build_file() {
  std::string recs;
  // exporter_info_record_t (exporter.h): type 7, size 32, version 9, ip_addr_t, family, sysid, id
  put<std::uint16_t>(recs, 7); put<std::uint16_t>(recs, 32); put<std::uint32_t>(recs, 9);
  put<std::uint64_t>(recs, 0); put<std::uint32_t>(recs, 0x0a090807); put<std::uint32_t>(recs, 0);
  put<std::uint16_t>(recs, 2); put<std::uint16_t>(recs, 1); put<std::uint32_t>(recs, 77);
  // sampler_record_t: type 15, size 24, sysid 1, algorithm 0, id -1, packetInterval 1, spaceInterval 9
  put<std::uint16_t>(recs, 15); put<std::uint16_t>(recs, 24); put<std::uint16_t>(recs, 1); put<std::uint16_t>(recs, 0);
  put<std::int64_t>(recs, -1); put<std::uint32_t>(recs, 1); put<std::uint32_t>(recs, 9);
  std::string v3;
  const std::uint16_t size = 12 + 52 + 12 + 20 + 28 + 8;
  put<std::uint16_t>(v3, 11); put<std::uint16_t>(v3, size); put<std::uint16_t>(v3, 5);
  v3 += '\0'; v3 += '\0'; put<std::uint16_t>(v3, 1); v3 += '\x02'; v3 += '\x0a';  // flags sampled, nfversion 10
  put<std::uint16_t>(v3, 1); put<std::uint16_t>(v3, 52);
  put<std::uint64_t>(v3, 1700000000123); put<std::uint64_t>(v3, 1700000004567); put<std::uint64_t>(v3, 1700000005000);
  put<std::uint64_t>(v3, 11); put<std::uint64_t>(v3, 1111); put<std::uint16_t>(v3, 40000); put<std::uint16_t>(v3, 3333);
  v3 += '\x06'; v3 += '\x1a'; v3 += '\0'; v3 += '\x08';
  put<std::uint16_t>(v3, 2); put<std::uint16_t>(v3, 12); put<std::uint32_t>(v3, 0xc0a80001); put<std::uint32_t>(v3, 0x01020304);
  put<std::uint16_t>(v3, 4); put<std::uint16_t>(v3, 20); put<std::uint32_t>(v3, 3); put<std::uint32_t>(v3, 4);
  v3 += std::string("\x18\x10\x00\x04\x00\x00\x12\x00", 8);  // masks, dir, dstTos 4, biFlowDir, endReason, revTcpFlags 0x12
  put<std::uint16_t>(v3, 5); put<std::uint16_t>(v3, 28); put<std::uint64_t>(v3, 1); put<std::uint64_t>(v3, 22); put<std::uint64_t>(v3, 2222);
  put<std::uint16_t>(v3, 200); put<std::uint16_t>(v3, 8); put<std::uint32_t>(v3, 0xdeadbeef);  // unknown id: skipped
  EXPECT_EQ(v3.size(), size);
  recs += v3;
  std::string f;
  put<std::uint16_t>(f, 0xA50C); put<std::uint16_t>(f, 2); put<std::uint32_t>(f, 0x01070100); put<std::int64_t>(f, 1700000000);
  f += '\0'; f += '\0'; put<std::uint16_t>(f, 0); put<std::uint32_t>(f, 0); put<std::uint64_t>(f, 0);
  put<std::uint32_t>(f, 0); put<std::uint32_t>(f, 1);
  put<std::uint32_t>(f, 3); put<std::uint32_t>(f, static_cast<std::uint32_t>(recs.size()));
  put<std::uint16_t>(f, 3); put<std::uint16_t>(f, 0);
  return f + recs;
}

TEST(NfcapdRecords, BiflowExporterSamplerAgreeWithNfdump) {
  TempDir dir;
  auto path = dir / "biflow.nfcapd";
  write_file(path, build_file());
  auto r = read_all(path.string());
  EXPECT_EQ(r.problems, std::vector<std::string>{});
  ASSERT_EQ(r.records.size(), 2u);
  const FlowRecord& f = r.records[0];
  const FlowRecord& b = r.records[1];
  // Oracle: nfdump prints the same forward fields and the out counters of the same record.
  auto n = run("TZ=UTC nfdump -N -q -r " + sh_quote(path.string()) +
               " -o 'fmt:%ts|%te|%sa|%da|%sp|%dp|%pr|%ipkt|%ibyt|%opkt|%obyt|%flg|%in|%out|%tos'");
  ASSERT_EQ(n.exit_code, 0) << n.err;
  std::string line = n.out.substr(0, n.out.find('\n'));
  std::string norm, field;
  std::istringstream fs(line);
  while (std::getline(fs, field, '|')) norm += (norm.empty() ? "" : "|") + trim(field);
  const std::string ours = ms_time(f.first_ms) + "|" + ms_time(f.last_ms) + "|" + f.src_addr.to_string() + "|" +
                           f.dst_addr.to_string() + "|" + std::to_string(f.src_port) + "|" + std::to_string(f.dst_port) +
                           "|" + std::to_string(f.proto) + "|" + std::to_string(f.pkts) + "|" + std::to_string(f.bytes) +
                           "|" + std::to_string(b.pkts) + "|" + std::to_string(b.bytes) + "|" + flags_string(f.tcp_flags) +
                           "|" + std::to_string(f.input_if) + "|" + std::to_string(f.output_if) + "|" +
                           std::to_string(f.src_tos);
  EXPECT_EQ(ours, norm);
  // exporter and sampler come from their own records (nfdump's %ra is EXipReceived, not these)
  EXPECT_EQ(f.exporter_id, 1u);
  EXPECT_EQ(f.exporter_addr.to_string(), "10.9.8.7");
  EXPECT_EQ(f.sampling_interval, 10u);
  // reverse direction
  EXPECT_EQ(b.src_addr, f.dst_addr);
  EXPECT_EQ(b.dst_addr, f.src_addr);
  EXPECT_EQ(b.src_port, f.dst_port);
  EXPECT_EQ(b.dst_port, f.src_port);
  EXPECT_EQ(b.input_if, f.output_if);
  EXPECT_EQ(b.tcp_flags, 0x12);
  EXPECT_EQ(b.src_tos, 4);
  EXPECT_EQ(b.first_ms, f.first_ms);
  EXPECT_EQ(b.origin, f.origin);
}

}  // namespace
}  // namespace xmr::test
