#pragma once
// Internal: the text sources over an already open FILE* (fuzz targets use fmemopen).
#include <memory>

#include "core/xmr_csv_format.h"
#include "sources/text/text_common.h"

namespace xmr::text {

result<std::unique_ptr<FlowSource>> make_nfdump_csv_source(FilePtr f, const SourceContext& ctx);
result<std::unique_ptr<FlowSource>> make_nfdump_json_source(FilePtr f, const SourceContext& ctx);
result<std::unique_ptr<FlowSource>> make_goflow2_source(FilePtr f, const SourceContext& ctx);
result<std::unique_ptr<FlowSource>> make_xmr_csv_source(FilePtr f, const SourceContext& ctx);

// XMR-Ray's own CSV header: core/xmr_csv_format.h (shared with the csv sink).
using xmr::xmr_csv_columns;
using xmr::xmr_csv_header;

// Splits a comma-separated line into at most `max` fields; returns the count (max+1 if more).
std::size_t split_csv(std::string_view line, std::string_view* fields, std::size_t max) noexcept;

}  // namespace xmr::text
