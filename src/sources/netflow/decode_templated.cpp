// NetFlow v9 (RFC 3954) and IPFIX (RFC 7011): one set walker for both. They differ in the
// header, the set ids of (options) templates and the template record layouts; data sets and
// compiled templates are shared (template_compiler.h).
#include <algorithm>
#include <string>

#include "sources/netflow/packet_decoders.h"
#include "sources/netflow/template_compiler.h"

namespace xmr::netflow {
namespace {

enum class flavour { v9, ipfix };

// Set ids. v9: RFC 3954 §5.2/§6.1 (0 template, 1 options template, >=256 data).
// IPFIX: RFC 7011 §3.3.2 (2 template, 3 options template, 0/1 and 4..255 reserved, >=256 data).
constexpr std::uint16_t v9_template_set = 0, v9_options_set = 1;
constexpr std::uint16_t ipfix_template_set = 2, ipfix_options_set = 3;
constexpr std::uint16_t min_data_set_id = 256;
constexpr std::size_t set_header_bytes = 4;
// A record must fit in one set of one UDP datagram: 65535 - IP/UDP headers - message header.
constexpr std::size_t max_record_bytes = 65535 - 8 - 20 - set_header_bytes - v9_header_bytes;

struct FieldSpec {
  std::uint16_t id;
  std::uint16_t length;
  std::uint32_t pen;
};

struct SetWalk {
  flavour kind;
  ExporterState& st;
  PacketContext& ctx;
  PacketTime time;
  std::size_t base_offset = 0;   // offset of the current set body in the packet
  std::uint64_t data_records = 0;
  bool undecoded_data = false;   // data waiting for a template: sequence cannot be checked
};

void report(SetWalk& w, errc code, std::size_t offset, const std::string& message) {
  w.ctx.table.report(code, w.ctx.key, w.base_offset + offset, message);
}

void decode_data(SetWalk& w, const Template& t, ByteReader body, const PacketTime& time) {
  // Padding (RFC 7011 §3.3.1, RFC 3954 §5.3) is shorter than the smallest record.
  while (body.remaining() >= t.min_record_bytes) {
    const std::size_t at = body.offset();
    RecordValues v;
    if (!run_steps(t.steps, body, v)) {
      w.ctx.stats.add(counter::bad_records);
      report(w, errc::bad_record, at, "data record overruns its set (variable-length field)");
      return;
    }
    ++w.data_records;
    if (t.is_options) {
      w.ctx.stats.add(counter::options_records);
      if (auto s = sampling_of(v)) w.st.sampling_interval = *s;
      if (v.system_init_ms) w.st.system_init_ms = *v.system_init_ms;
      continue;
    }
    bool missing_time = false;
    const std::size_t n = emit_records(v, time, w.st, w.ctx.out, missing_time);
    if (n > 0 && missing_time) w.ctx.stats.add(counter::missing_time);
  }
}

void decode_pending_for(SetWalk& w, std::uint16_t id, const Template& t) {
  auto& pend = w.st.pending;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < pend.size(); ++i) {
    if (pend[i].template_id == id) {
      if (w.ctx.received_ms - pend[i].time.received_ms <= w.ctx.table.limits().pending_max_age_ms) {
        w.ctx.stats.add(counter::pending_decoded);
        // Records of an earlier packet: not part of this packet's sequence count.
        const std::uint64_t own_records = w.data_records;
        decode_data(w, t, ByteReader(pend[i].bytes.data(), pend[i].bytes.size()), pend[i].time);
        w.data_records = own_records;
      } else {
        w.ctx.stats.add(counter::pending_dropped);
      }
      w.st.pending_bytes -= pend[i].bytes.size();
    } else {
      if (kept != i) pend[kept] = std::move(pend[i]);
      ++kept;
    }
  }
  pend.resize(kept);
}

// Compiles and stores one template (fields already read and bounded by the set).
void store_template(SetWalk& w, std::uint16_t id, const std::vector<FieldSpec>& fields,
                    bool is_options, std::size_t at) {
  Template t;
  t.is_options = is_options;
  t.last_seen_ms = w.ctx.received_ms;
  for (const FieldSpec& f : fields) {
    const Step s{f.length, target_of(f.pen, f.id, f.length)};
    t.min_record_bytes += s.length == Step::variable_length ? 1 : s.length;
    // Adjacent fixed-length skips merge into one step: fewer steps per record.
    if (s.what == target::skip && s.length != Step::variable_length && !t.steps.empty() &&
        t.steps.back().what == target::skip && t.steps.back().length != Step::variable_length &&
        t.steps.back().length + s.length < Step::variable_length) {
      t.steps.back().length = static_cast<std::uint16_t>(t.steps.back().length + s.length);
    } else {
      t.steps.push_back(s);
    }
  }
  if (t.min_record_bytes == 0 || t.min_record_bytes > max_record_bytes) {
    w.ctx.stats.add(counter::bad_templates);
    report(w, errc::bad_record, at,
           "template " + std::to_string(id) + " has a record length of " +
               std::to_string(t.min_record_bytes) + " bytes (must be 1.." +
               std::to_string(max_record_bytes) + ")");
    return;
  }
  auto& templates = w.st.templates;
  auto it = templates.find(id);
  if (it == templates.end() && templates.size() >= w.ctx.table.limits().max_templates_per_exporter) {
    w.ctx.stats.add(counter::template_cap_hit);
    report(w, errc::bad_record, at, "template " + std::to_string(id) + " ignored: exporter already has " +
                                        std::to_string(templates.size()) + " templates (cap)");
    return;
  }
  if (is_options) w.ctx.stats.add(counter::options_templates);
  if (it == templates.end()) {
    w.ctx.stats.add(counter::templates_added);
    it = templates.emplace(id, std::move(t)).first;
  } else if (it->second.steps == t.steps && it->second.is_options == t.is_options) {
    w.ctx.stats.add(counter::templates_refreshed);
    it->second.last_seen_ms = w.ctx.received_ms;
  } else {
    w.ctx.stats.add(counter::templates_changed);
    it->second = std::move(t);
  }
  if (!w.st.pending.empty()) decode_pending_for(w, id, it->second);
}

// Reads `count` field specifiers. v9 has no enterprise bit (RFC 3954 §5.2); IPFIX sets the top
// bit of the id and appends a 4-byte enterprise number (RFC 7011 §3.2).
bool read_fields(SetWalk& w, ByteReader& r, std::size_t count, std::vector<FieldSpec>& fields) {
  const bool keep = count <= w.ctx.table.limits().max_fields_per_template;
  for (std::size_t i = 0; i < count; ++i) {
    auto id = r.be16();
    auto len = r.be16();
    if (!id || !len) return false;
    FieldSpec f{*id, *len, 0};
    if (w.kind == flavour::ipfix && (f.id & 0x8000u)) {
      f.id &= 0x7FFFu;
      auto pen = r.be32();
      if (!pen) return false;
      f.pen = *pen;
    }
    if (w.kind == flavour::v9 && f.length == Step::variable_length) return false;  // no var-length in v9
    if (keep) fields.push_back(f);
  }
  return true;
}

void withdraw(SetWalk& w, std::uint16_t id, bool options_set) {
  auto& templates = w.st.templates;
  const std::uint16_t all_id = options_set ? ipfix_options_set : ipfix_template_set;
  if (id == all_id) {
    // RFC 7011 §8.1: the set id as template id withdraws all templates of that kind.
    for (auto it = templates.begin(); it != templates.end();) {
      if (it->second.is_options == options_set) {
        w.ctx.stats.add(counter::templates_withdrawn);
        it = templates.erase(it);
      } else {
        ++it;
      }
    }
    return;
  }
  if (templates.erase(id) > 0) w.ctx.stats.add(counter::templates_withdrawn);
}

void decode_template_set(SetWalk& w, ByteReader body, bool options_set) {
  const std::size_t min_header = w.kind == flavour::v9 ? (options_set ? 6 : 4) : (options_set ? 6 : 4);
  std::vector<FieldSpec> fields;
  while (body.remaining() >= min_header) {
    const std::size_t at = body.offset();
    const std::uint16_t id = *body.be16();
    std::size_t count = 0, scope_count = 0;
    if (w.kind == flavour::v9 && options_set) {
      // RFC 3954 §6.1: option scope length and option length in BYTES, 4 per field.
      const std::uint16_t scope_bytes = *body.be16();
      const std::uint16_t option_bytes = *body.be16();
      if (id == 0 && scope_bytes == 0 && option_bytes == 0) return;  // padding
      if (scope_bytes % 4 != 0 || option_bytes % 4 != 0 ||
          std::size_t{scope_bytes} + option_bytes > body.remaining()) {
        w.ctx.stats.add(counter::bad_templates);
        report(w, errc::bad_record, at, "v9 options template " + std::to_string(id) +
                                            ": scope/option lengths " + std::to_string(scope_bytes) +
                                            "/" + std::to_string(option_bytes) +
                                            " not multiples of 4 or beyond the flowset");
        return;
      }
      scope_count = scope_bytes / 4u;
      count = scope_count + option_bytes / 4u;
    } else {
      count = *body.be16();
      if (options_set) {
        auto sc = body.be16();
        if (!sc) break;
        scope_count = *sc;
      }
      if (id == 0 && count == 0 && w.kind == flavour::v9) return;  // padding
    }
    if (w.kind == flavour::ipfix && count == 0) {
      withdraw(w, id, options_set);
      continue;
    }
    fields.clear();
    if (!read_fields(w, body, count, fields)) {
      w.ctx.stats.add(counter::bad_templates);
      report(w, errc::bad_record, at, "template " + std::to_string(id) + " declares " +
                                          std::to_string(count) +
                                          " fields that do not fit its set (or a bad field)");
      return;  // the rest of the set cannot be located
    }
    if (id < min_data_set_id || count == 0 || (options_set && w.kind == flavour::ipfix &&
                                               (scope_count == 0 || scope_count > count))) {
      // RFC 7011 §3.4.2.2: scope count must be >= 1 and <= field count.
      w.ctx.stats.add(counter::bad_templates);
      report(w, errc::bad_record, at, "template " + std::to_string(id) + " with " +
                                          std::to_string(count) + " fields, scope " +
                                          std::to_string(scope_count) + " is invalid");
      continue;
    }
    if (count > w.ctx.table.limits().max_fields_per_template) {
      w.ctx.stats.add(counter::field_cap_hit);
      report(w, errc::bad_record, at, "template " + std::to_string(id) + " has " +
                                          std::to_string(count) + " fields (cap " +
                                          std::to_string(w.ctx.table.limits().max_fields_per_template) + ")");
      continue;
    }
    store_template(w, id, fields, options_set, at);
  }
}

void buffer_data(SetWalk& w, std::uint16_t id, ByteReader body, std::size_t at) {
  w.undecoded_data = true;
  const auto& lim = w.ctx.table.limits();
  if (w.st.pending.size() >= lim.max_pending_sets_per_exporter ||
      w.st.pending_bytes + body.size() > lim.max_pending_bytes_per_exporter) {
    w.ctx.stats.add(counter::pending_dropped);
    report(w, errc::bad_record, at, "data set for unknown template " + std::to_string(id) +
                                        " dropped: pending buffer full");
    return;
  }
  w.ctx.stats.add(counter::data_sets_pending);
  PendingSet p;
  p.template_id = id;
  p.bytes.assign(body.current(), body.current() + body.size());
  p.time = w.time;
  w.st.pending_bytes += p.bytes.size();
  w.st.pending.push_back(std::move(p));
}

void walk_sets(SetWalk& w, ByteReader r, std::size_t header_bytes) {
  while (!r.empty()) {
    const std::size_t at = header_bytes + r.offset();
    if (r.remaining() < set_header_bytes) {
      w.ctx.stats.add(counter::malformed_sets);
      w.base_offset = 0;
      report(w, errc::corrupt_block, at, std::to_string(r.remaining()) + " stray bytes after the last set");
      return;
    }
    const std::uint16_t id = *r.be16();
    const std::uint16_t length = *r.be16();
    if (length < set_header_bytes || length - set_header_bytes > r.remaining()) {
      w.ctx.stats.add(counter::malformed_sets);
      w.base_offset = 0;
      report(w, errc::corrupt_block, at, "set " + std::to_string(id) + " length " + std::to_string(length) +
                                             " (only " + std::to_string(r.remaining() + set_header_bytes) +
                                             " bytes left): rest of packet dropped");
      return;
    }
    ByteReader body = *r.sub(length - set_header_bytes);
    w.base_offset = at + set_header_bytes;
    const std::uint16_t tset = w.kind == flavour::v9 ? v9_template_set : ipfix_template_set;
    const std::uint16_t oset = w.kind == flavour::v9 ? v9_options_set : ipfix_options_set;
    if (id == tset || id == oset) {
      decode_template_set(w, body, id == oset);
    } else if (id >= min_data_set_id) {
      auto t = w.st.templates.find(id);
      if (t == w.st.templates.end()) {
        buffer_data(w, id, body, 0);
      } else {
        t->second.last_seen_ms = w.ctx.received_ms;
        decode_data(w, t->second, body, w.time);
      }
    } else {
      w.ctx.stats.add(counter::reserved_sets);
    }
  }
}

}  // namespace

void decode_v9(std::span<const std::uint8_t> packet, ExporterState& st, PacketContext& ctx) {
  ByteReader r(packet);
  r.skip(4);  // version, count (count of records is advisory: sets carry their own lengths)
  const std::uint32_t sys_uptime = *r.be32();
  const std::uint32_t unix_secs = *r.be32();
  const std::uint32_t sequence = *r.be32();
  r.skip(4);  // source id: part of the exporter key
  SetWalk w{flavour::v9, st, ctx, {}, 0, 0, false};
  w.time.export_ms = static_cast<std::int64_t>(unix_secs) * 1000;
  w.time.sys_uptime_ms = sys_uptime;
  w.time.received_ms = ctx.received_ms;
  w.time.packet_number = ctx.packet_number;
  // v9 counts export packets (RFC 3954 §5.1 "Sequence Number").
  track_sequence(st, sequence, 1, ctx);
  walk_sets(w, r, v9_header_bytes);
}

void decode_ipfix(std::span<const std::uint8_t> packet, ExporterState& st, PacketContext& ctx) {
  ByteReader r(packet);
  r.skip(2);
  const std::uint16_t length = *r.be16();
  const std::uint32_t export_s = *r.be32();
  const std::uint32_t sequence = *r.be32();
  r.skip(4);  // observation domain: part of the exporter key
  std::size_t body = r.remaining();
  if (length < ipfix_header_bytes || length > packet.size()) {
    ctx.stats.add(counter::bad_length);
    ctx.table.report(errc::bad_header, ctx.key, 2,
                     "IPFIX message length " + std::to_string(length) + " but datagram has " +
                         std::to_string(packet.size()) + " bytes");
    if (length < ipfix_header_bytes) return;
  } else {
    body = length - ipfix_header_bytes;  // bytes after the message are not part of it
  }
  SetWalk w{flavour::ipfix, st, ctx, {}, 0, 0, false};
  w.time.export_ms = static_cast<std::int64_t>(export_s) * 1000;
  w.time.sys_uptime_ms = -1;
  w.time.received_ms = ctx.received_ms;
  w.time.packet_number = ctx.packet_number;
  walk_sets(w, *r.sub(std::min(body, r.remaining())), ipfix_header_bytes);
  // IPFIX counts data records (RFC 7011 §3.1); unknowable while data waits for a template.
  if (w.undecoded_data) {
    st.have_sequence = false;
  } else {
    track_sequence(st, sequence, static_cast<std::uint32_t>(w.data_records), ctx);
  }
}

}  // namespace xmr::netflow
