#pragma once
// Writes nfcapd files (layout version 2, V3 records) that nfdump 1.7.1 reads back record for record.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sinks/flow_sink.h"

namespace xmr {

enum class NfcapdCompression { none, lzo, bz2, lz4, zstd };
std::optional<NfcapdCompression> parse_nfcapd_compression(std::string_view name) noexcept;

struct NfcapdWriterOptions {
  NfcapdCompression compression = NfcapdCompression::lz4;
  std::string ident;  // file ident string (nfdump -i); empty = none
};

[[nodiscard]] result<std::unique_ptr<FlowSink>> open_nfcapd_writer(const std::string& path,
                                                                  const NfcapdWriterOptions& options);

}  // namespace xmr
