#include "eval/labels.h"

#include <charconv>
#include <fstream>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace xmr {

namespace {
std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = line.find(',', start);
    out.push_back(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

template <class T>
bool number(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

constexpr std::string_view expected_header =
    "client_ip,client_port,server_ip,server_port,proto,label,family,profile,pool,tls,start_ms,end_ms,hashrate_hs";
}  // namespace

void LabelSet::add(const Endpoint& client, const Endpoint& server, std::uint8_t proto, ConnectionLabel label) {
  FlowRecord r;
  r.src_addr = client.addr;
  r.src_port = client.port;
  r.dst_addr = server.addr;
  r.dst_port = server.port;
  r.proto = proto;
  label.client = client;
  label.server = server;
  labels_[key_of(r).key] = std::move(label);
}

const ConnectionLabel* LabelSet::find(const ConnectionKey& key) const {
  auto it = labels_.find(key);
  return it == labels_.end() ? nullptr : &it->second;
}

result<LabelSet> LabelSet::load(const std::string& path, Diagnostics& diag) {
  std::ifstream in(path);
  if (!in) return make_error(errc::io_error, fmt::format("{}: cannot open", path));
  LabelSet set;
  std::string line;
  std::uint64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_no == 1) {
      if (line != expected_header)
        return make_error(errc::bad_header, fmt::format("{}: line 1: not a lab labels.csv header", path));
      continue;
    }
    if (line.empty()) continue;
    const auto f = split(line);
    auto bad = [&](std::string_view why) {
      diag.report(errc::bad_line, path, PositionKind::line, line_no, why);
    };
    if (f.size() != 13) {
      bad(fmt::format("{} fields, want 13", f.size()));
      continue;
    }
    const auto client = IpAddress::parse(f[0]), server = IpAddress::parse(f[2]);
    std::uint16_t cport = 0, sport = 0;
    unsigned proto = 0;
    std::int64_t start_ms = 0;
    if (!client || !server || !number(f[1], cport) || !number(f[3], sport) || !number(f[4], proto) || proto > 255) {
      bad("bad address, port or protocol");
      continue;
    }
    if (!number(f[10], start_ms)) {
      bad("bad start_ms");
      continue;
    }
    if (f[5] != "mining" && f[5] != "benign") {
      bad("label must be mining or benign");
      continue;
    }
    set.add({*client, cport}, {*server, sport}, static_cast<std::uint8_t>(proto),
            ConnectionLabel{f[5] == "mining", std::string(f[7]), std::string(f[8]), f[9] == "yes" || f[9] == "true", {}, {},
                            start_ms, std::string(f[6])});
  }
  return set;
}

}  // namespace xmr
