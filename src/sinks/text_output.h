#pragma once
// TextOutput: the buffered writer under the text sinks. Records are formatted into one large
// reused std::string and written with fwrite in big chunks, so that the per-record cost is the
// formatting alone (no iostreams, no per-field allocation). Internal to src/sinks.
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/error.h"

namespace xmr::sinks {

class TextOutput {
 public:
  // Flush threshold: big enough to amortise the write syscall, small enough to stay in cache.
  static constexpr std::size_t flush_bytes = 1u << 20;

  // "-" = standard output (not closed).
  static result<TextOutput> open(const std::string& path);

  TextOutput(TextOutput&& o) noexcept;
  TextOutput& operator=(TextOutput&&) = delete;
  TextOutput(const TextOutput&) = delete;
  ~TextOutput();

  std::string& buffer() noexcept { return buf_; }
  // Writes the buffer out once it is past flush_bytes.
  result<void> maybe_flush() { return buf_.size() >= flush_bytes ? flush() : result<void>{}; }
  result<void> flush();
  // Flushes and closes (stdout is flushed, not closed).
  result<void> finish();

 private:
  TextOutput(std::FILE* f, bool owns, std::string path);
  std::FILE* file_ = nullptr;
  bool owns_ = false;
  std::string path_;
  std::string buf_;
};

// Appends an integer in decimal without allocating.
template <class Int>
inline void append_int(std::string& out, Int v) {
  char tmp[24];
  auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
  out.append(tmp, static_cast<std::size_t>(r.ptr - tmp));
}

// Appends an unsigned integer right-aligned in `width` columns.
inline void append_padded(std::string& out, std::uint64_t v, std::size_t width) {
  char tmp[24];
  auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
  const auto len = static_cast<std::size_t>(r.ptr - tmp);
  if (len < width) out.append(width - len, ' ');
  out.append(tmp, len);
}

}  // namespace xmr::sinks
