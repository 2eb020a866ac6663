#include "core/diagnostics.h"

#include <fmt/format.h>

namespace xmr {

std::string_view to_string(PositionKind kind) noexcept {
  switch (kind) {
    case PositionKind::byte_offset: return "byte";
    case PositionKind::line: return "line";
    case PositionKind::packet: return "packet";
    case PositionKind::record: return "record";
  }
  return "position";
}

std::string format_problem(const Problem& p) {
  return fmt::format("{}: {} {}: {}: {}", p.source, to_string(p.kind), p.position, to_string(p.code), p.message);
}

Diagnostics::Diagnostics(Callback on_problem, std::uint64_t max_callbacks)
    : on_problem_(std::move(on_problem)), max_callbacks_(max_callbacks) {}

void Diagnostics::report(errc code, std::string_view source, PositionKind kind, std::uint64_t position,
                         std::string_view message) {
  ++counts_[static_cast<size_t>(code)];
  ++errors_;
  // A hostile file can hold millions of bad blocks: count them all, but call back only so often.
  if (on_problem_ && errors_ <= max_callbacks_) on_problem_(Problem{code, source, kind, position, message});
}

std::string Diagnostics::summary() const {
  std::string s = fmt::format("records read {}, skipped {}, errors {}", read_, skipped_, errors_);
  if (errors_ == 0) return s;
  s += " (";
  bool first = true;
  for (size_t i = 0; i < counts_.size(); ++i) {
    if (!counts_[i]) continue;
    s += fmt::format("{}{} {}", first ? "" : ", ", to_string(static_cast<errc>(i)), counts_[i]);
    first = false;
  }
  s += ")";
  return s;
}

}  // namespace xmr
