// TEMPORARY placeholder until the nfcapd writer lands; its owner deletes this file.
#include "sinks/nfcapd_writer.h"
namespace xmr {
std::optional<NfcapdCompression> parse_nfcapd_compression(std::string_view) noexcept { return std::nullopt; }
result<std::unique_ptr<FlowSink>> open_nfcapd_writer(const std::string& path, const NfcapdWriterOptions&) {
  return make_error(errc::unsupported, path + ": nfcapd writer not built yet");
}
}  // namespace xmr
