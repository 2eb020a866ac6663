// Fuzz target: bytes as a pcap/pcapng file -> libpcap (fmemopen) -> decoder -> FlowMeter.
// Short timeouts so that expiry paths run too. Any crash, leak, hang or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "core/diagnostics.h"
#include "sources/pcap/pcap_source.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;  // fmemopen rejects an empty buffer
  std::FILE* f = fmemopen(const_cast<std::uint8_t*>(data), size, "rb");
  if (f == nullptr) return 0;
  xmr::Diagnostics diag;
  xmr::SourceContext ctx;
  ctx.name = "fuzz.pcap";
  ctx.diagnostics = &diag;
  ctx.options.active_timeout_s = 2;
  ctx.options.inactive_timeout_s = 1;
  auto src = xmr::open_pcap_stream(f, ctx);  // owns f, also on failure
  if (!src) return 0;
  std::vector<xmr::FlowRecord> out;
  while (true) {
    out.clear();
    auto n = (*src)->read(out, 64);
    if (!n || *n == 0) break;
  }
  return 0;
}
