#pragma once
// XMR-Ray's own CSV: the header both the csv sink writes and the xmr_csv source (and format
// detection) expect. One definition, so that writer and reader cannot drift apart.
#include <cstddef>
#include <string_view>

namespace xmr {

inline constexpr std::string_view xmr_csv_header =
    "first_ms,last_ms,src_addr,dst_addr,src_port,dst_port,proto,tcp_flags,src_tos,pkts,bytes,"
    "sampling_interval,exporter_id,exporter_addr,input_if,output_if";
inline constexpr std::size_t xmr_csv_columns = 16;

}  // namespace xmr
