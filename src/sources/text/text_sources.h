#pragma once
// Text flow exports: nfdump -o csv, nfdump -o json, goflow2 JSON lines, and XMR-Ray's own CSV.
// Path "-" reads standard input.
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "sources/flow_source.h"

namespace xmr {

// Guesses which text format `head` (the first bytes of the input) is; nullopt if none.
std::optional<InputFormat> detect_text_format(std::span<const std::uint8_t> head) noexcept;

[[nodiscard]] result<std::unique_ptr<FlowSource>> open_nfdump_csv_source(const std::string& path, const SourceContext& ctx);
[[nodiscard]] result<std::unique_ptr<FlowSource>> open_nfdump_json_source(const std::string& path, const SourceContext& ctx);
[[nodiscard]] result<std::unique_ptr<FlowSource>> open_goflow2_source(const std::string& path, const SourceContext& ctx);
[[nodiscard]] result<std::unique_ptr<FlowSource>> open_xmr_csv_source(const std::string& path, const SourceContext& ctx);

}  // namespace xmr
