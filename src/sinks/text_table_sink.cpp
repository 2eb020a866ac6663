// table sink: a human listing in the spirit of `nfdump -o line` (nfdump 1.7.1 src/output/
// output_fmt.c "line" format): first seen (UTC, milliseconds), duration in seconds, protocol,
// src ip:port -> dst ip:port, TCP flags as nfdump's 8-character "CEUAPRSF" string ('.' =
// unset), packets, bytes. Unlike nfdump, times are always UTC (the header says so) so that a
// listing does not depend on the machine it was made on, and IPv6 endpoints are [addr]:port.
#include "sinks/text_output.h"
#include "sinks/text_sinks.h"

namespace xmr {

namespace {

// Protocol names as nfdump prints the common ones (nfdump 1.7.1 src/lib/nf_common.c protoList).
std::string_view proto_label(std::uint8_t p) noexcept {
  switch (p) {
    case 1: return "ICMP";
    case 2: return "IGMP";
    case 6: return "TCP";
    case 17: return "UDP";
    case 41: return "IPv6";
    case 47: return "GRE";
    case 50: return "ESP";
    case 58: return "ICMP6";
    case 132: return "SCTP";
    default: return {};
  }
}

// Civil date from days since 1970-01-01 (Howard Hinnant, "chrono-Compatible Low-Level Date
// Algorithms", civil_from_days), proleptic Gregorian.
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

void append_2(std::string& b, unsigned v) {
  b.push_back(static_cast<char>('0' + v / 10 % 10));
  b.push_back(static_cast<char>('0' + v % 10));
}

// "YYYY-MM-DD hh:mm:ss.mmm" in UTC.
void append_utc_ms(std::string& b, std::int64_t ms) {
  std::int64_t s = ms / 1000, frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    s -= 1;
  }
  std::int64_t days = s / 86400, sod = s % 86400;
  if (sod < 0) {
    sod += 86400;
    days -= 1;
  }
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  sinks::append_int(b, y);
  b.push_back('-');
  append_2(b, m);
  b.push_back('-');
  append_2(b, d);
  b.push_back(' ');
  append_2(b, static_cast<unsigned>(sod / 3600));
  b.push_back(':');
  append_2(b, static_cast<unsigned>(sod / 60 % 60));
  b.push_back(':');
  append_2(b, static_cast<unsigned>(sod % 60));
  b.push_back('.');
  b.push_back(static_cast<char>('0' + frac / 100));
  append_2(b, static_cast<unsigned>(frac % 100));
}

void append_endpoint(std::string& b, const IpAddress& a, std::uint16_t port) {
  const std::size_t start = b.size();
  if (a.is_v4()) {
    a.append_to(b);
  } else {
    b.push_back('[');
    a.append_to(b);
    b.push_back(']');
  }
  b.push_back(':');
  sinks::append_int(b, port);
  constexpr std::size_t width = 21;  // "255.255.255.255:65535"
  const std::size_t len = b.size() - start;
  if (len < width) b.insert(start, width - len, ' ');
}

class TableSink final : public FlowSink {
 public:
  explicit TableSink(sinks::TextOutput out) : out_(std::move(out)) {
    out_.buffer().append(
        "Date first seen (UTC)    Duration Proto      Src IP Addr:Port         Dst IP Addr:Port    Flags"
        "    Packets      Bytes\n");
  }

  result<void> write(std::span<const FlowRecord> records) override {
    std::string& b = out_.buffer();
    for (const FlowRecord& r : records) {
      append_utc_ms(b, r.first_ms);
      const std::int64_t dur = r.duration_ms() < 0 ? 0 : r.duration_ms();
      b.push_back(' ');
      sinks::append_padded(b, static_cast<std::uint64_t>(dur / 1000), 8);
      b.push_back('.');
      b.push_back(static_cast<char>('0' + dur % 1000 / 100));
      append_2(b, static_cast<unsigned>(dur % 100));
      b.push_back(' ');
      const std::size_t pstart = b.size();
      if (auto name = proto_label(r.proto); !name.empty()) b.append(name);
      else sinks::append_int(b, r.proto);
      if (b.size() - pstart < 5) b.append(5 - (b.size() - pstart), ' ');
      b.push_back(' ');
      append_endpoint(b, r.src_addr, r.src_port);
      b.append(" -> ");
      append_endpoint(b, r.dst_addr, r.dst_port);
      b.push_back(' ');
      // nfdump 1.7.1 src/lib/output_util.c FlagsString: CWR ECE URG ACK PSH RST SYN FIN.
      static constexpr char letters[] = "CEUAPRSF";
      for (int i = 0; i < 8; ++i) b.push_back((r.tcp_flags >> (7 - i)) & 1 ? letters[i] : '.');
      b.push_back(' ');
      sinks::append_padded(b, r.pkts, 10);
      b.push_back(' ');
      sinks::append_padded(b, r.bytes, 10);
      b.push_back('\n');
      if (auto f = out_.maybe_flush(); !f) return f;
    }
    return {};
  }

  result<void> finish() override { return out_.finish(); }

 private:
  sinks::TextOutput out_;
};

}  // namespace

result<std::unique_ptr<FlowSink>> open_table_sink(const std::string& path) {
  auto out = sinks::TextOutput::open(path);
  if (!out) return tl::unexpected(out.error());
  return std::unique_ptr<FlowSink>(new TableSink(std::move(*out)));
}

}  // namespace xmr
