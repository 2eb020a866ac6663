#pragma once
// Per-exporter counters and their Prometheus text exposition (text format 0.0.4,
// https://prometheus.io/docs/instrumenting/exposition_formats/). The decoding thread owns the
// counters and renders a snapshot once a second; the HTTP thread only serves that text.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/ip_address.h"
#include "sources/netflow/netflow_decoder.h"

namespace xmr::collector {

// What a metric series is labelled with: the exporter as the decoder keys it.
struct ExporterLabel {
  IpAddress addr;
  std::uint16_t port = 0;
  std::uint8_t version = 0;  // 5, 9, 10; 0 = not a NetFlow/IPFIX datagram
  std::uint32_t domain = 0;  // v9 source id / IPFIX observation domain / v5 engine type+id
  bool overflow = false;     // the series that collects exporters beyond the cap
  friend auto operator<=>(const ExporterLabel&, const ExporterLabel&) = default;
};

// Reads version and domain from a datagram's header the way decode_export_packet() keys its
// state (RFC 3954 §5.1 source id at byte 16, RFC 7011 §3.1 observation domain at byte 12, v5
// engine type/id at bytes 20-21). Anything else: version 0.
ExporterLabel label_of(const IpAddress& addr, std::uint16_t port, std::span<const std::uint8_t> datagram) noexcept;

struct ExporterCounters {
  netflow::DecodeStats decode;
  std::uint64_t decode_errors = 0;  // datagrams decode_export_packet() refused as a whole
  std::uint64_t bytes = 0;
  std::int64_t last_seen_ms = 0;
};

class ExporterMetrics {
 public:
  explicit ExporterMetrics(std::size_t max_series) : max_series_(max_series ? max_series : 1) {}
  // The counters for `label`; past max_series new exporters share one overflow series, so a
  // flood of spoofed senders cannot grow memory.
  ExporterCounters& at(const ExporterLabel& label);
  const std::map<ExporterLabel, ExporterCounters>& all() const noexcept { return series_; }
  netflow::DecodeStats totals() const;

 private:
  std::size_t max_series_;
  std::map<ExporterLabel, ExporterCounters> series_;
};

std::string exporter_label_text(const ExporterLabel& label);  // "192.0.2.1:2055" / "[2001:db8::1]:2055"

// Appends "# HELP/# TYPE" and one line per sample.
class PrometheusText {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, std::string_view labels, double value);
  void sample(std::string_view name, std::string_view labels, std::uint64_t value);
  const std::string& text() const noexcept { return text_; }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

// Label values escaped per the exposition format (backslash, double quote, newline).
std::string label_escape(std::string_view value);

}  // namespace xmr::collector
