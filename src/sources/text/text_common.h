#pragma once
// Shared pieces of the text sources: a bounded line reader over a FILE*, number/flag/protocol
// parsing, civil-time arithmetic. Internal to src/sources/text (and the fuzz targets).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sources/flow_source.h"

namespace xmr::text {

// Longest accepted text line (and JSON object). A longer one is reported and skipped, never
// buffered whole: memory stays bounded whatever the input.
inline constexpr std::size_t max_line_bytes = 1u << 20;

struct FileCloser {
  bool owns = true;
  void operator()(std::FILE* f) const noexcept {
    if (f != nullptr && owns) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// Opens `path` ("-" = stdin, not closed) for reading.
result<FilePtr> open_input(const std::string& path);

// Reads lines (without the '\n' and a trailing '\r'). Overlong lines are reported to the
// diagnostics and skipped to their end.
class LineReader {
 public:
  LineReader(FilePtr file, const SourceContext& ctx);
  // Next line; nullopt at end of input. Error only on an I/O failure.
  result<std::optional<std::string_view>> next();
  std::uint64_t line_number() const noexcept { return line_no_; }

 private:
  bool fill();  // reads more bytes into buf_; false at EOF
  FilePtr file_;
  const SourceContext* ctx_;
  std::string buf_;
  std::size_t begin_ = 0;
  std::uint64_t line_no_ = 0;
  bool eof_ = false;
  bool io_error_ = false;
};

void report(const SourceContext& ctx, errc code, std::uint64_t line, std::string_view message);

std::string_view trim(std::string_view s) noexcept;
std::optional<std::uint64_t> parse_u64(std::string_view s) noexcept;
std::optional<std::int64_t> parse_i64(std::string_view s) noexcept;
// Parses "S", "S.f", "S.fff" (seconds with up to 3 decimals) into milliseconds.
std::optional<std::int64_t> parse_seconds_ms(std::string_view s) noexcept;

// nfdump's 8-character flag string "CEUAPRSF" ('.' = unset), nfdump 1.7.1 src/lib/output_util.c
// FlagsString(): position 0 is CWR ... position 7 is FIN. Also accepts a decimal or 0x number.
std::optional<std::uint8_t> parse_tcp_flags(std::string_view s) noexcept;
void append_tcp_flags(std::string& out, std::uint8_t flags);

// Protocol name as nfdump prints it (nfdump 1.7.1 src/lib/nf_common.c protoList, the common
// ones) or a decimal number.
std::optional<std::uint8_t> parse_proto(std::string_view s) noexcept;
std::string_view proto_name(std::uint8_t proto) noexcept;  // empty if we have no name

// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept;
struct Civil {
  std::int64_t year;
  unsigned month, day, hour, minute, second;
};
Civil civil_from_seconds(std::int64_t s) noexcept;

// "YYYY-MM-DD hh:mm:ss[.fff]" or with 'T' between date and time: seconds of the wall clock as if
// it were UTC, in ms. nullopt if malformed.
std::optional<std::int64_t> parse_wall_time_ms(std::string_view s) noexcept;

}  // namespace xmr::text
