#pragma once
// The body every text-source fuzz target shares: the input bytes become a FILE* (fmemopen), the
// source under test reads it to the end in small batches. Each target only names its factory.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "sources/text/text_streams.h"

namespace xmr::fuzz {

template <typename Factory>
int run_text_source(const std::uint8_t* data, std::size_t size, const char* name, Factory make_source) {
  if (size == 0) return 0;  // fmemopen rejects an empty buffer
  std::FILE* f = fmemopen(const_cast<std::uint8_t*>(data), size, "rb");
  if (f == nullptr) return 0;
  Diagnostics diag;
  SourceContext ctx;
  ctx.name = std::string("fuzz.") + name;
  ctx.diagnostics = &diag;
  ctx.options.tz = "Europe/Rome";  // exercises the TZif path of the nfdump text sources
  auto src = make_source(text::FilePtr(f, text::FileCloser{true}), ctx);
  if (!src) return 0;
  std::vector<FlowRecord> out;
  while (true) {
    out.clear();
    auto n = (*src)->read(out, 64);
    if (!n || *n == 0) break;
  }
  return 0;
}

}  // namespace xmr::fuzz
