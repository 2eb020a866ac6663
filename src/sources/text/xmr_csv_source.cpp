// XMR-Ray's own CSV (written by `xmr-ray flows -o csv`, src/sinks/text_csv_sink.cpp): the header
// xmr_csv_header, then one FlowRecord per line, times in UTC epoch milliseconds, tcp_flags as a
// decimal byte. Lossless: reading back reproduces every field.
#include <array>

#include <fmt/format.h>

#include "sources/text/text_sources.h"
#include "sources/text/text_streams.h"

namespace xmr::text {

namespace {

class XmrCsvSource final : public FlowSource {
 public:
  XmrCsvSource(FilePtr f, const SourceContext& ctx) : ctx_(ctx), lines_(std::move(f), ctx_) {}

  result<std::size_t> read(std::vector<FlowRecord>& out, std::size_t max) override {
    std::size_t n = 0;
    while (n < max) {
      auto line = lines_.next();
      if (!line) return tl::unexpected(line.error());
      if (!*line) break;
      const std::string_view l = **line;
      if (l == xmr_csv_header || trim(l).empty()) continue;
      FlowRecord r;
      if (parse(l, r)) {
        out.push_back(r);
        ++n;
      } else if (ctx_.diagnostics) {
        ctx_.diagnostics->add_skipped(1);
      }
    }
    if (ctx_.diagnostics) ctx_.diagnostics->add_read(n);
    return n;
  }

 private:
  bool fail(std::string_view what) {
    report(ctx_, errc::bad_line, lines_.line_number(), what);
    return false;
  }

  bool parse(std::string_view l, FlowRecord& r) {
    std::array<std::string_view, xmr_csv_columns + 1> f;
    const std::size_t n = split_csv(l, f.data(), xmr_csv_columns);
    if (n != xmr_csv_columns) return fail(fmt::format("expected {} comma-separated fields", xmr_csv_columns));
    auto first = parse_i64(f[0]), last = parse_i64(f[1]);
    auto sa = IpAddress::parse(f[2]), da = IpAddress::parse(f[3]);
    auto sp = parse_u64(f[4]), dp = parse_u64(f[5]), pr = parse_u64(f[6]), fl = parse_u64(f[7]), tos = parse_u64(f[8]);
    auto pk = parse_u64(f[9]), by = parse_u64(f[10]), smp = parse_u64(f[11]), ex = parse_u64(f[12]);
    auto ea = IpAddress::parse(f[13]);
    auto in = parse_u64(f[14]), ou = parse_u64(f[15]);
    if (!first || !last) return fail("bad time");
    if (!sa || !da || !ea) return fail("bad IP address");
    if (!sp || !dp || *sp > 65535 || *dp > 65535) return fail("bad port");
    if (!pr || !fl || !tos || *pr > 255 || *fl > 255 || *tos > 255) return fail("bad proto, flags or tos");
    if (!pk || !by) return fail("bad packet or byte count");
    if (!smp || !ex || !in || !ou || *smp > 0xffffffffu || *ex > 0xffffffffu || *in > 0xffffffffu || *ou > 0xffffffffu)
      return fail("bad sampling, exporter or interface");
    r.first_ms = *first;
    r.last_ms = *last;
    r.src_addr = *sa;
    r.dst_addr = *da;
    r.src_port = static_cast<std::uint16_t>(*sp);
    r.dst_port = static_cast<std::uint16_t>(*dp);
    r.proto = static_cast<std::uint8_t>(*pr);
    r.tcp_flags = static_cast<std::uint8_t>(*fl);
    r.src_tos = static_cast<std::uint8_t>(*tos);
    r.pkts = *pk;
    r.bytes = *by;
    r.sampling_interval = static_cast<std::uint32_t>(*smp);
    r.exporter_id = static_cast<std::uint32_t>(*ex);
    r.exporter_addr = *ea;
    r.input_if = static_cast<std::uint32_t>(*in);
    r.output_if = static_cast<std::uint32_t>(*ou);
    r.origin = Origin{ctx_.source_index, lines_.line_number()};
    return true;
  }

  SourceContext ctx_;
  LineReader lines_;
};

}  // namespace

result<std::unique_ptr<FlowSource>> make_xmr_csv_source(FilePtr f, const SourceContext& ctx) {
  return std::unique_ptr<FlowSource>(new XmrCsvSource(std::move(f), ctx));
}

}  // namespace xmr::text

namespace xmr {
result<std::unique_ptr<FlowSource>> open_xmr_csv_source(const std::string& path, const SourceContext& ctx) {
  auto f = text::open_input(path);
  if (!f) return tl::unexpected(f.error());
  return text::make_xmr_csv_source(std::move(*f), ctx);
}
}  // namespace xmr
