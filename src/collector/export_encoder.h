#pragma once
// ExportEncoder: FlowRecords -> NetFlow v5, NetFlow v9 (RFC 3954) or IPFIX (RFC 7011) export
// packets, so that `xmr-ray replay` can feed any flow source to a collector (ours, nfcapd, a
// SIEM's). The inverse of src/sources/netflow: every field that decoder maps is written, times
// round-trip to the millisecond (v5/v9 through sysUptime offsets chosen per packet; IPFIX as
// flowStart/EndMilliseconds), and the sampling interval goes in the v5 header or in options
// data (v9 SAMPLING_INTERVAL; IPFIX samplingPacketInterval/Space).
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/flow_record.h"

namespace xmr::collector {

struct EncoderOptions {
  int version = 9;                     // 5, 9 or 10
  std::uint32_t domain = 0;            // v9 source id / IPFIX observation domain / v5 engine type<<8|id
  std::size_t max_packet_bytes = 1400; // stays under a 1500-byte MTU with IP and UDP headers
  std::uint32_t template_every_packets = 20;  // templates resent this often (UDP loses them)
};

struct EncoderStats {
  std::uint64_t packets = 0;
  std::uint64_t records = 0;
  std::uint64_t skipped_ipv6 = 0;  // v5 carries IPv4 only
  std::uint64_t truncated_counts = 0;  // v5 counters are 32 bits: larger values were capped
};

class ExportEncoder {
 public:
  using Emit = std::function<void(std::span<const std::uint8_t>)>;
  explicit ExportEncoder(EncoderOptions options);

  // Appends a record; whenever a packet is full it is passed to `emit`.
  void add(const FlowRecord& record, const Emit& emit);
  // Emits the partly filled packet, if any.
  void flush(const Emit& emit);
  const EncoderStats& stats() const noexcept { return stats_; }

 private:
  struct Pending {
    std::vector<FlowRecord> records;
    std::size_t bytes = 0;  // encoded size so far, headers included
  };
  std::size_t record_bytes(const FlowRecord& r) const noexcept;
  std::vector<std::uint8_t> encode_v5();
  std::vector<std::uint8_t> encode_templated(bool with_templates, bool with_options_data);
  void emit_packet(const Emit& emit);

  EncoderOptions options_;
  Pending pending_;
  std::uint32_t sampling_sent_ = 1;   // interval the collector last heard (options data)
  std::uint32_t pending_sampling_ = 1;
  std::uint64_t sequence_ = 0;        // v5: flows, v9: packets, IPFIX: data records sent before
  EncoderStats stats_;
};

}  // namespace xmr::collector
