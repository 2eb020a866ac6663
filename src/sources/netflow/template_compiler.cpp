// Information-element numbers: IANA "IPFIX Information Elements" registry (RFC 7012 §4 and
// https://www.iana.org/assignments/ipfix), which keeps RFC 3954 §8's v9 field types 1..127.
#include "sources/netflow/template_compiler.h"

namespace xmr::netflow {
namespace {

// Seconds between the NTP era 0 epoch (1900-01-01) and the Unix epoch (RFC 5905 §6).
constexpr std::int64_t ntp_unix_offset_s = 2'208'988'800;

std::uint64_t be_uint(const std::uint8_t* p, std::size_t n) noexcept {
  // Reduced-size encoding (RFC 7011 §6.2): unsigned integers may be sent in fewer bytes.
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

std::int64_t ntp_to_ms(std::uint64_t ntp) noexcept {
  const auto secs = static_cast<std::int64_t>(ntp >> 32) - ntp_unix_offset_s;
  const auto frac_ms = static_cast<std::int64_t>(((ntp & 0xFFFFFFFFu) * 1000u) >> 32);
  return secs * 1000 + frac_ms;
}

bool is_int(std::uint16_t length, std::uint16_t max) noexcept { return length >= 1 && length <= max; }

target iana_target(std::uint16_t id, std::uint16_t len) noexcept {
  switch (id) {
    case 1: return is_int(len, 8) ? target::bytes : target::skip;          // octetDeltaCount
    case 2: return is_int(len, 8) ? target::pkts : target::skip;           // packetDeltaCount
    case 4: return len == 1 ? target::proto : target::skip;                // protocolIdentifier
    case 5: return len == 1 ? target::tos : target::skip;                  // ipClassOfService
    case 6: return is_int(len, 2) ? target::tcp_flags : target::skip;      // tcpControlBits
    case 7: return len == 2 ? target::src_port : target::skip;             // sourceTransportPort
    case 8: return len == 4 ? target::src_addr4 : target::skip;            // sourceIPv4Address
    case 10: return is_int(len, 4) ? target::input_if : target::skip;      // ingressInterface
    case 11: return len == 2 ? target::dst_port : target::skip;            // destinationTransportPort
    case 12: return len == 4 ? target::dst_addr4 : target::skip;           // destinationIPv4Address
    case 14: return is_int(len, 4) ? target::output_if : target::skip;     // egressInterface
    case 21: return len == 4 ? target::end_uptime_ms : target::skip;       // flowEndSysUpTime
    case 22: return len == 4 ? target::start_uptime_ms : target::skip;     // flowStartSysUpTime
    case 23: return is_int(len, 8) ? target::out_bytes : target::skip;     // v9 OUT_BYTES
    case 24: return is_int(len, 8) ? target::out_pkts : target::skip;      // v9 OUT_PKTS
    case 27: return len == 16 ? target::src_addr6 : target::skip;          // sourceIPv6Address
    case 28: return len == 16 ? target::dst_addr6 : target::skip;          // destinationIPv6Address
    case 32: return len == 2 ? target::icmp_type_code : target::skip;      // icmpTypeCodeIPv4
    case 34: return is_int(len, 4) ? target::sampling_interval : target::skip;  // samplingInterval
    case 50: return is_int(len, 4) ? target::sampler_random_interval : target::skip;
    case 85: return is_int(len, 8) ? target::total_bytes : target::skip;   // octetTotalCount
    case 86: return is_int(len, 8) ? target::total_pkts : target::skip;    // packetTotalCount
    case 139: return len == 2 ? target::icmp_type_code : target::skip;     // icmpTypeCodeIPv6
    case 150: return len == 4 ? target::start_s : target::skip;            // flowStartSeconds
    case 151: return len == 4 ? target::end_s : target::skip;              // flowEndSeconds
    case 152: return len == 8 ? target::start_ms : target::skip;           // flowStartMilliseconds
    case 153: return len == 8 ? target::end_ms : target::skip;             // flowEndMilliseconds
    case 154: return len == 8 ? target::start_ntp_us : target::skip;       // flowStartMicroseconds
    case 155: return len == 8 ? target::end_ntp_us : target::skip;         // flowEndMicroseconds
    case 156: return len == 8 ? target::start_ntp_ns : target::skip;       // flowStartNanoseconds
    case 157: return len == 8 ? target::end_ntp_ns : target::skip;         // flowEndNanoseconds
    case 158: return is_int(len, 4) ? target::start_delta_us : target::skip;  // flowStartDeltaMicroseconds
    case 159: return is_int(len, 4) ? target::end_delta_us : target::skip;    // flowEndDeltaMicroseconds
    case 160: return len == 8 ? target::system_init_ms : target::skip;     // systemInitTimeMilliseconds
    case 305: return is_int(len, 4) ? target::sampling_packet_interval : target::skip;
    case 306: return is_int(len, 4) ? target::sampling_packet_space : target::skip;
    default: return target::skip;
  }
}

target reverse_target(std::uint16_t id, std::uint16_t len) noexcept {
  // RFC 5103 §6.1: reverse element = same id under PEN 29305.
  switch (id) {
    case 1: return is_int(len, 8) ? target::rev_bytes : target::skip;
    case 2: return is_int(len, 8) ? target::rev_pkts : target::skip;
    case 6: return is_int(len, 2) ? target::rev_tcp_flags : target::skip;
    case 85: return is_int(len, 8) ? target::rev_total_bytes : target::skip;
    case 86: return is_int(len, 8) ? target::rev_total_pkts : target::skip;
    case 152: return len == 8 ? target::rev_start_ms : target::skip;
    case 153: return len == 8 ? target::rev_end_ms : target::skip;
    default: return target::skip;
  }
}

void apply(target t, const std::uint8_t* p, std::size_t n, RecordValues& v) noexcept {
  switch (t) {
    case target::skip: return;
    case target::src_addr4: v.src_addr = IpAddress::from_v4(static_cast<std::uint32_t>(be_uint(p, 4))); return;
    case target::dst_addr4: v.dst_addr = IpAddress::from_v4(static_cast<std::uint32_t>(be_uint(p, 4))); return;
    case target::src_addr6: v.src_addr = IpAddress::from_v6(p); return;
    case target::dst_addr6: v.dst_addr = IpAddress::from_v6(p); return;
    case target::src_port: v.src_port = static_cast<std::uint16_t>(be_uint(p, 2)); return;
    case target::dst_port: v.dst_port = static_cast<std::uint16_t>(be_uint(p, 2)); return;
    case target::proto: v.proto = p[0]; return;
    case target::tos: v.tos = p[0]; return;
    case target::tcp_flags: v.tcp_flags = static_cast<std::uint8_t>(be_uint(p, n)); return;
    case target::bytes: v.bytes = be_uint(p, n); return;
    case target::pkts: v.pkts = be_uint(p, n); return;
    case target::total_bytes: v.total_bytes = be_uint(p, n); return;
    case target::total_pkts: v.total_pkts = be_uint(p, n); return;
    case target::out_bytes: v.out_bytes = be_uint(p, n); return;
    case target::out_pkts: v.out_pkts = be_uint(p, n); return;
    case target::input_if: v.input_if = static_cast<std::uint32_t>(be_uint(p, n)); return;
    case target::output_if: v.output_if = static_cast<std::uint32_t>(be_uint(p, n)); return;
    case target::icmp_type_code:
      v.icmp_type_code = static_cast<std::uint16_t>(be_uint(p, 2));
      v.has_icmp = true;
      return;
    case target::start_uptime_ms: v.start_uptime_ms = be_uint(p, 4); return;
    case target::end_uptime_ms: v.end_uptime_ms = be_uint(p, 4); return;
    case target::start_s: v.start_ms = static_cast<std::int64_t>(be_uint(p, 4)) * 1000; return;
    case target::end_s: v.end_ms = static_cast<std::int64_t>(be_uint(p, 4)) * 1000; return;
    case target::start_ms: v.start_ms = static_cast<std::int64_t>(be_uint(p, 8) & 0x7FFFFFFFFFFFFFFF); return;
    case target::end_ms: v.end_ms = static_cast<std::int64_t>(be_uint(p, 8) & 0x7FFFFFFFFFFFFFFF); return;
    case target::start_ntp_us:
    case target::start_ntp_ns: v.start_ms = ntp_to_ms(be_uint(p, 8)); return;
    case target::end_ntp_us:
    case target::end_ntp_ns: v.end_ms = ntp_to_ms(be_uint(p, 8)); return;
    case target::start_delta_us: v.start_delta_us = be_uint(p, n); return;
    case target::end_delta_us: v.end_delta_us = be_uint(p, n); return;
    case target::system_init_ms: v.system_init_ms = static_cast<std::int64_t>(be_uint(p, 8) & 0x7FFFFFFFFFFFFFFF); return;
    case target::sampling_interval: v.sampling_interval = be_uint(p, n); return;
    case target::sampler_random_interval: v.sampler_random_interval = be_uint(p, n); return;
    case target::sampling_packet_interval: v.sampling_packet_interval = be_uint(p, n); return;
    case target::sampling_packet_space: v.sampling_packet_space = be_uint(p, n); return;
    case target::rev_bytes: v.rev_bytes = be_uint(p, n); return;
    case target::rev_pkts: v.rev_pkts = be_uint(p, n); return;
    case target::rev_total_bytes: v.rev_total_bytes = be_uint(p, n); return;
    case target::rev_total_pkts: v.rev_total_pkts = be_uint(p, n); return;
    case target::rev_tcp_flags: v.rev_tcp_flags = static_cast<std::uint8_t>(be_uint(p, n)); return;
    case target::rev_start_ms: v.rev_start_ms = static_cast<std::int64_t>(be_uint(p, 8) & 0x7FFFFFFFFFFFFFFF); return;
    case target::rev_end_ms: v.rev_end_ms = static_cast<std::int64_t>(be_uint(p, 8) & 0x7FFFFFFFFFFFFFFF); return;
  }
}

std::int64_t uptime_to_ms(std::uint64_t t, const PacketTime& time, std::int64_t init_ms,
                          bool& ok) noexcept {
  if (time.sys_uptime_ms >= 0) {
    // v9: the header carries sysUptime and unix_secs of the same instant (RFC 3954 §5.1).
    // Both uptimes are 32-bit ms counters: their difference is taken modulo 2^32 so that a
    // flow that started before a counter wrap still lands in the past.
    const auto diff = static_cast<std::int32_t>(static_cast<std::uint32_t>(time.sys_uptime_ms) -
                                                static_cast<std::uint32_t>(t));
    return time.export_ms - diff;
  }
  if (init_ms >= 0) return init_ms + static_cast<std::int64_t>(t);  // IPFIX: RFC 7011 / IANA 160
  ok = false;
  return time.received_ms;
}

}  // namespace

target target_of(std::uint32_t pen, std::uint16_t id, std::uint16_t length) noexcept {
  if (length == Step::variable_length) return target::skip;  // no variable-length element we use
  if (pen == 0) return iana_target(id, length);
  if (pen == pen_reverse) return reverse_target(id, length);
  return target::skip;  // other enterprises' elements: skipped by length (RFC 7011 §3.2)
}

bool run_steps(const std::vector<Step>& steps, ByteReader& r, RecordValues& v) {
  for (const Step& s : steps) {
    std::size_t n = s.length;
    if (s.length == Step::variable_length) {
      // RFC 7011 §7: one length byte; 255 means a two-byte length follows.
      auto first = r.u8();
      if (!first) return false;
      n = *first;
      if (*first == 255) {
        auto longer = r.be16();
        if (!longer) return false;
        n = *longer;
      }
    }
    const std::uint8_t* p = r.current();
    if (!r.skip(n)) return false;
    apply(s.what, p, n, v);
  }
  return true;
}

std::optional<std::uint32_t> sampling_of(const RecordValues& v) noexcept {
  auto clamp = [](std::uint64_t x) -> std::uint32_t {
    return x == 0 ? 1u : (x > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<std::uint32_t>(x));
  };
  if (v.sampling_packet_interval && v.sampling_packet_space && *v.sampling_packet_interval > 0) {
    // RFC 5477 §8.2.2/8.2.3: sample `interval` packets, skip `space`: 1 in (i+s)/i.
    return clamp((*v.sampling_packet_interval + *v.sampling_packet_space) / *v.sampling_packet_interval);
  }
  if (v.sampling_interval) return clamp(*v.sampling_interval);
  if (v.sampler_random_interval) return clamp(*v.sampler_random_interval);
  return std::nullopt;
}

std::size_t emit_records(const RecordValues& v, const PacketTime& time, const ExporterState& st,
                         std::vector<FlowRecord>& out, bool& missing_time) {
  if (!v.src_addr || !v.dst_addr) return 0;
  FlowRecord r;
  r.src_addr = *v.src_addr;
  r.dst_addr = *v.dst_addr;
  r.proto = v.proto;
  r.src_port = v.src_port;
  r.dst_port = v.dst_port;
  if ((v.proto == proto_icmp || v.proto == proto_icmp6) && v.has_icmp) {
    r.src_port = 0;
    r.dst_port = v.icmp_type_code;
  }
  r.tcp_flags = v.tcp_flags;
  r.src_tos = v.tos;
  r.bytes = v.bytes ? *v.bytes : v.total_bytes ? *v.total_bytes : v.out_bytes.value_or(0);
  r.pkts = v.pkts ? *v.pkts : v.total_pkts ? *v.total_pkts : v.out_pkts.value_or(0);
  r.input_if = v.input_if;
  r.output_if = v.output_if;
  r.sampling_interval = sampling_of(v).value_or(st.sampling_interval);

  const std::int64_t init_ms = v.system_init_ms ? *v.system_init_ms : st.system_init_ms;
  bool ok_first = true, ok_last = true;
  if (v.start_ms) r.first_ms = *v.start_ms;
  else if (v.start_uptime_ms) r.first_ms = uptime_to_ms(*v.start_uptime_ms, time, init_ms, ok_first);
  else if (v.start_delta_us) r.first_ms = time.export_ms - static_cast<std::int64_t>(*v.start_delta_us / 1000);
  else ok_first = false;
  if (v.end_ms) r.last_ms = *v.end_ms;
  else if (v.end_uptime_ms) r.last_ms = uptime_to_ms(*v.end_uptime_ms, time, init_ms, ok_last);
  else if (v.end_delta_us) r.last_ms = time.export_ms - static_cast<std::int64_t>(*v.end_delta_us / 1000);
  else ok_last = false;
  if (!ok_first && !ok_last) {
    r.first_ms = r.last_ms = time.received_ms;
  } else if (!ok_first) {
    r.first_ms = r.last_ms;
  } else if (!ok_last) {
    r.last_ms = r.first_ms;
  }
  missing_time = !ok_first || !ok_last;
  r.origin.position = time.packet_number;
  out.push_back(r);

  const std::uint64_t rev_pkts = v.rev_pkts ? *v.rev_pkts : v.rev_total_pkts.value_or(0);
  const std::uint64_t rev_bytes = v.rev_bytes ? *v.rev_bytes : v.rev_total_bytes.value_or(0);
  if (rev_pkts == 0 && rev_bytes == 0) return 1;
  // RFC 5103 biflow: the reverse direction becomes its own one-direction record.
  FlowRecord b = r;
  b.src_addr = r.dst_addr;
  b.dst_addr = r.src_addr;
  b.src_port = r.dst_port;
  b.dst_port = r.src_port;
  if (r.proto == proto_icmp || r.proto == proto_icmp6) b.src_port = b.dst_port = 0;
  b.input_if = r.output_if;
  b.output_if = r.input_if;
  b.pkts = rev_pkts;
  b.bytes = rev_bytes;
  b.tcp_flags = v.rev_tcp_flags;
  if (v.rev_start_ms) b.first_ms = *v.rev_start_ms;
  if (v.rev_end_ms) b.last_ms = *v.rev_end_ms;
  out.push_back(b);
  return 2;
}

}  // namespace xmr::netflow
