#pragma once
// Internal: the text sources over an already open FILE* (fuzz targets use fmemopen).
#include <memory>

#include "sources/text/text_common.h"

namespace xmr::text {

result<std::unique_ptr<FlowSource>> make_nfdump_csv_source(FilePtr f, const SourceContext& ctx);
result<std::unique_ptr<FlowSource>> make_nfdump_json_source(FilePtr f, const SourceContext& ctx);
result<std::unique_ptr<FlowSource>> make_goflow2_source(FilePtr f, const SourceContext& ctx);
result<std::unique_ptr<FlowSource>> make_xmr_csv_source(FilePtr f, const SourceContext& ctx);

// XMR-Ray's own CSV header (written by the csv sink, recognised by detection and the xmr_csv source).
inline constexpr std::string_view xmr_csv_header =
    "first_ms,last_ms,src_addr,dst_addr,src_port,dst_port,proto,tcp_flags,src_tos,pkts,bytes,"
    "sampling_interval,exporter_id,exporter_addr,input_if,output_if";
inline constexpr std::size_t xmr_csv_columns = 16;

// Splits a comma-separated line into at most `max` fields; returns the count (max+1 if more).
std::size_t split_csv(std::string_view line, std::string_view* fields, std::size_t max) noexcept;

}  // namespace xmr::text
