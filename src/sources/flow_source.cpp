#include "sources/flow_source.h"

namespace xmr {

std::string_view to_string(InputFormat f) noexcept {
  switch (f) {
    case InputFormat::nfcapd: return "nfcapd";
    case InputFormat::nfdump_csv: return "nfdump-csv";
    case InputFormat::nfdump_json: return "nfdump-json";
    case InputFormat::goflow2_json: return "goflow2";
    case InputFormat::xmr_csv: return "csv";
    case InputFormat::pcap: return "pcap";
  }
  return "?";
}

std::optional<InputFormat> parse_input_format(std::string_view name) noexcept {
  for (auto f : {InputFormat::nfcapd, InputFormat::nfdump_csv, InputFormat::nfdump_json, InputFormat::goflow2_json,
                 InputFormat::xmr_csv, InputFormat::pcap})
    if (name == to_string(f)) return f;
  if (name == "pcapng") return InputFormat::pcap;
  return std::nullopt;
}

}  // namespace xmr
