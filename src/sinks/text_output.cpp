// TextOutput: buffered fwrite for the text sinks.
#include "sinks/text_output.h"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace xmr::sinks {

result<TextOutput> TextOutput::open(const std::string& path) {
  if (path == "-") return TextOutput(stdout, false, path);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return make_error(errc::io_error, fmt::format("{}: cannot open for writing: {}", path, std::strerror(errno)));
  return TextOutput(f, true, path);
}

TextOutput::TextOutput(std::FILE* f, bool owns, std::string path) : file_(f), owns_(owns), path_(std::move(path)) {
  buf_.reserve(flush_bytes + 4096);
}

TextOutput::TextOutput(TextOutput&& o) noexcept
    : file_(o.file_), owns_(o.owns_), path_(std::move(o.path_)), buf_(std::move(o.buf_)) {
  o.file_ = nullptr;
  o.owns_ = false;
}

TextOutput::~TextOutput() {
  // finish() reports errors; a sink destroyed without finish() still releases its file.
  if (file_ != nullptr) {
    if (!buf_.empty()) std::fwrite(buf_.data(), 1, buf_.size(), file_);
    if (owns_) std::fclose(file_);
    else std::fflush(file_);
  }
}

result<void> TextOutput::flush() {
  if (file_ == nullptr) return make_error(errc::io_error, fmt::format("{}: write after finish", path_));
  if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), file_) != buf_.size())
    return make_error(errc::io_error, fmt::format("{}: write failed: {}", path_, std::strerror(errno)));
  buf_.clear();
  return {};
}

result<void> TextOutput::finish() {
  if (file_ == nullptr) return {};
  auto r = flush();
  std::FILE* f = file_;
  file_ = nullptr;
  const bool failed = owns_ ? std::fclose(f) != 0 : std::fflush(f) != 0;
  if (!r) return r;
  if (failed) return make_error(errc::io_error, fmt::format("{}: close failed: {}", path_, std::strerror(errno)));
  return {};
}

}  // namespace xmr::sinks
