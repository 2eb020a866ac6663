#pragma once
// Opening inputs by path: format detection from content (magic bytes), overridable with
// SourceOptions::format, and directories read recursively in time order like `nfdump -R`.
#include <memory>
#include <string>
#include <vector>

#include "sources/flow_source.h"

namespace xmr {

// Detects the format of the file at `path` from its first bytes.
[[nodiscard]] result<InputFormat> detect_format(const std::string& path);

// Expands each path: a directory becomes its regular files, recursively, sorted by path (nfcapd
// names embed the time, so this is time order), hidden files (".nfstat", ".xmr-*") left out.
[[nodiscard]] result<std::vector<std::string>> expand_inputs(const std::vector<std::string>& paths);

// One source over several inputs, read one after the other. Each input is registered in
// `catalog`; an input that cannot be opened is reported to `diagnostics` and skipped.
[[nodiscard]] std::unique_ptr<FlowSource> open_inputs(const std::vector<std::string>& files,
                                                     const SourceOptions& options, SourceCatalog& catalog,
                                                     Diagnostics& diagnostics);

}  // namespace xmr
