// Text sinks: csv -> xmr_csv source and json -> goflow2 source round trips reproduce every
// FlowRecord field; the JSON is goflow2's schema as an independent JSON parser sees it; the
// table's dates agree with date(1); bad output paths are errors, not crashes.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sinks/text_sinks.h"
#include "sources/text/text_sources.h"
#include "support/test_support.h"

namespace xmr {
namespace {

using test::TempDir;

// Records covering IPv4/IPv6, TCP/UDP/ICMP/ICMPv6, sampling, exporter, interfaces, extremes.
std::vector<FlowRecord> sample_records(std::size_t random_count) {
  std::vector<FlowRecord> v;
  FlowRecord a;
  a.src_addr = *IpAddress::parse("192.0.2.10");
  a.dst_addr = *IpAddress::parse("198.51.100.7");
  a.src_port = 49152;
  a.dst_port = 3333;
  a.proto = proto_tcp;
  a.tcp_flags = tcp_flag::syn | tcp_flag::ack | tcp_flag::psh | tcp_flag::fin;
  a.src_tos = 0x28;
  a.first_ms = 1700000000123;
  a.last_ms = 1700000065987;
  a.pkts = 42;
  a.bytes = 12345;
  a.sampling_interval = 1;
  v.push_back(a);
  FlowRecord b = a;
  b.src_addr = *IpAddress::parse("2001:db8::1");
  b.dst_addr = *IpAddress::parse("2001:db8:0:1::ff");
  b.proto = proto_udp;
  b.tcp_flags = 0;
  b.sampling_interval = 1000;
  b.exporter_id = 7;
  b.exporter_addr = *IpAddress::parse("10.1.2.3");
  b.input_if = 4294967295u;
  b.output_if = 12;
  b.pkts = 18446744073709551615ull;
  b.bytes = 18446744073709551615ull;
  v.push_back(b);
  FlowRecord c = a;
  c.proto = proto_icmp;
  c.src_port = 0;
  c.dst_port = 8 << 8 | 0;  // echo request
  c.tcp_flags = 0;
  c.first_ms = c.last_ms = 0;
  v.push_back(c);
  FlowRecord d = b;
  d.proto = proto_icmp6;
  d.src_port = 0;
  d.dst_port = 135 << 8 | 3;
  d.exporter_addr = *IpAddress::parse("fe80::1");
  v.push_back(d);
  std::mt19937_64 rng(12345);
  for (std::size_t i = 0; i < random_count; ++i) {
    FlowRecord r;
    const bool v6 = rng() % 3 == 0;
    if (v6) {
      r.src_addr = IpAddress::from_v6_halves(rng(), rng());
      r.dst_addr = IpAddress::from_v6_halves(0x20010db800000000ull | (rng() & 0xffff), rng() & 0xff);
    } else {
      r.src_addr = IpAddress::from_v4(static_cast<std::uint32_t>(rng()));
      r.dst_addr = IpAddress::from_v4(static_cast<std::uint32_t>(rng()));
    }
    // IPv4-mapped IPv6 random halves would print as IPv4; keep the test about real families.
    if (v6 && r.src_addr.is_v4()) r.src_addr = IpAddress::from_v6_halves(1, 1);
    r.proto = static_cast<std::uint8_t>(rng() % 3 == 0 ? proto_udp : proto_tcp);
    r.src_port = static_cast<std::uint16_t>(rng());
    r.dst_port = static_cast<std::uint16_t>(rng());
    r.tcp_flags = r.is_tcp() ? static_cast<std::uint8_t>(rng()) : 0;
    r.src_tos = static_cast<std::uint8_t>(rng());
    r.first_ms = static_cast<std::int64_t>(1'600'000'000'000ull + rng() % 200'000'000'000ull);
    r.last_ms = r.first_ms + static_cast<std::int64_t>(rng() % 3'600'000);
    r.pkts = 1 + rng() % 100000;
    r.bytes = r.pkts * (40 + rng() % 1460);
    r.sampling_interval = 1 + static_cast<std::uint32_t>(rng() % 4);
    r.exporter_id = static_cast<std::uint32_t>(rng() % 5);
    if (r.exporter_id != 0) r.exporter_addr = IpAddress::from_v4(0x0a000000u + r.exporter_id);
    r.input_if = static_cast<std::uint32_t>(rng() % 64);
    r.output_if = static_cast<std::uint32_t>(rng() % 64);
    v.push_back(r);
  }
  return v;
}

void write_all(FlowSink& sink, const std::vector<FlowRecord>& records) {
  // Several write() calls, as the pipeline makes them.
  const std::size_t half = records.size() / 2;
  ASSERT_TRUE(sink.write(std::span(records).subspan(0, half)));
  ASSERT_TRUE(sink.write(std::span(records).subspan(half)));
  ASSERT_TRUE(sink.finish());
}

void expect_same_records(std::vector<FlowRecord> got, const std::vector<FlowRecord>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    got[i].origin = {};
    EXPECT_EQ(got[i], want[i]) << "record " << i << ": " << got[i].src_addr.to_string() << " vs "
                               << want[i].src_addr.to_string();
    if (!(got[i] == want[i])) break;
  }
}

TEST(TextSinks, CsvRoundTripThroughXmrCsvSourceIsExact) {
  TempDir dir;
  const auto path = (dir / "flows.csv").string();
  const auto records = sample_records(3000);
  auto sink = open_csv_sink(path);
  ASSERT_TRUE(sink) << sink.error().context;
  write_all(**sink, records);
  const std::string text = test::read_file(path);
  auto head = std::span(reinterpret_cast<const std::uint8_t*>(text.data()), std::min<std::size_t>(text.size(), 512));
  ASSERT_EQ(detect_text_format(head), InputFormat::xmr_csv);
  auto all = test::read_all(path);
  EXPECT_EQ(all.errors, 0u);
  expect_same_records(all.records, records);
  // Origin.position is the 1-based line number: line 1 is the header.
  EXPECT_EQ(all.records.at(0).origin.position, 2u);
}

TEST(TextSinks, JsonRoundTripThroughGoflow2SourceIsExact) {
  TempDir dir;
  const auto path = (dir / "flows.json").string();
  const auto records = sample_records(3000);
  auto sink = open_json_sink(path);
  ASSERT_TRUE(sink) << sink.error().context;
  write_all(**sink, records);
  const std::string text = test::read_file(path);
  auto head = std::span(reinterpret_cast<const std::uint8_t*>(text.data()), std::min<std::size_t>(text.size(), 512));
  ASSERT_EQ(detect_text_format(head), InputFormat::goflow2_json);
  auto all = test::read_all(path);
  EXPECT_EQ(all.errors, 0u);
  expect_same_records(all.records, records);
}

// An independent JSON parser sees goflow2's v2 keys with the values FlowRecord holds.
TEST(TextSinks, JsonLinesCarryGoflow2Schema) {
  TempDir dir;
  const auto path = (dir / "flows.json").string();
  const auto records = sample_records(0);
  auto sink = open_json_sink(path);
  ASSERT_TRUE(sink);
  write_all(**sink, records);
  std::istringstream in(test::read_file(path));
  std::string line;
  std::size_t i = 0;
  while (std::getline(in, line)) {
    ASSERT_LT(i, records.size());
    const FlowRecord& r = records[i++];
    auto j = nlohmann::json::parse(line);  // throws (test failure) on malformed output
    EXPECT_EQ(j.at("time_flow_start_ns").get<std::int64_t>(), r.first_ms * 1000000);
    EXPECT_EQ(j.at("time_flow_end_ns").get<std::int64_t>(), r.last_ms * 1000000);
    EXPECT_EQ(j.at("bytes").get<std::uint64_t>(), r.bytes);
    EXPECT_EQ(j.at("packets").get<std::uint64_t>(), r.pkts);
    EXPECT_EQ(j.at("src_addr").get<std::string>(), r.src_addr.to_string());
    EXPECT_EQ(j.at("dst_addr").get<std::string>(), r.dst_addr.to_string());
    EXPECT_EQ(j.at("proto").get<unsigned>(), r.proto);
    EXPECT_EQ(j.at("etype").get<unsigned>(), r.src_addr.is_v4() ? 0x0800u : 0x86ddu);
    EXPECT_EQ(j.at("sampling_rate").get<std::uint32_t>(), r.sampling_interval);
    EXPECT_EQ(j.at("in_if").get<std::uint32_t>(), r.input_if);
    EXPECT_EQ(j.at("out_if").get<std::uint32_t>(), r.output_if);
    EXPECT_EQ(j.at("tcp_flags").get<unsigned>(), r.tcp_flags);
    EXPECT_EQ(j.at("ip_tos").get<unsigned>(), r.src_tos);
    if (r.proto == proto_icmp || r.proto == proto_icmp6) {
      EXPECT_EQ(j.at("icmp_type").get<unsigned>(), static_cast<unsigned>(r.dst_port >> 8));
      EXPECT_EQ(j.at("icmp_code").get<unsigned>(), static_cast<unsigned>(r.dst_port & 0xff));
    } else {
      EXPECT_FALSE(j.contains("icmp_type"));
    }
  }
  EXPECT_EQ(i, records.size());
}

// The table's first-seen column agrees with date(1) and the flag string with nfdump's letters.
TEST(TextSinks, TableDatesMatchDateCommand) {
  TempDir dir;
  const auto path = (dir / "flows.txt").string();
  auto records = sample_records(0);
  auto sink = open_table_sink(path);
  ASSERT_TRUE(sink);
  write_all(**sink, records);
  std::istringstream in(test::read_file(path));
  std::string line;
  ASSERT_TRUE(std::getline(in, line));  // header
  EXPECT_NE(line.find("Date first seen"), std::string::npos);
  for (const FlowRecord& r : records) {
    ASSERT_TRUE(std::getline(in, line));
    auto d = test::run("date -u -d @" + std::to_string(r.first_ms / 1000) + " '+%Y-%m-%d %H:%M:%S'");
    ASSERT_EQ(d.exit_code, 0) << d.err;
    char ms[8];
    std::snprintf(ms, sizeof ms, ".%03d", static_cast<int>(r.first_ms % 1000));
    const std::string want_date = d.out.substr(0, 19) + ms;
    EXPECT_EQ(line.substr(0, want_date.size()), want_date) << line;
    EXPECT_NE(line.find(" -> "), std::string::npos);
    EXPECT_NE(line.find(std::to_string(r.pkts)), std::string::npos) << line;
    EXPECT_NE(line.find(std::to_string(r.bytes)), std::string::npos) << line;
  }
  // Record 0: SYN|ACK|PSH|FIN -> "...AP.SF" (nfdump 1.7.1 FlagsString), 65.864 s, TCP.
  std::istringstream again(test::read_file(path));
  std::getline(again, line);
  std::getline(again, line);
  EXPECT_NE(line.find("...AP.SF"), std::string::npos) << line;
  EXPECT_NE(line.find("65.864"), std::string::npos) << line;
  EXPECT_NE(line.find("TCP"), std::string::npos) << line;
  EXPECT_NE(line.find("192.0.2.10:49152 -> "), std::string::npos) << line;
  ASSERT_TRUE(std::getline(again, line));  // record 1: IPv6 UDP
  EXPECT_NE(line.find("[2001:db8::1]:49152 -> "), std::string::npos) << line;
  EXPECT_NE(line.find("UDP"), std::string::npos) << line;
  EXPECT_NE(line.find("........"), std::string::npos) << line;
}

TEST(TextSinks, UnwritablePathIsAnIoError) {
  for (auto open : {&open_csv_sink, &open_json_sink, &open_table_sink}) {
    auto sink = open("/nonexistent-dir/x/flows.out");
    ASSERT_FALSE(sink);
    EXPECT_EQ(sink.error().code, errc::io_error);
    EXPECT_NE(sink.error().context.find("/nonexistent-dir/x/flows.out"), std::string::npos);
  }
}

// A full device: the write error surfaces from write()/finish() as io_error.
TEST(TextSinks, FullDeviceIsAnIoError) {
  auto sink = open_csv_sink("/dev/full");
  ASSERT_TRUE(sink);
  const auto records = sample_records(20000);  // > 1 MiB of text: forces a flush inside write()
  auto w = (*sink)->write(records);
  auto f = (*sink)->finish();
  const bool failed = !w || !f;
  EXPECT_TRUE(failed);
  const errc code = !w ? w.error().code : (!f ? f.error().code : errc::count_);
  EXPECT_EQ(code, errc::io_error);
}

// The CLI end to end: xmr-ray flows re-exports its own CSV byte for byte.
TEST(TextSinks, CliCsvToCsvIsByteIdentical) {
  TempDir dir;
  const auto a = (dir / "a.csv").string(), b = (dir / "b.csv").string();
  auto sink = open_csv_sink(a);
  ASSERT_TRUE(sink);
  write_all(**sink, sample_records(500));
  auto r = test::run(test::sh_quote(test::xmr_binary().string()) + " flows -r " + test::sh_quote(a) + " -o csv -w " +
                     test::sh_quote(b));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(test::read_file(a), test::read_file(b));
}

}  // namespace
}  // namespace xmr
