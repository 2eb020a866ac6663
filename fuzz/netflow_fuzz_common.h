#pragma once
// The body the three NetFlow fuzz targets (fuzz_netflow_v5, fuzz_netflow_v9, fuzz_ipfix) share:
// the input is one export datagram whose version field is forced to the target's version, so the
// fuzzer spends its time inside that decoder. Stateful: one ExporterTable lives across inputs,
// so templates from one input decode data of the next; it is bounded by small limits and
// rebuilt every 4096 inputs. Any crash, leak, hang or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "sources/netflow/netflow_decoder.h"

namespace xmr::fuzz {

inline netflow::DecoderLimits netflow_fuzz_limits() {
  netflow::DecoderLimits lim;
  lim.max_exporters = 4;
  lim.max_templates_per_exporter = 32;
  lim.max_fields_per_template = 64;
  lim.max_pending_sets_per_exporter = 4;
  lim.max_pending_bytes_per_exporter = 8192;
  return lim;
}

// State of one target across inputs (each target has its own: one per translation unit).
struct NetflowFuzzState {
  std::unique_ptr<netflow::ExporterTable> table = std::make_unique<netflow::ExporterTable>(netflow_fuzz_limits());
  std::uint64_t inputs = 0;
};

inline int run_netflow_datagram(NetflowFuzzState& state, std::uint16_t version, const std::uint8_t* data,
                                std::size_t size) {
  if (++state.inputs % 4096 == 0) state.table = std::make_unique<netflow::ExporterTable>(netflow_fuzz_limits());
  std::vector<std::uint8_t> packet(data, data + size);
  if (packet.size() >= 2) {
    packet[0] = static_cast<std::uint8_t>(version >> 8);
    packet[1] = static_cast<std::uint8_t>(version & 0xFF);
  }
  netflow::DecodeStats stats;
  std::vector<FlowRecord> out;
  // The exporter port comes from the input so that several exporters (and the cap) are used.
  const std::uint16_t port = size > 2 ? static_cast<std::uint16_t>(2055 + (data[size - 1] & 7)) : 2055;
  (void)netflow::decode_export_packet(packet, IpAddress::from_v4(0x7F000001), port,
                                      static_cast<std::int64_t>(state.inputs) * 100, *state.table, out, stats);
  return 0;
}

}  // namespace xmr::fuzz
