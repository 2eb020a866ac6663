#pragma once
// Internal entry point: reads an nfcapd file from an open FILE* (a real file, or fmemopen for the
// fuzz target). Takes ownership of `f`, also on failure.
#include <cstdio>
#include <memory>

#include "sources/flow_source.h"

namespace xmr {
[[nodiscard]] result<std::unique_ptr<FlowSource>> open_nfcapd_stream(std::FILE* f, const SourceContext& ctx);
}  // namespace xmr
