// goflow2 v2 JSON lines (netsampler/goflow2 v2.x, format/json rendering of pb/flow.proto
// FlowMessage): one object per line with snake_case keys — type, time_received_ns,
// sequence_num, sampling_rate, sampler_address, time_flow_start_ns, time_flow_end_ns, bytes,
// packets, src_addr, dst_addr, etype, proto, src_port, dst_port, in_if, out_if, tcp_flags,
// ip_tos, icmp_type, icmp_code, observation_domain_id. proto/etype may be rendered as names
// ("TCP", "IPv4") or numbers; both are accepted. goflow2 v1 CamelCase keys are not supported.
#include <fmt/format.h>

#include "sources/text/json_fields.h"
#include "sources/text/text_sources.h"
#include "sources/text/text_streams.h"

namespace xmr::text {

namespace {

class Goflow2Source final : public FlowSource {
 public:
  Goflow2Source(FilePtr f, const SourceContext& ctx) : ctx_(ctx), lines_(std::move(f), ctx_) {}

  result<std::size_t> read(std::vector<FlowRecord>& out, std::size_t max) override {
    std::size_t n = 0;
    while (n < max) {
      auto line = lines_.next();
      if (!line) return tl::unexpected(line.error());
      if (!*line) break;
      if (trim(**line).empty()) continue;
      FlowRecord r;
      if (convert(**line, r)) {
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
    report(ctx_, errc::bad_json, lines_.line_number(), what);
    return false;
  }

  bool convert(std::string_view text, FlowRecord& r) {
    auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail("malformed JSON line");
    JsonFields f{j, {}};
    auto sa = f.addr("src_addr");
    auto da = f.addr("dst_addr");
    if (f.has("proto") && j["proto"].is_string()) {
      auto p = parse_proto(j["proto"].get<std::string>());
      if (!p) f.fail("field 'proto' is not a protocol");
      else r.proto = *p;
    } else {
      r.proto = static_cast<std::uint8_t>(f.u64("proto", 0, 255));
    }
    const std::uint64_t start_ns = f.u64("time_flow_start_ns", 0, std::uint64_t{1} << 62);
    const std::uint64_t end_ns = f.u64("time_flow_end_ns", start_ns, std::uint64_t{1} << 62);
    r.first_ms = static_cast<std::int64_t>(start_ns / 1'000'000);
    r.last_ms = static_cast<std::int64_t>(end_ns / 1'000'000);
    r.bytes = f.u64("bytes");
    r.pkts = f.u64("packets");
    r.src_port = static_cast<std::uint16_t>(f.u64("src_port", 0, 65535));
    r.dst_port = static_cast<std::uint16_t>(f.u64("dst_port", 0, 65535));
    const bool icmp = r.proto == proto_icmp || r.proto == proto_icmp6;
    if (icmp && r.dst_port == 0 && (f.has("icmp_type") || f.has("icmp_code")))
      r.dst_port = static_cast<std::uint16_t>(f.u64("icmp_type", 0, 255) << 8 | f.u64("icmp_code", 0, 255));
    r.tcp_flags = static_cast<std::uint8_t>(f.u64("tcp_flags", 0, 0xffff) & 0xff);
    r.src_tos = static_cast<std::uint8_t>(f.u64("ip_tos", 0, 255));
    const std::uint64_t rate = f.u64("sampling_rate", 0, 0xffffffffu);
    r.sampling_interval = rate == 0 ? 1 : static_cast<std::uint32_t>(rate);
    r.input_if = static_cast<std::uint32_t>(f.u64("in_if", 0, 0xffffffffu));
    r.output_if = static_cast<std::uint32_t>(f.u64("out_if", 0, 0xffffffffu));
    r.exporter_id = static_cast<std::uint32_t>(f.u64("observation_domain_id", 0, 0xffffffffu));
    if (auto ex = f.addr("sampler_address")) r.exporter_addr = *ex;
    if (!f.ok()) return fail(f.problem);
    if (!sa || !da) return fail("missing 'src_addr' or 'dst_addr'");
    if (!f.has("time_flow_start_ns")) return fail("missing 'time_flow_start_ns'");
    r.src_addr = *sa;
    r.dst_addr = *da;
    r.origin = Origin{ctx_.source_index, lines_.line_number()};
    return true;
  }

  SourceContext ctx_;
  LineReader lines_;
};

}  // namespace

result<std::unique_ptr<FlowSource>> make_goflow2_source(FilePtr f, const SourceContext& ctx) {
  return std::unique_ptr<FlowSource>(new Goflow2Source(std::move(f), ctx));
}

}  // namespace xmr::text

namespace xmr {
result<std::unique_ptr<FlowSource>> open_goflow2_source(const std::string& path, const SourceContext& ctx) {
  auto f = text::open_input(path);
  if (!f) return tl::unexpected(f.error());
  return text::make_goflow2_source(std::move(*f), ctx);
}
}  // namespace xmr
