// decode_export_packet: version dispatch, exporter lookup and the fields every record shares.
#include "sources/netflow/packet_decoders.h"

namespace xmr::netflow {

result<std::size_t> decode_export_packet(std::span<const std::uint8_t> packet,
                                         const IpAddress& exporter, std::uint16_t exporter_port,
                                         std::int64_t received_ms, ExporterTable& table,
                                         std::vector<FlowRecord>& out, DecodeStats& stats) {
  stats.add(counter::packets);
  const std::uint64_t packet_number = table.next_packet_number();
  ExporterKey key{exporter, exporter_port, 0, 0};
  ByteReader r(packet);
  auto version = r.be16();
  std::size_t header_bytes = 0;
  if (version && *version == 5) {
    header_bytes = v5_header_bytes;
  } else if (version && *version == 9) {
    header_bytes = v9_header_bytes;
  } else if (version && *version == 10) {
    header_bytes = ipfix_header_bytes;
  } else {
    stats.add(counter::bad_version);
    table.report(errc::unsupported, key, 0,
                 version ? "export version " + std::to_string(*version) + " (not 5, 9 or 10)"
                         : std::string("datagram shorter than a version field"));
    return make_error(errc::unsupported, "netflow: unknown export version");
  }
  key.version = static_cast<std::uint8_t>(*version);
  if (packet.size() < header_bytes) {
    stats.add(counter::truncated_header);
    table.report(errc::truncated, key, packet.size(),
                 "datagram of " + std::to_string(packet.size()) + " bytes, header needs " +
                     std::to_string(header_bytes));
    return make_error(errc::truncated, "netflow: export header truncated");
  }
  // Exporter key domain: v5 engine type/id (bytes 20-21), v9 source id (16-19), IPFIX
  // observation domain id (12-15): RFC 3954 §5.1, RFC 7011 §3.1.
  if (*version == 5) {
    key.domain = static_cast<std::uint32_t>(packet[20]) << 8 | packet[21];
    stats.add(counter::packets_v5);
  } else {
    const std::size_t at = *version == 9 ? 16 : 12;
    key.domain = static_cast<std::uint32_t>(packet[at]) << 24 | static_cast<std::uint32_t>(packet[at + 1]) << 16 |
                 static_cast<std::uint32_t>(packet[at + 2]) << 8 | packet[at + 3];
    stats.add(*version == 9 ? counter::packets_v9 : counter::packets_ipfix);
  }
  ExporterState* st = table.find_or_add(key, received_ms, stats);
  if (st == nullptr) {
    table.report(errc::bad_packet, key, 0, "exporter table full: packet ignored");
    return make_error(errc::bad_packet, "netflow: exporter table full");
  }
  st->last_seen_ms = received_ms;

  const std::size_t first = out.size();
  PacketContext ctx{table, key, stats, out, received_ms, packet_number};
  if (*version == 5) decode_v5(packet, *st, ctx);
  else if (*version == 9) decode_v9(packet, *st, ctx);
  else decode_ipfix(packet, *st, ctx);

  for (std::size_t i = first; i < out.size(); ++i) {
    out[i].exporter_addr = exporter;
    out[i].exporter_id = key.domain;
    out[i].origin.source = table.source_index();
  }
  const std::size_t n = out.size() - first;
  stats.add(counter::records, n);
  return n;
}

}  // namespace xmr::netflow
