// Fuzz target: bytes as one export datagram (version forced to 5 in the first two bytes so the
// fuzzer spends its time inside that decoder). Stateful: one ExporterTable lives across inputs,
// so templates from one input decode data of the next; the table is bounded by small limits and
// rebuilt every 4096 inputs. Any crash, leak, hang or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sources/netflow/netflow_decoder.h"

namespace {
xmr::netflow::DecoderLimits fuzz_limits() {
  xmr::netflow::DecoderLimits lim;
  lim.max_exporters = 4;
  lim.max_templates_per_exporter = 32;
  lim.max_fields_per_template = 64;
  lim.max_pending_sets_per_exporter = 4;
  lim.max_pending_bytes_per_exporter = 8192;
  return lim;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static xmr::netflow::ExporterTable* table = new xmr::netflow::ExporterTable(fuzz_limits());
  static std::uint64_t inputs = 0;
  if (++inputs % 4096 == 0) {
    delete table;
    table = new xmr::netflow::ExporterTable(fuzz_limits());
  }
  std::vector<std::uint8_t> packet(data, data + size);
  if (packet.size() >= 2) {
    packet[0] = 0;
    packet[1] = 5;
  }
  xmr::netflow::DecodeStats stats;
  std::vector<xmr::FlowRecord> out;
  // The exporter port comes from the input so that several exporters (and the cap) are used.
  const std::uint16_t port = size > 2 ? static_cast<std::uint16_t>(2055 + (data[size - 1] & 7)) : 2055;
  (void)xmr::netflow::decode_export_packet(packet, xmr::IpAddress::from_v4(0x7F000001), port,
                                           static_cast<std::int64_t>(inputs) * 100, *table, out, stats);
  return 0;
}
