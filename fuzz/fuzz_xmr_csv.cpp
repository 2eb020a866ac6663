// Fuzz target: bytes as a text export -> the xmr_csv source. Any crash, leak, hang or sanitizer
// report is a bug.
#include "text_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return xmr::fuzz::run_text_source(data, size, "xmr_csv", [](auto file, const xmr::SourceContext& ctx) {
    return xmr::text::make_xmr_csv_source(std::move(file), ctx);
  });
}
