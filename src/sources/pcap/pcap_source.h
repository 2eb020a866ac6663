#pragma once
// pcap / pcapng through the built-in flow meter (active/inactive timeouts from SourceOptions).
// Reading (pcap_reader.h), decoding (packet_decoder.h) and metering (flow_meter.h) are separate;
// this source wires them together. See docs/formats/pcap.md.
#include <cstdio>
#include <memory>
#include <span>
#include <string>

#include "sources/flow_source.h"

namespace xmr {

bool looks_like_pcap(std::span<const std::uint8_t> head) noexcept;  // pcap (either byte order, us/ns) or pcapng

[[nodiscard]] result<std::unique_ptr<FlowSource>> open_pcap_source(const std::string& path, const SourceContext& ctx);
// Same over an already open stream (fuzzing: fmemopen). Takes ownership of `file`.
[[nodiscard]] result<std::unique_ptr<FlowSource>> open_pcap_stream(std::FILE* file, const SourceContext& ctx);

}  // namespace xmr
