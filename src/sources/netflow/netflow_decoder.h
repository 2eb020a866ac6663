#pragma once
// NetFlow v5, NetFlow v9 (RFC 3954) and IPFIX (RFC 7011/7012) export-packet decoders.
// Pure functions over one UDP payload plus explicit per-exporter state (templates, sampling,
// sequence numbers): no sockets, no globals. The collector (issue 7) owns the sockets and calls
// decode_export_packet() once per datagram. docs/formats/netflow.md describes the mapping.
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/error.h"
#include "core/flow_record.h"
#include "core/ip_address.h"

namespace xmr::netflow {

// What DecodeStats counts. Every problem increments exactly one counter (plus the Diagnostics
// code if a Diagnostics is attached to the table).
enum class counter {
  packets,               // export packets given to the decoder
  packets_v5,
  packets_v9,
  packets_ipfix,
  records,               // FlowRecords produced
  bad_version,           // version field not 5, 9 or 10
  truncated_header,      // packet shorter than its version's header
  bad_length,            // v5 count / IPFIX length disagreeing with the datagram
  malformed_sets,        // set/flowset length < 4 or beyond the packet; rest of packet dropped
  reserved_sets,         // set ids 4..255 (v9: 2..255), skipped by length
  templates_added,
  templates_refreshed,   // same id, same layout
  templates_changed,     // same id, different layout (replaces the old one)
  templates_withdrawn,   // IPFIX withdrawal (field count 0)
  options_templates,     // (included in added/refreshed/changed too)
  bad_templates,         // zero fields, record longer than a set can hold, truncated, bad id
  template_cap_hit,      // too many templates for one exporter: the new one is ignored
  field_cap_hit,         // template with more fields than the cap: ignored
  exporter_cap_hit,      // too many exporters: packet from a new one ignored
  data_sets_pending,     // data set buffered because its template is not known (yet)
  pending_decoded,       // buffered data set decoded after its template arrived
  pending_dropped,       // buffered data set dropped (too old, buffer full, exporter expired)
  bad_records,           // a data record that does not fit its set (variable-length overrun)
  sequence_gaps,         // a jump forward in the sequence number
  lost_units,            // sum of the jumps: v5/IPFIX count records, v9 counts export packets
  sequence_reorders,     // sequence number behind the expected one (late or restarted exporter)
  options_records,       // options data records applied to exporter state
  missing_time,          // data record without usable start/end time (receive time used)
  exporters_expired,
  templates_expired,
  count_
};
std::string_view to_string(counter c) noexcept;

struct DecodeStats {
  std::array<std::uint64_t, static_cast<std::size_t>(counter::count_)> counts{};
  std::uint64_t operator[](counter c) const noexcept { return counts[static_cast<std::size_t>(c)]; }
  void add(counter c, std::uint64_t n = 1) noexcept { counts[static_cast<std::size_t>(c)] += n; }
  std::string summary() const;  // "packets 3, records 12, bad_templates 1" (non-zero only)
};

// Bounds on what a (possibly hostile) exporter can make us keep. Defaults are generous for real
// routers (a Cisco/Juniper exporter uses tens of templates of < 100 fields).
struct DecoderLimits {
  std::size_t max_exporters = 4096;
  std::size_t max_templates_per_exporter = 256;
  std::size_t max_fields_per_template = 128;
  std::size_t max_pending_sets_per_exporter = 16;
  std::size_t max_pending_bytes_per_exporter = 64 * 1024;
  std::int64_t pending_max_age_ms = 5'000;       // data waiting for its template
  std::int64_t template_timeout_ms = 0;          // 0: templates live as long as the exporter
  std::int64_t exporter_idle_ms = 3'600'000;     // exporter forgotten after 1 h of silence
};

// What a compiled template step writes. Generic over v9 and IPFIX: both number their fields
// with the same IANA registry for ids < 128 (RFC 3954 §8 was the seed of RFC 7012's registry).
enum class target : std::uint8_t {
  skip,
  src_addr4, dst_addr4, src_addr6, dst_addr6,
  src_port, dst_port, proto, tcp_flags, tos,
  bytes, pkts,                      // delta counts (1, 2)
  total_bytes, total_pkts,          // total counts (85, 86): used when no delta count is present
  out_bytes, out_pkts,              // v9 23/24: used when no input count is present
  input_if, output_if, icmp_type_code,
  start_uptime_ms, end_uptime_ms,   // 22 / 21 (v9 FIRST/LAST_SWITCHED, IPFIX flowStart/EndSysUpTime)
  start_s, end_s,                   // 150 / 151
  start_ms, end_ms,                 // 152 / 153
  start_ntp_us, end_ntp_us,         // 154 / 155 (NTP format, RFC 7011 §6.1.9)
  start_ntp_ns, end_ntp_ns,         // 156 / 157 (NTP format, RFC 7011 §6.1.10)
  start_delta_us, end_delta_us,     // 158 / 159 (microseconds before export time)
  system_init_ms,                   // 160
  sampling_interval,                // 34 (v9 SAMPLING_INTERVAL / IPFIX samplingInterval)
  sampler_random_interval,          // 50
  sampling_packet_interval,         // 305
  sampling_packet_space,            // 306
  rev_bytes, rev_pkts, rev_total_bytes, rev_total_pkts, rev_tcp_flags,  // RFC 5103, PEN 29305
  rev_start_ms, rev_end_ms,
};

// One compiled template step: consume `length` bytes (variable_length: RFC 7011 §7 prefix) and
// write them to `what`. A template is a plain list of these, run front to back per record.
struct Step {
  static constexpr std::uint16_t variable_length = 0xFFFF;  // RFC 7011 §7
  std::uint16_t length = 0;
  target what = target::skip;
  friend bool operator==(const Step&, const Step&) = default;
};

struct Template {
  std::vector<Step> steps;
  std::size_t min_record_bytes = 0;  // fixed fields + 1 per variable field: always >= 1
  bool is_options = false;
  std::int64_t last_seen_ms = 0;
};

// Header context of the packet that carried a data set (needed to convert uptime/delta times,
// also for data buffered until its template arrives).
struct PacketTime {
  std::int64_t export_ms = 0;      // header unix time (v9: unix_secs, IPFIX: export time)
  std::int64_t sys_uptime_ms = -1; // v9 header sysUptime; -1 for IPFIX (no uptime in header)
  std::int64_t received_ms = 0;
  std::uint64_t packet_number = 0;
};

struct PendingSet {
  std::uint16_t template_id = 0;
  std::vector<std::uint8_t> bytes;  // the set body (without the 4-byte set header)
  PacketTime time;
};

struct ExporterKey {
  IpAddress addr;
  std::uint16_t port = 0;
  std::uint32_t domain = 0;   // v9 source id / IPFIX observation domain id / v5 engine type+id
  std::uint8_t version = 0;   // 5, 9, 10: templates never cross versions
  friend auto operator<=>(const ExporterKey&, const ExporterKey&) = default;
};

struct ExporterState {
  std::map<std::uint16_t, Template> templates;
  std::vector<PendingSet> pending;
  std::size_t pending_bytes = 0;
  std::uint32_t sampling_interval = 1;    // from options data (or the v5 header)
  std::int64_t system_init_ms = -1;       // IPFIX systemInitTimeMilliseconds from options data
  bool have_sequence = false;
  std::uint32_t next_sequence = 0;
  std::int64_t last_seen_ms = 0;
};

class ExporterTable {
 public:
  explicit ExporterTable(DecoderLimits limits = {}, Diagnostics* diagnostics = nullptr,
                         std::uint32_t source_index = 0)
      : limits_(limits), diagnostics_(diagnostics), source_index_(source_index) {}

  const DecoderLimits& limits() const noexcept { return limits_; }
  std::size_t size() const noexcept { return exporters_.size(); }
  std::size_t template_count() const noexcept;
  std::size_t pending_bytes() const noexcept;
  // nullptr if unknown. The state is owned by the table.
  ExporterState* find(const ExporterKey& key);
  // Existing or new state; nullptr (counted) when the exporter cap is reached.
  ExporterState* find_or_add(const ExporterKey& key, std::int64_t now_ms, DecodeStats& stats);
  // Drops exporters silent for limits.exporter_idle_ms, templates older than
  // limits.template_timeout_ms and pending data older than limits.pending_max_age_ms.
  void expire(std::int64_t now_ms, DecodeStats& stats);

  std::uint64_t next_packet_number() noexcept { return ++packets_; }
  std::uint32_t source_index() const noexcept { return source_index_; }
  // Reports to the attached Diagnostics (if any): "exporter 192.0.2.1:2055: byte 24: ...".
  void report(errc code, const ExporterKey& key, std::size_t byte_offset, std::string_view message);

 private:
  DecoderLimits limits_;
  Diagnostics* diagnostics_;
  std::uint32_t source_index_;
  std::uint64_t packets_ = 0;
  std::map<ExporterKey, std::unique_ptr<ExporterState>> exporters_;
};

// Decodes one export packet (a UDP payload) of version 5, 9 or 10, appending its flow records
// to `out`. Returns the number appended. An error (also counted) only when the packet as a
// whole is unusable: unknown version, header truncated, exporter cap reached. Damage inside a
// packet is counted in `stats`, reported to the table's Diagnostics, and skipped.
result<std::size_t> decode_export_packet(std::span<const std::uint8_t> packet,
                                         const IpAddress& exporter, std::uint16_t exporter_port,
                                         std::int64_t received_ms, ExporterTable& table,
                                         std::vector<FlowRecord>& out, DecodeStats& stats);

}  // namespace xmr::netflow
