// Fuzz target: bytes as an nfcapd file -> fmemopen -> nfcapd reader (all compressions, since the
// header's compression byte is input too). Any crash, leak, hang or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "core/diagnostics.h"
#include "sources/nfcapd/nfcapd_stream.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;  // fmemopen rejects an empty buffer
  std::FILE* f = fmemopen(const_cast<std::uint8_t*>(data), size, "rb");
  if (f == nullptr) return 0;
  xmr::Diagnostics diag;
  xmr::SourceContext ctx;
  ctx.name = "fuzz.nfcapd";
  ctx.diagnostics = &diag;
  auto src = xmr::open_nfcapd_stream(f, ctx);  // owns f, also on failure
  if (!src) return 0;
  std::vector<xmr::FlowRecord> out;
  while (true) {
    out.clear();
    auto n = (*src)->read(out, 64);
    if (!n || *n == 0) break;
  }
  return 0;
}
