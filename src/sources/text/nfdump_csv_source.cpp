// nfdump 1.7.1 `-o csv` exports (src/output/output_csv.c of nfdump 1.7.1): a header line
// "ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,...,ra,eng,exid,tr", one line per
// flow with local wall-clock times to the second, and (without -q) a trailing "Summary" section.
#include <array>

#include <fmt/format.h>

#include "sources/text/text_sources.h"
#include "sources/text/text_streams.h"
#include "sources/text/time_zone.h"

namespace xmr::text {

namespace {

// Column order of nfdump 1.7.1's csv header, used for -q exports that have no header line.
constexpr std::string_view default_header =
    "ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,sas,das,smk,dmk,dtos,dir,nh,nhb,"
    "svln,dvln,ismc,odmc,idmc,osmc,mpls1,mpls2,mpls3,mpls4,mpls5,mpls6,mpls7,mpls8,mpls9,mpls10,cl,sl,"
    "al,ra,eng,exid,tr";

constexpr std::size_t max_columns = 96;

enum Col { ts, te, sa, da, sp, dp, pr, flg, stos, ipkt, ibyt, opkt, obyt, in_if, out_if, dtos, ra, exid, col_count };
constexpr std::array<std::string_view, col_count> col_names = {
    "ts", "te", "sa", "da", "sp", "dp", "pr", "flg", "stos", "ipkt", "ibyt", "opkt", "obyt", "in", "out", "dtos", "ra", "exid"};
constexpr int required_cols = ibyt + 1;  // ts..ibyt must exist

class NfdumpCsvSource final : public FlowSource {
 public:
  NfdumpCsvSource(FilePtr f, const SourceContext& ctx, TimeZone tz)
      : ctx_(ctx), lines_(std::move(f), ctx_), tz_(std::move(tz)) {
    set_header(default_header);
  }

  result<std::size_t> read(std::vector<FlowRecord>& out, std::size_t max) override {
    std::size_t n = 0;
    while (n + 1 < max + 1 && n < max) {
      if (pending_) {
        out.push_back(*pending_);
        pending_.reset();
        ++n;
        continue;
      }
      auto line = lines_.next();
      if (!line) return tl::unexpected(line.error());
      if (!*line) break;
      const std::string_view l = **line;
      if (in_summary_ || trim(l).empty()) continue;
      if (l.rfind("ts,te,", 0) == 0) {
        if (!set_header(l)) report(ctx_, errc::bad_line, lines_.line_number(), "header line lacks required columns");
        continue;
      }
      if (l == "Summary") {
        in_summary_ = true;
        continue;
      }
      if (l.rfind("No matching flows", 0) == 0 || l.rfind("No matched flows", 0) == 0) continue;
      FlowRecord r;
      if (!parse(l, r)) {
        if (ctx_.diagnostics) ctx_.diagnostics->add_skipped(1);
        continue;
      }
      out.push_back(r);
      ++n;
    }
    if (ctx_.diagnostics) ctx_.diagnostics->add_read(n);
    return n;
  }

 private:
  bool set_header(std::string_view h) {
    std::array<std::string_view, max_columns + 1> f;
    const std::size_t n = split_csv(h, f.data(), max_columns);
    if (n > max_columns) return false;
    std::array<int, col_count> idx;
    idx.fill(-1);
    for (std::size_t i = 0; i < n; ++i)
      for (int c = 0; c < col_count; ++c)
        if (trim(f[i]) == col_names[c]) idx[c] = static_cast<int>(i);
    for (int c = 0; c < required_cols; ++c)
      if (idx[c] < 0) return false;
    idx_ = idx;
    ncols_ = n;
    return true;
  }

  bool fail(std::string_view what) {
    report(ctx_, errc::bad_line, lines_.line_number(), what);
    return false;
  }

  bool parse(std::string_view l, FlowRecord& r) {
    std::array<std::string_view, max_columns + 1> f;
    const std::size_t n = split_csv(l, f.data(), max_columns);
    if (n != ncols_) return fail(fmt::format("expected {} comma-separated fields, found {}", ncols_, n > max_columns ? max_columns + 1 : n));
    auto col = [&](Col c) -> std::string_view { return idx_[c] < 0 ? std::string_view{} : f[static_cast<std::size_t>(idx_[c])]; };
    auto t0 = parse_wall_time_ms(col(ts));
    auto t1 = parse_wall_time_ms(col(te));
    if (!t0 || !t1) return fail("bad timestamp (expected YYYY-MM-DD hh:mm:ss)");
    auto a = IpAddress::parse(trim(col(sa)));
    auto b = IpAddress::parse(trim(col(da)));
    if (!a || !b) return fail("bad IP address");
    auto p = parse_proto(col(pr));
    if (!p) return fail(fmt::format("bad protocol '{}'", col(pr)));
    auto s_port = parse_u64(col(sp));
    auto d_port = parse_port(col(dp));
    if (!s_port || *s_port > 65535 || !d_port) return fail("bad port");
    auto flags = parse_tcp_flags(col(flg));
    if (!flags) return fail(fmt::format("bad tcp flags '{}'", col(flg)));
    auto pk = parse_u64(col(ipkt));
    auto by = parse_u64(col(ibyt));
    if (!pk || !by) return fail("bad packet or byte count");
    std::uint64_t opk = 0, oby = 0;
    if (idx_[opkt] >= 0 && idx_[obyt] >= 0) {
      auto x = parse_u64(col(opkt));
      auto y = parse_u64(col(obyt));
      if (!x || !y) return fail("bad out packet or byte count");
      opk = *x;
      oby = *y;
    }
    auto opt_u32 = [&](Col c, std::uint32_t& dst) {
      if (idx_[c] < 0) return true;
      auto v = parse_u64(col(c));
      if (!v || *v > 0xffffffffu) return false;
      dst = static_cast<std::uint32_t>(*v);
      return true;
    };
    std::uint32_t tos = 0, dtos_v = 0;
    if (!opt_u32(stos, tos) || !opt_u32(dtos, dtos_v) || tos > 255 || dtos_v > 255) return fail("bad tos");
    if (!opt_u32(in_if, r.input_if) || !opt_u32(out_if, r.output_if) || !opt_u32(exid, r.exporter_id))
      return fail("bad interface or exporter id");
    if (idx_[ra] >= 0) {
      auto router = IpAddress::parse(trim(col(ra)));
      if (!router) return fail("bad router address");
      r.exporter_addr = *router;
    }
    r.src_addr = *a;
    r.dst_addr = *b;
    r.src_port = static_cast<std::uint16_t>(*s_port);
    r.dst_port = *d_port;
    r.proto = *p;
    r.tcp_flags = *flags;
    r.src_tos = static_cast<std::uint8_t>(tos);
    r.first_ms = tz_.to_utc(*t0 / 1000) * 1000 + *t0 % 1000;
    r.last_ms = tz_.to_utc(*t1 / 1000) * 1000 + *t1 % 1000;
    r.pkts = *pk;
    r.bytes = *by;
    r.origin = Origin{ctx_.source_index, lines_.line_number()};
    if (opk != 0 || oby != 0) {  // bi-directional flow: the reverse direction as its own record
      FlowRecord rev = r;
      rev.src_addr = r.dst_addr;
      rev.dst_addr = r.src_addr;
      rev.src_port = r.dst_port;
      rev.dst_port = r.src_port;
      rev.pkts = opk;
      rev.bytes = oby;
      rev.input_if = r.output_if;
      rev.output_if = r.input_if;
      rev.src_tos = static_cast<std::uint8_t>(dtos_v);
      pending_ = rev;
    }
    return true;
  }

  // nfdump prints ICMP "ports" as "type.code" in some outputs; accept that and plain numbers.
  static std::optional<std::uint16_t> parse_port(std::string_view s) {
    s = trim(s);
    const auto dot = s.find('.');
    if (dot == std::string_view::npos) {
      auto v = parse_u64(s);
      if (!v || *v > 65535) return std::nullopt;
      return static_cast<std::uint16_t>(*v);
    }
    auto t = parse_u64(s.substr(0, dot));
    auto c = parse_u64(s.substr(dot + 1));
    if (!t || !c || *t > 255 || *c > 255) return std::nullopt;
    return static_cast<std::uint16_t>(*t << 8 | *c);
  }

  SourceContext ctx_;
  LineReader lines_;
  TimeZone tz_;
  std::array<int, col_count> idx_{};
  std::size_t ncols_ = 0;
  bool in_summary_ = false;
  std::optional<FlowRecord> pending_;
};

}  // namespace

std::size_t split_csv(std::string_view line, std::string_view* fields, std::size_t max) noexcept {
  std::size_t n = 0;
  std::size_t start = 0;
  while (true) {
    const auto c = line.find(',', start);
    if (n == max) return max + 1;
    fields[n++] = line.substr(start, c == std::string_view::npos ? std::string_view::npos : c - start);
    if (c == std::string_view::npos) return n;
    start = c + 1;
  }
}

result<std::unique_ptr<FlowSource>> make_nfdump_csv_source(FilePtr f, const SourceContext& ctx) {
  auto tz = TimeZone::load(ctx.options.tz);
  if (!tz) return tl::unexpected(tz.error());
  return std::unique_ptr<FlowSource>(new NfdumpCsvSource(std::move(f), ctx, std::move(*tz)));
}

}  // namespace xmr::text

namespace xmr {
result<std::unique_ptr<FlowSource>> open_nfdump_csv_source(const std::string& path, const SourceContext& ctx) {
  auto f = text::open_input(path);
  if (!f) return tl::unexpected(f.error());
  return text::make_nfdump_csv_source(std::move(*f), ctx);
}
}  // namespace xmr
