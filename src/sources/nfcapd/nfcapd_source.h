#pragma once
// nfcapd files as written by nfdump 1.7 (layout version 2, V3 records). See docs/formats/nfcapd.md.
#include <memory>
#include <span>
#include <string>

#include "sources/flow_source.h"

namespace xmr {

// True if `head` (the first bytes of a file) starts with the nfdump file magic.
bool looks_like_nfcapd(std::span<const std::uint8_t> head) noexcept;

// Opens one nfcapd file. Errors: io_error, bad_header, unsupported (layout 1 etc.).
[[nodiscard]] result<std::unique_ptr<FlowSource>> open_nfcapd_source(const std::string& path, const SourceContext& ctx);

}  // namespace xmr
