#pragma once
// Internal: one decoder per export version, called by decode_export_packet() after it has
// identified the version and found the exporter's state.
#include <cstdint>
#include <vector>

#include "core/byte_reader.h"
#include "sources/netflow/netflow_decoder.h"

namespace xmr::netflow {

struct PacketContext {
  ExporterTable& table;
  ExporterKey key;
  DecodeStats& stats;
  std::vector<FlowRecord>& out;
  std::int64_t received_ms = 0;
  std::uint64_t packet_number = 0;
};

// NetFlow v5 header length and record length (Cisco "NetFlow Export Datagram Format", v5).
inline constexpr std::size_t v5_header_bytes = 24;
inline constexpr std::size_t v5_record_bytes = 48;
// NetFlow v9 header (RFC 3954 §5.1) and IPFIX message header (RFC 7011 §3.1).
inline constexpr std::size_t v9_header_bytes = 20;
inline constexpr std::size_t ipfix_header_bytes = 16;

// Decode the whole packet (header included). The exporter key's domain is read by the caller.
void decode_v5(std::span<const std::uint8_t> packet, ExporterState& st, PacketContext& ctx);
void decode_v9(std::span<const std::uint8_t> packet, ExporterState& st, PacketContext& ctx);
void decode_ipfix(std::span<const std::uint8_t> packet, ExporterState& st, PacketContext& ctx);

// Sequence tracking shared by all versions: `units` is what this packet adds to the counter
// (v5/IPFIX: data records, v9: 1 packet).
void track_sequence(ExporterState& st, std::uint32_t sequence, std::uint32_t units,
                    PacketContext& ctx);

}  // namespace xmr::netflow
