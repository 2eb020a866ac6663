// ExporterTable: per-exporter decoder state with hard bounds (netflow_decoder.h, DecoderLimits).
#include <string>

#include "sources/netflow/netflow_decoder.h"

namespace xmr::netflow {

std::string_view to_string(counter c) noexcept {
  switch (c) {
    case counter::packets: return "packets";
    case counter::packets_v5: return "packets_v5";
    case counter::packets_v9: return "packets_v9";
    case counter::packets_ipfix: return "packets_ipfix";
    case counter::records: return "records";
    case counter::bad_version: return "bad_version";
    case counter::truncated_header: return "truncated_header";
    case counter::bad_length: return "bad_length";
    case counter::malformed_sets: return "malformed_sets";
    case counter::reserved_sets: return "reserved_sets";
    case counter::templates_added: return "templates_added";
    case counter::templates_refreshed: return "templates_refreshed";
    case counter::templates_changed: return "templates_changed";
    case counter::templates_withdrawn: return "templates_withdrawn";
    case counter::options_templates: return "options_templates";
    case counter::bad_templates: return "bad_templates";
    case counter::template_cap_hit: return "template_cap_hit";
    case counter::field_cap_hit: return "field_cap_hit";
    case counter::exporter_cap_hit: return "exporter_cap_hit";
    case counter::data_sets_pending: return "data_sets_pending";
    case counter::pending_decoded: return "pending_decoded";
    case counter::pending_dropped: return "pending_dropped";
    case counter::bad_records: return "bad_records";
    case counter::sequence_gaps: return "sequence_gaps";
    case counter::lost_units: return "lost_units";
    case counter::sequence_reorders: return "sequence_reorders";
    case counter::options_records: return "options_records";
    case counter::missing_time: return "missing_time";
    case counter::exporters_expired: return "exporters_expired";
    case counter::templates_expired: return "templates_expired";
    case counter::count_: break;
  }
  return "?";
}

std::string DecodeStats::summary() const {
  std::string s;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] == 0) continue;
    if (!s.empty()) s += ", ";
    s += to_string(static_cast<counter>(i));
    s += ' ';
    s += std::to_string(counts[i]);
  }
  return s;
}

std::size_t ExporterTable::template_count() const noexcept {
  std::size_t n = 0;
  for (const auto& [key, st] : exporters_) n += st->templates.size();
  return n;
}

std::size_t ExporterTable::pending_bytes() const noexcept {
  std::size_t n = 0;
  for (const auto& [key, st] : exporters_) n += st->pending_bytes;
  return n;
}

ExporterState* ExporterTable::find(const ExporterKey& key) {
  auto it = exporters_.find(key);
  return it == exporters_.end() ? nullptr : it->second.get();
}

ExporterState* ExporterTable::find_or_add(const ExporterKey& key, std::int64_t now_ms,
                                          DecodeStats& stats) {
  if (auto* st = find(key)) return st;
  if (exporters_.size() >= limits_.max_exporters) {
    expire(now_ms, stats);  // make room from silent exporters before refusing
    if (exporters_.size() >= limits_.max_exporters) {
      stats.add(counter::exporter_cap_hit);
      return nullptr;
    }
  }
  auto st = std::make_unique<ExporterState>();
  st->last_seen_ms = now_ms;
  auto* raw = st.get();
  exporters_.emplace(key, std::move(st));
  return raw;
}

void ExporterTable::expire(std::int64_t now_ms, DecodeStats& stats) {
  for (auto it = exporters_.begin(); it != exporters_.end();) {
    ExporterState& st = *it->second;
    if (now_ms - st.last_seen_ms > limits_.exporter_idle_ms) {
      stats.add(counter::pending_dropped, st.pending.size());
      stats.add(counter::exporters_expired);
      it = exporters_.erase(it);
      continue;
    }
    if (limits_.template_timeout_ms > 0) {
      for (auto t = st.templates.begin(); t != st.templates.end();) {
        if (now_ms - t->second.last_seen_ms > limits_.template_timeout_ms) {
          stats.add(counter::templates_expired);
          t = st.templates.erase(t);
        } else {
          ++t;
        }
      }
    }
    std::size_t kept = 0;
    for (std::size_t i = 0; i < st.pending.size(); ++i) {
      if (now_ms - st.pending[i].time.received_ms > limits_.pending_max_age_ms) {
        stats.add(counter::pending_dropped);
        st.pending_bytes -= st.pending[i].bytes.size();
      } else {
        if (kept != i) st.pending[kept] = std::move(st.pending[i]);
        ++kept;
      }
    }
    st.pending.resize(kept);
    ++it;
  }
}

void ExporterTable::report(errc code, const ExporterKey& key, std::size_t byte_offset,
                           std::string_view message) {
  if (diagnostics_ == nullptr) return;
  std::string name = "exporter ";
  if (key.addr.is_v4()) {
    name += key.addr.to_string();
  } else {
    name += '[';
    name += key.addr.to_string();
    name += ']';
  }
  name += ':';
  name += std::to_string(key.port);
  name += " packet ";
  name += std::to_string(packets_);
  diagnostics_->report(code, name, PositionKind::byte_offset, byte_offset, message);
}

}  // namespace xmr::netflow
