// Fuzz target: bytes as a text export -> the goflow2 source (fmemopen). Any crash, leak, hang or
// sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "core/diagnostics.h"
#include "sources/text/text_streams.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;  // fmemopen rejects an empty buffer
  std::FILE* f = fmemopen(const_cast<std::uint8_t*>(data), size, "rb");
  if (f == nullptr) return 0;
  xmr::Diagnostics diag;
  xmr::SourceContext ctx;
  ctx.name = "fuzz.goflow2";
  ctx.diagnostics = &diag;
  ctx.options.tz = "Europe/Rome";
  auto src = xmr::text::make_goflow2_source(xmr::text::FilePtr(f, xmr::text::FileCloser{true}), ctx);
  if (!src) return 0;
  std::vector<xmr::FlowRecord> out;
  while (true) {
    out.clear();
    auto n = (*src)->read(out, 64);
    if (!n || *n == 0) break;
  }
  return 0;
}
