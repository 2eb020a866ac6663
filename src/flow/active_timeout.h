#pragma once
// The exporter's active timeout T, inferred from record durations, for the slice length when the
// user gives none: the 99th percentile of TCP record durations, rounded up to the next common
// setting (60, 120, 300, 600, 900, 1800 s); 300 s when no TCP record lasts.
//
// This assumes a router-style exporter, which ends a long connection's record at most T after it
// began (its duration is first to last packet, so at most T). Exporters that expire records on a
// periodic scan (nfpcapd, the lab's meter) let records run up to 2T, and from durations alone that
// cannot be told from a router at 2T (the lab's 60 s nfpcapd sample reads as 300 s); nor can a
// timeout that no record reaches (an inactive timeout shorter than the gaps cuts every record
// first). So callers say that the slice was inferred and how to set it (--slice).
#include <cstdint>
#include <span>

#include "core/flow_record.h"

namespace xmr {

std::uint32_t infer_active_timeout_s(std::span<const FlowRecord> records);

}  // namespace xmr
