// detect_text_format: which text export the first bytes of an input are.
#include <string_view>

#include "sources/text/text_sources.h"
#include "sources/text/text_streams.h"

namespace xmr {

std::optional<InputFormat> detect_text_format(std::span<const std::uint8_t> head) noexcept {
  std::string_view s(reinterpret_cast<const char*>(head.data()), head.size());
  if (s.size() >= 3 && static_cast<unsigned char>(s[0]) == 0xEF && static_cast<unsigned char>(s[1]) == 0xBB &&
      static_cast<unsigned char>(s[2]) == 0xBF)
    s.remove_prefix(3);  // UTF-8 byte order mark
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t')) s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  if (s.rfind(text::xmr_csv_header, 0) == 0) return InputFormat::xmr_csv;
  if (s.rfind("ts,te,td,sa,da,", 0) == 0) return InputFormat::nfdump_csv;
  if (s[0] == '[') return InputFormat::nfdump_json;
  if (s[0] == '{') {
    const auto nl = s.find('\n');
    const std::string_view first = s.substr(0, nl);
    if (first.find("\"time_flow_start_ns\"") != std::string_view::npos || first.find("\"src_addr\"") != std::string_view::npos ||
        first.find("\"sampler_address\"") != std::string_view::npos)
      return InputFormat::goflow2_json;
    return std::nullopt;
  }
  // nfdump -q -o csv: no header, a data line "YYYY-MM-DD hh:mm:ss,YYYY-MM-DD hh:mm:ss,..."
  if (s.size() >= 40 && text::parse_wall_time_ms(s.substr(0, 19)) && s[19] == ',' &&
      text::parse_wall_time_ms(s.substr(20, 19)) && s[39] == ',')
    return InputFormat::nfdump_csv;
  return std::nullopt;
}

}  // namespace xmr
