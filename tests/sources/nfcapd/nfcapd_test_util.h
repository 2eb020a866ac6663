#pragma once
// Helpers for the nfcapd tests: make files with nfpcapd, list them with nfdump, print our records
// the way nfdump's fmt output does so that the two can be compared line by line.
#include <algorithm>
#include <ctime>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "core/flow_record.h"
#include "support/test_support.h"

namespace xmr::test {

// The one nfdump format both sides print: ms times, numbers unscaled and protocols numeric (-N).
inline const char* nfdump_fmt = "fmt:%ts|%te|%pr|%sa|%da|%sp|%dp|%pkt|%byt|%flg|%tos|%in|%out|%ra";

inline std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(' '));
  s.erase(s.find_last_not_of(' ') + 1);
  return s;
}

// nfdump's fields with padding removed, one string per record, sorted.
inline std::vector<std::string> nfdump_lines(const std::filesystem::path& file) {
  auto r = run("TZ=UTC nfdump -N -q -r " + sh_quote(file.string()) + " -o '" + nfdump_fmt + "'");
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
      if (!first) norm += '|';
      norm += trim(field);
      first = false;
    }
    lines.push_back(norm);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

inline std::string ms_time(std::int64_t ms) {
  std::time_t s = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof out, "%s.%03d", buf, static_cast<int>(ms % 1000));
  return out;
}

// nfdump 1.7.1 output_fmt.c String_Flags: C E U A P R S F, '.' when unset.
inline std::string flags_string(std::uint8_t f) {
  const char* names = "CEUAPRSF";
  std::string s(8, '.');
  for (int i = 0; i < 8; ++i)
    if (f & (0x80 >> i)) s[static_cast<std::size_t>(i)] = names[i];
  return s;
}

inline std::string format_like_nfdump(const FlowRecord& r) {
  std::string dport = std::to_string(r.dst_port);
  if (r.proto == 1 || r.proto == 58) dport = std::to_string(r.dst_port >> 8) + "." + std::to_string(r.dst_port & 0xff);
  std::string exporter = r.exporter_addr.is_unspecified() ? "0.0.0.0" : r.exporter_addr.to_string();
  return ms_time(r.first_ms) + "|" + ms_time(r.last_ms) + "|" + std::to_string(r.proto) + "|" + r.src_addr.to_string() + "|" +
         r.dst_addr.to_string() + "|" + std::to_string(r.src_port) + "|" + dport + "|" + std::to_string(r.pkts) + "|" +
         std::to_string(r.bytes) + "|" + flags_string(r.tcp_flags) + "|" +
         std::to_string(r.src_tos) + "|" + std::to_string(r.input_if) + "|" + std::to_string(r.output_if) + "|" + exporter;
}

// nfpcapd -r pcap -w dir (pcapng converted with tshark first); returns the nfcapd files, sorted.
inline std::vector<std::filesystem::path> capture_to_nfcapd(const std::filesystem::path& pcap,
                                                            const std::filesystem::path& dir) {
  std::filesystem::path in = pcap;
  if (pcap.extension() == ".pcapng") {
    in = dir / "converted.pcap";
    auto c = run("tshark -F pcap -r " + sh_quote(pcap.string()) + " -w " + sh_quote(in.string()));
    EXPECT_EQ(c.exit_code, 0) << c.err;
  }
  auto out = dir / "flows";
  std::filesystem::create_directories(out);
  auto r = run("TZ=UTC nfpcapd -r " + sh_quote(in.string()) + " -w " + sh_quote(out.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(out))
    if (e.path().filename().string().rfind("nfcapd.2", 0) == 0) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace xmr::test
