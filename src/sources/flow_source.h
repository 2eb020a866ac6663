#pragma once
// FlowSource: a streaming reader that converts one input into FlowRecords, in batches, in
// constant memory. Only sources know formats (docs/architecture.md).
//
// Contract for every implementation:
//  - read() appends at most `max` records to `out` and returns how many it appended;
//    0 means the input is exhausted.
//  - recoverable damage (a corrupt block, a garbage line, a snapped packet) is reported to the
//    Diagnostics given at construction, counted, and skipped; reading continues with the next
//    good block/line/packet. Only an unrecoverable failure (I/O error) returns an error.
//  - records carry Origin{source_index, position} as documented in core/flow_record.h.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/error.h"
#include "core/flow_record.h"
#include "core/source_catalog.h"

namespace xmr {

// xmr_csv is the CSV that `xmr-ray flows -o csv` writes (millisecond times, one direction per row).
enum class InputFormat { nfcapd, nfdump_csv, nfdump_json, goflow2_json, xmr_csv, pcap };
std::string_view to_string(InputFormat f) noexcept;
std::optional<InputFormat> parse_input_format(std::string_view name) noexcept;

struct SourceOptions {
  std::optional<InputFormat> format;   // nullopt: detect from content
  std::string tz;                      // nfdump CSV timestamps are local time: zone name; empty = $TZ / system
  std::uint32_t active_timeout_s = 1800;   // pcap flow meter
  std::uint32_t inactive_timeout_s = 15;   // pcap flow meter
};

class FlowSource {
 public:
  virtual ~FlowSource() = default;
  [[nodiscard]] virtual result<std::size_t> read(std::vector<FlowRecord>& out, std::size_t max) = 0;
};

// What every source constructor receives: its name for messages, its catalog index, where to
// report problems, and the options.
struct SourceContext {
  std::string name;
  std::uint32_t source_index = 0;
  Diagnostics* diagnostics = nullptr;  // never null in practice; a pointer keeps the struct copyable
  SourceOptions options;
};

}  // namespace xmr
