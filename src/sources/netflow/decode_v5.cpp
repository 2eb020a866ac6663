// NetFlow v5: fixed 24-byte header and 48-byte records. Layout from Cisco's "NetFlow Export
// Datagram Format" (v5 header/record tables), as also described in nfdump's netflow_v5_v7.h.
#include "sources/netflow/packet_decoders.h"

namespace xmr::netflow {

void track_sequence(ExporterState& st, std::uint32_t sequence, std::uint32_t units,
                    PacketContext& ctx) {
  if (st.have_sequence && sequence != st.next_sequence) {
    const std::uint32_t ahead = sequence - st.next_sequence;  // modulo 2^32
    if (ahead < 0x80000000u) {
      ctx.stats.add(counter::sequence_gaps);
      ctx.stats.add(counter::lost_units, ahead);
    } else {
      ctx.stats.add(counter::sequence_reorders);
    }
  }
  st.have_sequence = true;
  st.next_sequence = sequence + units;
}

void decode_v5(std::span<const std::uint8_t> packet, ExporterState& st, PacketContext& ctx) {
  ByteReader r(packet);
  r.skip(2);  // version, checked by the caller
  const std::uint16_t count = *r.be16();
  const std::uint32_t sys_uptime = *r.be32();
  const std::uint32_t unix_secs = *r.be32();
  const std::uint32_t unix_nsecs = *r.be32();
  const std::uint32_t sequence = *r.be32();
  r.skip(2);  // engine type and id: part of the exporter key (caller)
  const std::uint16_t sampling = *r.be16();
  // Top 2 bits: sampling mode, low 14 bits: interval (Cisco v5 header "sampling_interval").
  const std::uint32_t interval = sampling & 0x3FFFu;
  st.sampling_interval = interval == 0 ? 1 : interval;

  const std::size_t present = r.remaining() / v5_record_bytes;
  std::size_t n = count;
  if (count > present) {
    ctx.stats.add(counter::bad_length);
    ctx.table.report(errc::truncated, ctx.key, v5_header_bytes + present * v5_record_bytes,
                     "v5 header count " + std::to_string(count) + " but only " +
                         std::to_string(present) + " whole records in the datagram");
    n = present;
  }
  track_sequence(st, sequence, count, ctx);

  const std::int64_t export_ms =
      static_cast<std::int64_t>(unix_secs) * 1000 + static_cast<std::int64_t>(unix_nsecs / 1'000'000);
  for (std::size_t i = 0; i < n; ++i) {
    auto rec = r.sub(v5_record_bytes);
    FlowRecord f;
    f.src_addr = IpAddress::from_v4(*rec->be32());
    f.dst_addr = IpAddress::from_v4(*rec->be32());
    rec->skip(4);  // nexthop
    f.input_if = *rec->be16();
    f.output_if = *rec->be16();
    f.pkts = *rec->be32();
    f.bytes = *rec->be32();
    const std::uint32_t first = *rec->be32();
    const std::uint32_t last = *rec->be32();
    f.src_port = *rec->be16();
    f.dst_port = *rec->be16();
    rec->skip(1);  // pad1
    f.tcp_flags = *rec->u8();
    f.proto = *rec->u8();
    f.src_tos = *rec->u8();
    // First/last are sysUptime ms; 32-bit wrap-aware difference to the header's uptime.
    f.first_ms = export_ms - static_cast<std::int32_t>(sys_uptime - first);
    f.last_ms = export_ms - static_cast<std::int32_t>(sys_uptime - last);
    f.sampling_interval = st.sampling_interval;
    f.origin.position = ctx.packet_number;
    ctx.out.push_back(f);
  }
}

}  // namespace xmr::netflow
