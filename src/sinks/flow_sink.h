#pragma once
// FlowSink: converts FlowRecords out to a format (table, CSV, JSON lines, nfcapd file).
#include <span>

#include "core/error.h"
#include "core/flow_record.h"

namespace xmr {

class FlowSink {
 public:
  virtual ~FlowSink() = default;
  [[nodiscard]] virtual result<void> write(std::span<const FlowRecord> records) = 0;
  // Flushes and closes; no write() after it. Writers of files with a trailer (nfcapd stats) write it here.
  [[nodiscard]] virtual result<void> finish() = 0;
};

}  // namespace xmr
