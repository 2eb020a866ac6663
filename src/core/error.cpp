#include "core/error.h"

namespace xmr {

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::io_error: return "io_error";
    case errc::unknown_format: return "unknown_format";
    case errc::unsupported: return "unsupported";
    case errc::truncated: return "truncated";
    case errc::bad_header: return "bad_header";
    case errc::corrupt_block: return "corrupt_block";
    case errc::decompress_failed: return "decompress_failed";
    case errc::bad_record: return "bad_record";
    case errc::bad_line: return "bad_line";
    case errc::bad_json: return "bad_json";
    case errc::bad_packet: return "bad_packet";
    case errc::bad_argument: return "bad_argument";
    case errc::count_: break;
  }
  return "unknown";
}

}  // namespace xmr
