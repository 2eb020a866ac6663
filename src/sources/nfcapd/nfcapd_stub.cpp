// TEMPORARY placeholder until the nfcapd reader lands; its owner deletes this file.
#include "sources/nfcapd/nfcapd_source.h"
namespace xmr {
bool looks_like_nfcapd(std::span<const std::uint8_t> h) noexcept { return h.size() >= 2 && h[0] == 0x0c && h[1] == 0xa5; }
result<std::unique_ptr<FlowSource>> open_nfcapd_source(const std::string& path, const SourceContext&) {
  return make_error(errc::unsupported, path + ": nfcapd reader not built yet");
}
}  // namespace xmr
