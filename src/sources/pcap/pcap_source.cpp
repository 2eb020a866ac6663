#include "sources/pcap/pcap_source.h"

#include <fmt/format.h>

#include "core/byte_reader.h"
#include "sources/pcap/flow_meter.h"
#include "sources/pcap/ipv4_reassembly.h"
#include "sources/pcap/packet_decoder.h"
#include "sources/pcap/pcap_reader.h"

namespace xmr {
namespace {

// File magics: pcap savefile header (tcpdump.org/manpages/pcap-savefile.5.html; libpcap 1.10
// sf-pcap.c TCPDUMP_MAGIC / NSEC_TCPDUMP_MAGIC) and the pcapng Section Header Block type
// (draft-ietf-opsawg-pcapng section 4.1), which reads the same in both byte orders.
constexpr std::uint32_t pcap_magic_us = 0xA1B2C3D4;
constexpr std::uint32_t pcap_magic_ns = 0xA1B23C4D;
constexpr std::uint32_t pcapng_shb = 0x0A0D0D0A;

class PcapSource final : public FlowSource {
 public:
  PcapSource(std::unique_ptr<PcapReader> reader, const SourceContext& ctx)
      : reader_(std::move(reader)),
        ctx_(ctx),
        meter_(MeterOptions{static_cast<std::int64_t>(ctx.options.active_timeout_s) * 1000,
                            static_cast<std::int64_t>(ctx.options.inactive_timeout_s) * 1000},
               ctx.source_index) {}

  result<std::size_t> read(std::vector<FlowRecord>& out, std::size_t max) override {
    std::size_t n = 0;
    while (n < max) {
      if (meter_.has_ready()) {
        out.push_back(meter_.pop_ready());
        ++n;
        continue;
      }
      if (done_) break;
      pump();
    }
    return n;
  }

 private:
  void report(errc code, std::uint64_t packet, std::string_view msg) {
    if (ctx_.diagnostics != nullptr)
      ctx_.diagnostics->report(code, ctx_.name, PositionKind::packet, packet, msg);
  }

  void report_dropped() {
    for (const DroppedDatagram& d : dropped_) {
      report(errc::bad_packet, d.packet_number, fmt::format("{} ({} fragment(s) not counted)", d.reason, d.fragments));
      if (ctx_.diagnostics != nullptr) ctx_.diagnostics->add_skipped(d.fragments);
    }
    dropped_.clear();
  }

  // Reads packets until the meter has something ready or the file ends.
  void pump() {
    RawPacket p;
    PacketHeaders h;
    while (!meter_.has_ready()) {
      const NextStatus s = reader_->next(p);
      if (s == NextStatus::end) break;
      if (s == NextStatus::bad_time) {
        report(errc::bad_packet, p.number, "timestamp out of range (beyond year 2262 or before 1678): packet skipped");
        if (ctx_.diagnostics != nullptr) ctx_.diagnostics->add_skipped(1);
        continue;
      }
      if (s == NextStatus::error) {
        // libpcap cannot resynchronise after a bad record header: report and stop; the flows
        // metered so far are still exported.
        report(reader_->last_error_code(), p.number, reader_->last_error());
        break;
      }
      const DecodeResult d = decode_packet(reader_->link_type(), p.data, p.wire_len, h);
      if (d.status == DecodeStatus::ok) {
        // Floor division: a pre-1970 timestamp still lands in the right millisecond.
        std::int64_t ms = p.time_ns / 1'000'000;
        if (p.time_ns % 1'000'000 < 0) --ms;
        if (h.fragment && h.ipv4) {
          // Counted like nfpcapd: one packet per reassembled datagram (ipv4_reassembly.h).
          if (auto whole = fragments_.add(ms, h, p.number, dropped_)) meter_.add_packet(whole->time_ms, whole->headers, whole->packet_number);
          report_dropped();
        } else {
          meter_.add_packet(ms, h, p.number);
        }
      } else if (d.status != DecodeStatus::not_ip) {
        report(errc::bad_packet, p.number,
               fmt::format("{} (caplen {}, wire length {}); packet skipped", d.message, p.data.size(), p.wire_len));
        if (ctx_.diagnostics != nullptr) ctx_.diagnostics->add_skipped(1);
      }
    }
    if (!meter_.has_ready()) {
      fragments_.finish(dropped_);
      report_dropped();
      meter_.flush();
      done_ = true;
    }
  }

  std::unique_ptr<PcapReader> reader_;
  SourceContext ctx_;
  FlowMeter meter_;
  Ipv4Reassembly fragments_;
  std::vector<DroppedDatagram> dropped_;
  bool done_ = false;
};

result<std::unique_ptr<FlowSource>> make_source(result<std::unique_ptr<PcapReader>> reader, const SourceContext& ctx) {
  if (!reader) return tl::unexpected(reader.error());
  const int dlt = (*reader)->link_type();
  if (!is_supported_link_type(dlt))
    return make_error(errc::unsupported,
                      fmt::format("{}: link type {} is not supported (Ethernet, Linux SLL/SLL2, raw IP, "
                                  "NULL/LOOP are)", ctx.name, dlt));
  return std::unique_ptr<FlowSource>(new PcapSource(std::move(*reader), ctx));
}

}  // namespace

bool looks_like_pcap(std::span<const std::uint8_t> head) noexcept {
  ByteReader r(head);
  const auto le = r.le32();
  if (!le) return false;
  const std::uint32_t be = __builtin_bswap32(*le);
  for (std::uint32_t m : {pcap_magic_us, pcap_magic_ns})
    if (*le == m || be == m) return true;
  return *le == pcapng_shb;
}

result<std::unique_ptr<FlowSource>> open_pcap_source(const std::string& path, const SourceContext& ctx) {
  return make_source(PcapReader::open(path), ctx);
}

result<std::unique_ptr<FlowSource>> open_pcap_stream(std::FILE* file, const SourceContext& ctx) {
  return make_source(PcapReader::open(file, ctx.name), ctx);
}

}  // namespace xmr
