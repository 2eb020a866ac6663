#include "collector/export_encoder.h"

#include <algorithm>

namespace xmr::collector {

namespace {

void put8(std::vector<std::uint8_t>& b, std::uint64_t v) { b.push_back(static_cast<std::uint8_t>(v)); }
void put16(std::vector<std::uint8_t>& b, std::uint64_t v) {
  put8(b, v >> 8);
  put8(b, v);
}
void put32(std::vector<std::uint8_t>& b, std::uint64_t v) {
  put16(b, v >> 16);
  put16(b, v);
}
void put64(std::vector<std::uint8_t>& b, std::uint64_t v) {
  put32(b, v >> 32);
  put32(b, v);
}
void set16(std::vector<std::uint8_t>& b, std::size_t at, std::uint64_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

// Header and record sizes: Cisco v5 (24 + 48 per record, at most 30 records per datagram),
// RFC 3954 §5.1 (20), RFC 7011 §3.1 (16); set/flowset header 4 (RFC 3954 §5.3, RFC 7011 §3.3.2).
constexpr std::size_t v5_header = 24, v5_record = 48, v5_max_records = 30;
constexpr std::size_t v9_header = 20, ipfix_header = 16, set_header = 4;

// Template ids (>= 256, RFC 3954 §5.2 / RFC 7011 §3.4.1) for IPv4 and IPv6 records and options.
constexpr std::uint16_t template_v4 = 256, template_v6 = 257, template_sampling = 258;

struct Field {
  std::uint16_t id;
  std::uint16_t length;
};
// IANA IPFIX registry element ids (v9 uses the same numbers below 128): addresses 8/12 or
// 27/28, ports 7/11, protocol 4, tcpControlBits 6, ipClassOfService 5, octet/packetDeltaCount
// 1/2, ingress/egressInterface 10/14, ICMP type/code 32/139; times: v9 FIRST/LAST_SWITCHED 22/21 (sysUptime ms),
// IPFIX flowStart/EndMilliseconds 152/153.
std::vector<Field> data_fields(bool v6, bool ipfix) {
  std::vector<Field> f;
  if (v6) f = {{27, 16}, {28, 16}};
  else f = {{8, 4}, {12, 4}};
  f.insert(f.end(), {{7, 2}, {11, 2}, {4, 1}, {6, 1}, {5, 1}, {1, 8}, {2, 8}, {10, 4}, {14, 4}});
  // ICMP type and code: IPFIX icmpTypeCodeIPv4 (32) / icmpTypeCodeIPv6 (139); v9 has one
  // ICMP_TYPE (32, RFC 3954 §8) for both families. nfcapd reads ICMP type/code only from these
  // (not from the destination port), and its v9 decoder does not know 139.
  f.push_back({static_cast<std::uint16_t>(v6 && ipfix ? 139 : 32), 2});
  if (ipfix) f.insert(f.end(), {{152, 8}, {153, 8}});
  else f.insert(f.end(), {{22, 4}, {21, 4}});
  return f;
}
std::size_t fields_bytes(const std::vector<Field>& f) {
  std::size_t n = 0;
  for (const auto& x : f) n += x.length;
  return n;
}
// Room kept for the template and options sets in a packet that carries them.
constexpr std::size_t template_room = 256;

}  // namespace

ExportEncoder::ExportEncoder(EncoderOptions options) : options_(options) {
  if (options_.template_every_packets == 0) options_.template_every_packets = 1;
  options_.max_packet_bytes = std::clamp<std::size_t>(options_.max_packet_bytes, 512, 65000);
}

std::size_t ExportEncoder::record_bytes(const FlowRecord& r) const noexcept {
  if (options_.version == 5) return v5_record;
  return fields_bytes(data_fields(!r.src_addr.is_v4() || !r.dst_addr.is_v4(), options_.version == 10));
}

void ExportEncoder::add(const FlowRecord& r, const Emit& emit) {
  const bool v6 = !r.src_addr.is_v4() || !r.dst_addr.is_v4();
  if (options_.version == 5 && v6) {
    ++stats_.skipped_ipv6;
    return;
  }
  const std::uint32_t sampling = r.sampling_interval ? r.sampling_interval : 1;
  if (!pending_.records.empty()) {
    const bool full = options_.version == 5 ? pending_.records.size() >= v5_max_records
                                            : pending_.bytes + record_bytes(r) + set_header + 3 + template_room >
                                                  options_.max_packet_bytes;
    // uptime offsets are 32-bit ms: keep one packet's records within 2^31 ms of each other.
    std::int64_t lo = r.first_ms, hi = r.last_ms;
    for (const auto& p : pending_.records) {
      lo = std::min(lo, p.first_ms);
      hi = std::max(hi, p.last_ms);
    }
    if (full || sampling != pending_sampling_ || hi - lo > (std::int64_t{1} << 31) - 10'000) emit_packet(emit);
  }
  if (pending_.records.empty()) {
    pending_sampling_ = sampling;
    pending_.bytes = options_.version == 5 ? v5_header : options_.version == 9 ? v9_header : ipfix_header;
  }
  const bool family_change = pending_.records.empty() ||
                             (!pending_.records.back().src_addr.is_v4() || !pending_.records.back().dst_addr.is_v4()) != v6;
  pending_.bytes += record_bytes(r) + (family_change ? set_header + 3 : 0);
  pending_.records.push_back(r);
}

void ExportEncoder::flush(const Emit& emit) {
  if (!pending_.records.empty()) emit_packet(emit);
}

void ExportEncoder::emit_packet(const Emit& emit) {
  std::vector<std::uint8_t> p;
  if (options_.version == 5) {
    p = encode_v5();
    sequence_ += pending_.records.size();
  } else {
    const bool with_templates = stats_.packets % options_.template_every_packets == 0;
    const bool with_options_data = with_templates || pending_sampling_ != sampling_sent_;
    p = encode_templated(with_templates, with_options_data);
    sampling_sent_ = pending_sampling_;
    // v9 counts export packets; IPFIX counts data records, options data records included
    // (RFC 7011 §3.1 "Sequence Number").
    sequence_ += options_.version == 9 ? 1 : pending_.records.size() + (with_options_data ? 1 : 0);
  }
  ++stats_.packets;
  stats_.records += pending_.records.size();
  pending_.records.clear();
  pending_.bytes = 0;
  emit(p);
}

std::vector<std::uint8_t> ExportEncoder::encode_v5() {
  std::vector<std::uint8_t> b;
  const auto& recs = pending_.records;
  std::int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const auto& r : recs) {
    lo = std::min(lo, r.first_ms);
    hi = std::max(hi, r.last_ms);
  }
  // The header's clock: export time = the latest end; the router "booted" one second before
  // the earliest start, so every First/Last is a positive uptime offset.
  const std::int64_t export_ms = hi;
  const std::int64_t boot_ms = lo - 1000;
  put16(b, 5);
  put16(b, recs.size());
  put32(b, static_cast<std::uint64_t>(export_ms - boot_ms));
  put32(b, static_cast<std::uint64_t>(export_ms / 1000));
  put32(b, static_cast<std::uint64_t>(export_ms % 1000) * 1'000'000);
  put32(b, sequence_);
  put8(b, options_.domain >> 8);  // engine type
  put8(b, options_.domain);       // engine id
  // Sampling: top 2 bits mode (01 = packet interval), low 14 bits interval (Cisco v5 header).
  const std::uint32_t interval = std::min<std::uint32_t>(pending_sampling_, 0x3FFF);
  put16(b, interval > 1 ? (0x4000u | interval) : 0);
  auto cap32 = [this](std::uint64_t v) -> std::uint64_t {
    if (v > 0xFFFFFFFFu) {
      ++stats_.truncated_counts;
      return 0xFFFFFFFFu;
    }
    return v;
  };
  for (const auto& r : recs) {
    put32(b, r.src_addr.v4());
    put32(b, r.dst_addr.v4());
    put32(b, 0);  // nexthop
    put16(b, std::min<std::uint32_t>(r.input_if, 0xFFFF));
    put16(b, std::min<std::uint32_t>(r.output_if, 0xFFFF));
    put32(b, cap32(r.pkts));
    put32(b, cap32(r.bytes));
    put32(b, static_cast<std::uint64_t>(r.first_ms - boot_ms));
    put32(b, static_cast<std::uint64_t>(r.last_ms - boot_ms));
    put16(b, r.src_port);
    put16(b, r.dst_port);
    put8(b, 0);  // pad1
    put8(b, r.tcp_flags);
    put8(b, r.proto);
    put8(b, r.src_tos);
    put32(b, 0);  // src_as, dst_as
    put16(b, 0);  // src_mask, dst_mask
    put16(b, 0);  // pad2
  }
  return b;
}

std::vector<std::uint8_t> ExportEncoder::encode_templated(bool with_templates, bool with_options_data) {
  const bool ipfix = options_.version == 10;
  const auto& recs = pending_.records;
  std::int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const auto& r : recs) {
    lo = std::min(lo, r.first_ms);
    hi = std::max(hi, r.last_ms);
  }
  const std::int64_t export_s = (hi + 999) / 1000;  // header time has second resolution
  const std::int64_t boot_ms = lo - 1000;            // v9 uptime origin (see encode_v5)
  std::vector<std::uint8_t> b;
  std::uint32_t count = 0;  // v9 header count: template + options + data records (RFC 3954 §5.1)
  put16(b, options_.version);
  put16(b, 0);  // v9 count / IPFIX length, set below
  if (!ipfix) put32(b, static_cast<std::uint64_t>(export_s * 1000 - boot_ms));
  put32(b, static_cast<std::uint64_t>(export_s));
  put32(b, sequence_);
  put32(b, options_.domain);

  auto open_set = [&](std::uint16_t id) {
    const std::size_t at = b.size();
    put16(b, id);
    put16(b, 0);
    return at;
  };
  auto close_set = [&](std::size_t at, bool pad) {
    // Data sets are padded to 32 bits (RFC 3954 §5.3 "Padding"; RFC 7011 §3.3.1 allows it).
    while (pad && (b.size() - at) % 4 != 0) put8(b, 0);
    set16(b, at + 2, b.size() - at);
  };
  if (with_templates) {
    const std::size_t t = open_set(ipfix ? 2 : 0);
    for (bool v6 : {false, true}) {
      const auto fields = data_fields(v6, ipfix);
      put16(b, v6 ? template_v6 : template_v4);
      put16(b, fields.size());
      for (const auto& f : fields) {
        put16(b, f.id);
        put16(b, f.length);
      }
      ++count;
    }
    close_set(t, false);
    // Options template for the sampling interval.
    const std::size_t o = open_set(ipfix ? 3 : 1);
    put16(b, template_sampling);
    if (ipfix) {
      // RFC 7011 §3.4.2.2: field count 3, scope count 1; observationDomainId (149) scope,
      // samplingPacketInterval (305) and samplingPacketSpace (306) (RFC 7012, RFC 5477).
      put16(b, 3);
      put16(b, 1);
      for (auto [id, len] : {Field{149, 4}, Field{305, 4}, Field{306, 4}}) {
        put16(b, id);
        put16(b, len);
      }
    } else {
      // RFC 3954 §6.1: scope length 4 (System, type 1, 4 bytes), option length 8 (two fields):
      // SAMPLING_INTERVAL (34) and SAMPLING_ALGORITHM (35).
      put16(b, 4);
      put16(b, 8);
      for (auto [id, len] : {Field{1, 4}, Field{34, 4}, Field{35, 1}}) {
        put16(b, id);
        put16(b, len);
      }
    }
    ++count;
    close_set(o, true);
  }
  if (with_options_data) {
    const std::size_t d = open_set(template_sampling);
    put32(b, options_.domain);  // scope: observation domain / system
    if (ipfix) {
      put32(b, 1);                          // sample 1 packet ...
      put32(b, pending_sampling_ - 1);      // ... then skip interval - 1
    } else {
      put32(b, pending_sampling_);
      put8(b, 1);  // deterministic (RFC 3954 §8 SAMPLING_ALGORITHM 0x01)
    }
    ++count;
    close_set(d, true);
  }
  std::size_t set_at = 0;
  int set_family = -1;
  for (const auto& r : recs) {
    const bool v6 = !r.src_addr.is_v4() || !r.dst_addr.is_v4();
    if (set_family != (v6 ? 6 : 4)) {
      if (set_family >= 0) close_set(set_at, true);
      set_at = open_set(v6 ? template_v6 : template_v4);
      set_family = v6 ? 6 : 4;
    }
    if (v6) {
      // A v4/v6 mixed pair (never produced by a real meter) is written as IPv4-mapped IPv6.
      b.insert(b.end(), r.src_addr.bytes.begin(), r.src_addr.bytes.end());
      b.insert(b.end(), r.dst_addr.bytes.begin(), r.dst_addr.bytes.end());
    } else {
      put32(b, r.src_addr.v4());
      put32(b, r.dst_addr.v4());
    }
    put16(b, r.src_port);
    put16(b, r.dst_port);
    put8(b, r.proto);
    put8(b, r.tcp_flags);
    put8(b, r.src_tos);
    put64(b, r.bytes);
    put64(b, r.pkts);
    put32(b, r.input_if);
    put32(b, r.output_if);
    put16(b, r.proto == proto_icmp || r.proto == proto_icmp6 ? r.dst_port : 0);  // NetFlow's type<<8 | code
    if (ipfix) {
      put64(b, static_cast<std::uint64_t>(r.first_ms));
      put64(b, static_cast<std::uint64_t>(r.last_ms));
    } else {
      put32(b, static_cast<std::uint64_t>(r.first_ms - boot_ms));
      put32(b, static_cast<std::uint64_t>(r.last_ms - boot_ms));
    }
    ++count;
  }
  if (set_family >= 0) close_set(set_at, true);
  set16(b, 2, ipfix ? b.size() : count);
  return b;
}

}  // namespace xmr::collector
