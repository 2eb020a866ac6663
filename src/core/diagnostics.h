#pragma once
// Diagnostics: where decoders report recoverable problems (bad block, garbage line, snapped
// packet). It counts them by code and passes each, with source and position, to a callback the
// caller chose (the CLI prints to stderr; tests collect). Decoders keep no global state: they
// receive a Diagnostics& at construction.
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace xmr {

enum class PositionKind { byte_offset, line, packet, record };
std::string_view to_string(PositionKind kind) noexcept;

struct Problem {
  errc code;
  std::string_view source;  // file name (or "-")
  PositionKind kind;
  std::uint64_t position;
  std::string_view message;
};

// "file.nfcapd: byte 4096: corrupt_block: ..." — the one format every message uses.
std::string format_problem(const Problem& p);

class Diagnostics {
 public:
  using Callback = std::function<void(const Problem&)>;
  explicit Diagnostics(Callback on_problem = {}, std::uint64_t max_callbacks = 1000);

  void report(errc code, std::string_view source, PositionKind kind, std::uint64_t position,
              std::string_view message);
  // Records known to be lost (e.g. a corrupt block's declared record count).
  void add_skipped(std::uint64_t n) noexcept { skipped_ += n; }
  void add_read(std::uint64_t n) noexcept { read_ += n; }

  std::uint64_t count(errc code) const noexcept { return counts_[static_cast<size_t>(code)]; }
  std::uint64_t errors() const noexcept { return errors_; }
  std::uint64_t skipped() const noexcept { return skipped_; }
  std::uint64_t records_read() const noexcept { return read_; }
  // One line: "records read N, skipped N, errors N (corrupt_block 1, bad_line 3)".
  std::string summary() const;

 private:
  Callback on_problem_;
  std::uint64_t max_callbacks_;
  std::array<std::uint64_t, static_cast<size_t>(errc::count_)> counts_{};
  std::uint64_t errors_ = 0, skipped_ = 0, read_ = 0;
};

}  // namespace xmr
