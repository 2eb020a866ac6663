#include "collector/exporter_metrics.h"

#include <fmt/format.h>

namespace xmr::collector {

ExporterLabel label_of(const IpAddress& addr, std::uint16_t port, std::span<const std::uint8_t> d) noexcept {
  ExporterLabel l;
  l.addr = addr;
  l.port = port;
  if (d.size() < 2) return l;
  const unsigned version = static_cast<unsigned>(d[0]) << 8 | d[1];
  auto be32 = [&](std::size_t at) {
    return static_cast<std::uint32_t>(d[at]) << 24 | static_cast<std::uint32_t>(d[at + 1]) << 16 |
           static_cast<std::uint32_t>(d[at + 2]) << 8 | d[at + 3];
  };
  if (version == 5 && d.size() >= 24) {
    l.version = 5;
    l.domain = static_cast<std::uint32_t>(d[20]) << 8 | d[21];
  } else if (version == 9 && d.size() >= 20) {
    l.version = 9;
    l.domain = be32(16);
  } else if (version == 10 && d.size() >= 16) {
    l.version = 10;
    l.domain = be32(12);
  }
  return l;
}

ExporterCounters& ExporterMetrics::at(const ExporterLabel& label) {
  auto it = series_.find(label);
  if (it != series_.end()) return it->second;
  if (series_.size() + 1 >= max_series_) {
    ExporterLabel overflow;
    overflow.overflow = true;
    return series_[overflow];
  }
  return series_[label];
}

netflow::DecodeStats ExporterMetrics::totals() const {
  netflow::DecodeStats t;
  for (const auto& [label, c] : series_)
    for (std::size_t i = 0; i < t.counts.size(); ++i) t.counts[i] += c.decode.counts[i];
  return t;
}

std::string exporter_label_text(const ExporterLabel& l) {
  if (l.overflow) return "other";
  if (l.addr.is_v4()) return fmt::format("{}:{}", l.addr.to_string(), l.port);
  return fmt::format("[{}]:{}", l.addr.to_string(), l.port);
}

std::string label_escape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void PrometheusText::family(std::string_view name, std::string_view type, std::string_view help) {
  text_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void PrometheusText::sample(std::string_view name, std::string_view labels, double value) {
  if (labels.empty()) text_ += fmt::format("{} {}\n", name, value);
  else text_ += fmt::format("{}{{{}}} {}\n", name, labels, value);
}

void PrometheusText::sample(std::string_view name, std::string_view labels, std::uint64_t value) {
  if (labels.empty()) text_ += fmt::format("{} {}\n", name, value);
  else text_ += fmt::format("{}{{{}}} {}\n", name, labels, value);
}

}  // namespace xmr::collector
