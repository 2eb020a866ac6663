// json sink: JSON lines in goflow2's v2 JSON schema (netsampler/goflow2 v2.x, format/json
// rendering of pb/flow.proto FlowMessage, snake_case keys), one object per FlowRecord, so that
// tools reading goflow2 output read ours and the goflow2 source reads it back exactly.
//
// FlowRecord -> key: first_ms/last_ms -> time_flow_start_ns/time_flow_end_ns (ms * 1e6; also
// time_received_ns = end), pkts -> packets, bytes -> bytes, sampling_interval -> sampling_rate,
// exporter_addr -> sampler_address, exporter_id -> observation_domain_id, input_if/output_if
// -> in_if/out_if, src_tos -> ip_tos, tcp_flags, proto (a number: goflow2 may also render a
// name, which is less exact), etype (0x0800 / 0x86dd as goflow2 stores them, numbers), and for
// ICMP/ICMPv6 icmp_type/icmp_code split from dst_port (type << 8 | code, as NetFlow does).
// "type" is "FLOWUNKNOWN" (goflow2's enum value for a flow of no particular exporter protocol)
// and sequence_num 0: XMR-Ray does not keep them.
#include "sinks/text_output.h"
#include "sinks/text_sinks.h"

namespace xmr {

namespace {

// Ethertypes (IEEE 802 numbers; goflow2 pb/flow.proto field etype).
constexpr unsigned etype_ipv4 = 0x0800, etype_ipv6 = 0x86dd;

class JsonSink final : public FlowSink {
 public:
  explicit JsonSink(sinks::TextOutput out) : out_(std::move(out)) {}

  result<void> write(std::span<const FlowRecord> records) override {
    std::string& b = out_.buffer();
    for (const FlowRecord& r : records) {
      const std::int64_t start_ns = r.first_ms * 1'000'000, end_ns = r.last_ms * 1'000'000;
      b.append(R"({"type":"FLOWUNKNOWN","time_received_ns":)");
      sinks::append_int(b, end_ns);
      b.append(R"(,"sequence_num":0,"sampling_rate":)");
      sinks::append_int(b, r.sampling_interval);
      b.append(R"(,"sampler_address":")");
      r.exporter_addr.append_to(b);
      b.append(R"(","time_flow_start_ns":)");
      sinks::append_int(b, start_ns);
      b.append(R"(,"time_flow_end_ns":)");
      sinks::append_int(b, end_ns);
      b.append(R"(,"bytes":)");
      sinks::append_int(b, r.bytes);
      b.append(R"(,"packets":)");
      sinks::append_int(b, r.pkts);
      b.append(R"(,"src_addr":")");
      r.src_addr.append_to(b);
      b.append(R"(","dst_addr":")");
      r.dst_addr.append_to(b);
      b.append(R"(","etype":)");
      sinks::append_int(b, r.src_addr.is_v4() ? etype_ipv4 : etype_ipv6);
      b.append(R"(,"proto":)");
      sinks::append_int(b, r.proto);
      b.append(R"(,"src_port":)");
      sinks::append_int(b, r.src_port);
      b.append(R"(,"dst_port":)");
      sinks::append_int(b, r.dst_port);
      b.append(R"(,"in_if":)");
      sinks::append_int(b, r.input_if);
      b.append(R"(,"out_if":)");
      sinks::append_int(b, r.output_if);
      b.append(R"(,"tcp_flags":)");
      sinks::append_int(b, r.tcp_flags);
      b.append(R"(,"ip_tos":)");
      sinks::append_int(b, r.src_tos);
      if (r.proto == proto_icmp || r.proto == proto_icmp6) {
        b.append(R"(,"icmp_type":)");
        sinks::append_int(b, r.dst_port >> 8);
        b.append(R"(,"icmp_code":)");
        sinks::append_int(b, r.dst_port & 0xff);
      }
      b.append(R"(,"observation_domain_id":)");
      sinks::append_int(b, r.exporter_id);
      b.append("}\n");
      if (auto f = out_.maybe_flush(); !f) return f;
    }
    return {};
  }

  result<void> finish() override { return out_.finish(); }

 private:
  sinks::TextOutput out_;
};

}  // namespace

result<std::unique_ptr<FlowSink>> open_json_sink(const std::string& path) {
  auto out = sinks::TextOutput::open(path);
  if (!out) return tl::unexpected(out.error());
  return std::unique_ptr<FlowSink>(new JsonSink(std::move(*out)));
}

}  // namespace xmr
