// csv sink: XMR-Ray's own CSV, one FlowRecord per line, every field, lossless. The header and
// the column order are the ones the xmr_csv source expects (core/xmr_csv_format.h): first_ms,last_ms,src_addr,dst_addr,src_port,dst_port,proto,tcp_flags,
// src_tos,pkts,bytes,sampling_interval,exporter_id,exporter_addr,input_if,output_if.
// Times are UTC epoch milliseconds, tcp_flags a decimal byte, addresses in their text form
// (IPv4 dotted, IPv6 RFC 5952; an unknown exporter address prints as "::").
#include "core/xmr_csv_format.h"
#include "sinks/text_output.h"
#include "sinks/text_sinks.h"

namespace xmr {

namespace {

class CsvSink final : public FlowSink {
 public:
  explicit CsvSink(sinks::TextOutput out) : out_(std::move(out)) {
    out_.buffer().append(xmr_csv_header);
    out_.buffer().push_back('\n');
  }

  result<void> write(std::span<const FlowRecord> records) override {
    std::string& b = out_.buffer();
    for (const FlowRecord& r : records) {
      sinks::append_int(b, r.first_ms);
      b.push_back(',');
      sinks::append_int(b, r.last_ms);
      b.push_back(',');
      r.src_addr.append_to(b);
      b.push_back(',');
      r.dst_addr.append_to(b);
      b.push_back(',');
      sinks::append_int(b, r.src_port);
      b.push_back(',');
      sinks::append_int(b, r.dst_port);
      b.push_back(',');
      sinks::append_int(b, r.proto);
      b.push_back(',');
      sinks::append_int(b, r.tcp_flags);
      b.push_back(',');
      sinks::append_int(b, r.src_tos);
      b.push_back(',');
      sinks::append_int(b, r.pkts);
      b.push_back(',');
      sinks::append_int(b, r.bytes);
      b.push_back(',');
      sinks::append_int(b, r.sampling_interval);
      b.push_back(',');
      sinks::append_int(b, r.exporter_id);
      b.push_back(',');
      r.exporter_addr.append_to(b);
      b.push_back(',');
      sinks::append_int(b, r.input_if);
      b.push_back(',');
      sinks::append_int(b, r.output_if);
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

result<std::unique_ptr<FlowSink>> open_csv_sink(const std::string& path) {
  auto out = sinks::TextOutput::open(path);
  if (!out) return tl::unexpected(out.error());
  return std::unique_ptr<FlowSink>(new CsvSink(std::move(*out)));
}

}  // namespace xmr
