#pragma once
// Internal: compiling v9/IPFIX templates into Step lists and running them over data records.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/byte_reader.h"
#include "sources/netflow/netflow_decoder.h"

namespace xmr::netflow {

// IANA enterprise number of the reverse information elements of biflows (RFC 5103 §6.1).
inline constexpr std::uint32_t pen_reverse = 29305;

// Target of information element `id` of enterprise `pen` (0 = IANA) with `length` bytes; skip
// for elements we do not use or whose length cannot hold the element.
target target_of(std::uint32_t pen, std::uint16_t id, std::uint16_t length) noexcept;

// Values of one data record, filled by run_steps(). Presence flags matter: a missing count
// falls back to the total count, a missing time to the receive time.
struct RecordValues {
  std::optional<IpAddress> src_addr, dst_addr;
  std::uint16_t src_port = 0, dst_port = 0, icmp_type_code = 0;
  bool has_icmp = false;
  std::uint8_t proto = 0, tcp_flags = 0, tos = 0, rev_tcp_flags = 0;
  std::optional<std::uint64_t> bytes, pkts, total_bytes, total_pkts, out_bytes, out_pkts;
  std::optional<std::uint64_t> rev_bytes, rev_pkts, rev_total_bytes, rev_total_pkts;
  std::uint32_t input_if = 0, output_if = 0;
  std::optional<std::uint64_t> start_uptime_ms, end_uptime_ms;
  std::optional<std::int64_t> start_ms, end_ms, rev_start_ms, rev_end_ms;
  std::optional<std::uint64_t> start_delta_us, end_delta_us;
  std::optional<std::int64_t> system_init_ms;
  std::optional<std::uint64_t> sampling_interval, sampler_random_interval;
  std::optional<std::uint64_t> sampling_packet_interval, sampling_packet_space;
};

// Runs `steps` over the next record of `r`. false if the record does not fit (variable-length
// field beyond the set); the reader is then exhausted.
bool run_steps(const std::vector<Step>& steps, ByteReader& r, RecordValues& v);

// Sampling interval an options record announces, if any (34, 50, or 305/306).
std::optional<std::uint32_t> sampling_of(const RecordValues& v) noexcept;

// Builds the forward record (and the reverse one for a biflow with reverse counts) from `v`.
// Returns how many records were appended (0 if the record has no addresses).
std::size_t emit_records(const RecordValues& v, const PacketTime& time, const ExporterState& st,
                         std::vector<FlowRecord>& out, bool& missing_time);

}  // namespace xmr::netflow
