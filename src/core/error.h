#pragma once
// Errors as values (docs/architecture.md): one flat code enum, an error with context, and
// result<T> = tl::expected<T, error>. Nothing below src/cli throws for bad input.
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace xmr {

enum class errc {
  io_error,            // open/read/write failed (errno text in context)
  unknown_format,      // auto-detection found no known magic
  unsupported,         // a known format in a version or variant we do not read
  truncated,           // input ends inside a header, block, record or packet
  bad_header,          // a header field is impossible (magic, version, size, count)
  corrupt_block,       // a block's records do not fit its declared size
  decompress_failed,   // LZO/LZ4/BZ2/ZSTD refused a block
  bad_record,          // a record or element inside a block is malformed
  bad_line,            // a text line (CSV) cannot be parsed
  bad_json,            // malformed JSON or a JSON value of the wrong type
  bad_packet,          // a captured packet is malformed or snapped too short to use
  bad_argument,        // caller error reported as a value (e.g. unknown --format)
  count_               // number of codes; keep last
};

std::string_view to_string(errc code) noexcept;

struct error {
  errc code;
  std::string context;  // human text: names the source and the position
};

template <class T>
using result = tl::expected<T, error>;

inline tl::unexpected<error> make_error(errc code, std::string context) {
  return tl::unexpected<error>(error{code, std::move(context)});
}

}  // namespace xmr
