#pragma once
// Text writers: a human table (like `nfdump -o line`), CSV (XMR-Ray's own columns, millisecond
// times; read back by the xmr_csv source) and JSON lines in goflow2's JSON schema (read back by
// the goflow2 source). Path "-" writes standard output.
#include <memory>
#include <string>

#include "sinks/flow_sink.h"

namespace xmr {

[[nodiscard]] result<std::unique_ptr<FlowSink>> open_table_sink(const std::string& path);
[[nodiscard]] result<std::unique_ptr<FlowSink>> open_csv_sink(const std::string& path);
[[nodiscard]] result<std::unique_ptr<FlowSink>> open_json_sink(const std::string& path);

}  // namespace xmr
