// Damaged text input: each bad line/object is reported with file and line, counted, skipped, and
// the good records around it are kept. Also goflow2 JSON lines written from goflow2 v2's
// documented schema, and format detection.
#include <gtest/gtest.h>

#include "sources/text/text_sources.h"
#include "support/test_support.h"

namespace xmr {
namespace {

const std::string csv_header =
    "ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,sas,das,smk,dmk,dtos,dir,nh,nhb,svln,dvln,"
    "ismc,odmc,idmc,osmc,mpls1,mpls2,mpls3,mpls4,mpls5,mpls6,mpls7,mpls8,mpls9,mpls10,cl,sl,al,ra,eng,exid,tr\n";

// One nfdump 1.7.1 csv data line (48 columns) with the given middle part.
std::string csv_line(const std::string& sa, const std::string& flg, const std::string& opkt_obyt = "0,0") {
  return "2018-08-03 14:00:30,2018-08-03 14:01:01,30.719," + sa +
         ",13.33.166.41,46086,80,TCP," + flg + ",0,0,4,160," + opkt_obyt +
         ",3,7,0,0,0,0,0,0,0.0.0.0,0.0.0.0,0,0,00:00:00:00:00:00,00:00:00:00:00:00,00:00:00:00:00:00,"
         "00:00:00:00:00:00,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,    0.000,    0.000,"
         "    0.000,192.0.2.1,17/1,5,2026-11-25 08:48:30.986\n";
}

test::ReadAll read_as(const std::string& content, InputFormat fmt, const std::string& name = "in.txt") {
  test::TempDir dir;
  const auto p = dir / name;
  test::write_file(p, content);
  SourceOptions opt;
  opt.format = fmt;
  opt.tz = "UTC";
  return test::read_all(p.string(), opt);
}

bool mentions(const test::ReadAll& r, const std::string& what) {
  for (const auto& p : r.problems)
    if (p.find(what) != std::string::npos) return true;
  return false;
}

TEST(NfdumpCsv, FieldsFlagsBidirAndSummary) {
  const std::string text = csv_header + csv_line("10.0.2.15", "C..AP.SF", "2,120") +
                           "Summary\nflows,bytes,packets,avg_bps,avg_pps,avg_bpp\n1,160,4,41,0,40\n";
  auto r = read_as(text, InputFormat::nfdump_csv);
  EXPECT_EQ(r.errors, 0u);
  ASSERT_EQ(r.records.size(), 2u);
  const auto& a = r.records[0];
  EXPECT_EQ(a.tcp_flags, tcp_flag::cwr | tcp_flag::ack | tcp_flag::psh | tcp_flag::syn | tcp_flag::fin);
  EXPECT_EQ(a.first_ms, 1533304830000);  // 2018-08-03T14:00:30Z (date -u -d ... +%s)
  EXPECT_EQ(a.last_ms, 1533304861000);
  EXPECT_EQ(a.input_if, 3u);
  EXPECT_EQ(a.output_if, 7u);
  EXPECT_EQ(a.exporter_id, 5u);
  EXPECT_EQ(a.exporter_addr, *IpAddress::parse("192.0.2.1"));
  EXPECT_EQ(a.origin.position, 2u);
  const auto& b = r.records[1];  // reverse direction of the bi-flow
  EXPECT_EQ(b.src_addr, a.dst_addr);
  EXPECT_EQ(b.src_port, 80);
  EXPECT_EQ(b.dst_port, 46086);
  EXPECT_EQ(b.pkts, 2u);
  EXPECT_EQ(b.bytes, 120u);
  EXPECT_EQ(b.input_if, 7u);
}

TEST(NfdumpCsv, GarbageAndBadFieldsAreSkippedWithLineNumbers) {
  const std::string text = csv_header + csv_line("10.0.2.15", "...A....") +  // line 2 good
                           "this is not csv at all\n" +                         // line 3
                           csv_line("10.0.2.999", "...A....") +                 // line 4: bad address
                           csv_line("10.0.2.15", "..XA....") +                  // line 5: bad flags
                           "2018-08-03 14:00:30,2018-08-03 14:01:01,1,2\n" +    // line 6: field count
                           csv_line("10.0.2.16", "...A....");                   // line 7 good
  auto r = read_as(text, InputFormat::nfdump_csv, "bad.csv");
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0].origin.position, 2u);
  EXPECT_EQ(r.records[1].origin.position, 7u);
  EXPECT_EQ(r.errors, 4u);
  EXPECT_EQ(r.skipped, 4u);
  for (const char* where : {"line 3", "line 4", "line 5", "line 6"}) EXPECT_TRUE(mentions(r, where)) << where;
  EXPECT_TRUE(mentions(r, "bad.csv"));
}

TEST(NfdumpCsv, OverlongLineIsSkippedInBoundedMemory) {
  std::string text = csv_header + csv_line("10.0.2.15", "...A....");
  text += std::string(3u << 20, 'x') + "\n";
  text += csv_line("10.0.2.16", "...A....");
  auto r = read_as(text, InputFormat::nfdump_csv);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[1].origin.position, 4u);
  EXPECT_EQ(r.errors, 1u);
  EXPECT_TRUE(mentions(r, "line 3"));
}

TEST(NfdumpCsv, TruncatedLastLineIsReportedNotFatal) {
  std::string good = csv_line("10.0.2.15", "...A....");
  auto r = read_as(csv_header + good + good.substr(0, 50), InputFormat::nfdump_csv);
  EXPECT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.errors, 1u);
}

const std::string json_obj =
    "{\n\t\"type\" : \"FLOW\",\n\t\"first\" : \"2018-08-03T14:00:30.490\",\n\t\"last\" : "
    "\"2018-08-03T14:01:01.209\",\n\t\"in_packets\" : 4,\n\t\"in_bytes\" : 160,\n\t\"proto\" : 6,\n\t"
    "\"tcp_flags\" : \"...A....\",\n\t\"src_port\" : 46086,\n\t\"dst_port\" : 80,\n\t\"src_tos\" : 0,\n\t"
    "\"src6_addr\" : \"2001:db8::1\",\n\t\"dst6_addr\" : \"2001:db8::2\",\n\t\"label\" : \"<none>\"\n}";

TEST(NfdumpJson, MalformedAndWrongTypedObjectsAreSkipped) {
  std::string bad_type = json_obj;
  bad_type.replace(bad_type.find("\"in_packets\" : 4"), 16, "\"in_packets\" : [4]");
  const std::string text = "[\n" + json_obj + ",\n{ \"type\" : \"FLOW\", \"first\" : 12,, }\n,\n" + bad_type + ",\n" +
                           json_obj + "\n]\n";
  auto r = read_as(text, InputFormat::nfdump_json, "bad.json");
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0].origin.position, 2u);
  EXPECT_EQ(r.records[0].first_ms, 1533304830490);
  EXPECT_EQ(r.records[0].last_ms, 1533304861209);
  EXPECT_EQ(r.records[0].src_addr, *IpAddress::parse("2001:db8::1"));
  EXPECT_EQ(r.errors, 2u);
  EXPECT_TRUE(mentions(r, "line 17"));  // the malformed object's opening brace
  EXPECT_TRUE(mentions(r, "in_packets"));
}

TEST(NfdumpJson, TruncatedArrayKeepsEarlierObjects) {
  auto r = read_as("[\n" + json_obj + ",\n" + json_obj.substr(0, 60), InputFormat::nfdump_json);
  EXPECT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.errors, 1u);
}

// goflow2 v2 JSON lines, keys as goflow2 v2 format/json renders pb/flow.proto FlowMessage.
const std::string gf_line =
    R"({"type":"NETFLOW_V9","time_received_ns":1700000001000000000,"sequence_num":7,"sampling_rate":100,)"
    R"("sampler_address":"192.0.2.1","time_flow_start_ns":1700000000123000000,"time_flow_end_ns":1700000000456000000,)"
    R"("bytes":1500,"packets":3,"src_addr":"10.0.0.1","dst_addr":"10.0.0.2","etype":"IPv4","proto":"TCP",)"
    R"("src_port":40000,"dst_port":3333,"in_if":2,"out_if":4,"src_mac":"00:00:00:00:00:00","tcp_flags":27,"ip_tos":8})";

TEST(Goflow2, DocumentedSchemaMapsEveryField) {
  auto r = read_as(gf_line + "\n", InputFormat::goflow2_json);
  ASSERT_EQ(r.records.size(), 1u);
  const auto& g = r.records[0];
  EXPECT_EQ(g.first_ms, 1700000000123);
  EXPECT_EQ(g.last_ms, 1700000000456);
  EXPECT_EQ(g.proto, 6);
  EXPECT_EQ(g.tcp_flags, 27);
  EXPECT_EQ(g.src_tos, 8);
  EXPECT_EQ(g.sampling_interval, 100u);
  EXPECT_EQ(g.exporter_addr, *IpAddress::parse("192.0.2.1"));
  EXPECT_EQ(g.input_if, 2u);
  EXPECT_EQ(g.output_if, 4u);
  EXPECT_EQ(g.pkts, 3u);
  EXPECT_EQ(g.bytes, 1500u);
}

TEST(Goflow2, BadLinesAreSkipped) {
  std::string wrong = gf_line;
  wrong.replace(wrong.find("\"bytes\":1500"), 12, "\"bytes\":\"lots\"");
  const std::string text = gf_line + "\n{not json\n" + wrong + "\n{\"bytes\":1}\n" + gf_line + "\n";
  auto r = read_as(text, InputFormat::goflow2_json);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[1].origin.position, 5u);
  EXPECT_EQ(r.errors, 3u);
  EXPECT_TRUE(mentions(r, "line 2"));
  EXPECT_TRUE(mentions(r, "line 3"));
  EXPECT_TRUE(mentions(r, "line 4"));
}

TEST(XmrCsv, BadLinesAreSkipped) {
  const std::string h =
      "first_ms,last_ms,src_addr,dst_addr,src_port,dst_port,proto,tcp_flags,src_tos,pkts,bytes,"
      "sampling_interval,exporter_id,exporter_addr,input_if,output_if\n";
  const std::string good = "1000,2000,10.0.0.1,10.0.0.2,1,2,6,18,0,3,180,1,0,::,0,0\n";
  auto r = read_as(h + good + "1000,2000,10.0.0.1,10.0.0.2,1,70000,6,18,0,3,180,1,0,::,0,0\n1,2,3\n" + good,
                   InputFormat::xmr_csv);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.errors, 2u);
  EXPECT_TRUE(mentions(r, "line 3"));
  EXPECT_TRUE(mentions(r, "line 4"));
}

std::optional<InputFormat> detect(const std::string& s) {
  return detect_text_format(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

TEST(DetectText, TellsFormatsApart) {
  EXPECT_EQ(detect(csv_header), InputFormat::nfdump_csv);
  EXPECT_EQ(detect(csv_line("10.0.2.15", "........")), InputFormat::nfdump_csv);
  EXPECT_EQ(detect("[\n{\n\t\"type\" : \"FLOW\""), InputFormat::nfdump_json);
  EXPECT_EQ(detect(gf_line), InputFormat::goflow2_json);
  EXPECT_EQ(detect("first_ms,last_ms,src_addr,dst_addr,src_port,dst_port,proto,tcp_flags,src_tos,pkts,bytes,"
                   "sampling_interval,exporter_id,exporter_addr,input_if,output_if\n"),
            InputFormat::xmr_csv);
  EXPECT_EQ(detect("hello world\n"), std::nullopt);
  EXPECT_EQ(detect("{\"foo\":1}\n"), std::nullopt);
}

}  // namespace
}  // namespace xmr
