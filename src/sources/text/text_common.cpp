#include "sources/text/text_common.h"

#include <cerrno>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace xmr::text {

result<FilePtr> open_input(const std::string& path) {
  if (path == "-") return FilePtr(stdin, FileCloser{false});
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return make_error(errc::io_error, fmt::format("{}: {}", path, std::strerror(errno)));
  return FilePtr(f, FileCloser{true});
}

void report(const SourceContext& ctx, errc code, std::uint64_t line, std::string_view message) {
  if (ctx.diagnostics != nullptr) ctx.diagnostics->report(code, ctx.name, PositionKind::line, line, message);
}

LineReader::LineReader(FilePtr file, const SourceContext& ctx) : file_(std::move(file)), ctx_(&ctx) {
  buf_.reserve(1u << 16);
}

bool LineReader::fill() {
  if (eof_) return false;
  if (begin_ > 0) {
    buf_.erase(0, begin_);
    begin_ = 0;
  }
  const std::size_t old = buf_.size();
  constexpr std::size_t chunk = 1u << 16;
  buf_.resize(old + chunk);
  const std::size_t n = std::fread(buf_.data() + old, 1, chunk, file_.get());
  buf_.resize(old + n);
  if (n == 0) {
    eof_ = true;
    if (std::ferror(file_.get())) io_error_ = true;
    return false;
  }
  return true;
}

result<std::optional<std::string_view>> LineReader::next() {
  std::size_t scan = begin_;
  while (true) {
    const auto nl = buf_.find('\n', scan);
    if (nl != std::string::npos) {
      ++line_no_;
      std::string_view line(buf_.data() + begin_, nl - begin_);
      begin_ = nl + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      return std::optional<std::string_view>(line);
    }
    if (buf_.size() - begin_ > max_line_bytes) {
      // Overlong: report, then drop bytes until the next newline without keeping them.
      ++line_no_;
      report(*ctx_, errc::bad_line, line_no_, fmt::format("line longer than {} bytes skipped", max_line_bytes));
      while (true) {
        buf_.clear();
        begin_ = 0;
        if (!fill()) break;
        const auto p = buf_.find('\n');
        if (p != std::string::npos) {
          begin_ = p + 1;
          break;
        }
      }
      if (io_error_) return make_error(errc::io_error, ctx_->name + ": read error");
      if (ctx_->diagnostics) ctx_->diagnostics->add_skipped(1);
      scan = begin_;
      if (eof_ && begin_ >= buf_.size()) return std::optional<std::string_view>();
      continue;
    }
    const std::size_t scanned = buf_.size() - begin_;
    if (!fill()) {
      if (io_error_) return make_error(errc::io_error, ctx_->name + ": read error");
      if (begin_ < buf_.size()) {  // last line without a newline
        ++line_no_;
        std::string_view line(buf_.data() + begin_, buf_.size() - begin_);
        begin_ = buf_.size();
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        return std::optional<std::string_view>(line);
      }
      return std::optional<std::string_view>();
    }
    scan = begin_ + scanned;
  }
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::uint64_t> parse_u64(std::string_view s) noexcept {
  s = trim(s);
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parse_i64(std::string_view s) noexcept {
  s = trim(s);
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parse_seconds_ms(std::string_view s) noexcept {
  s = trim(s);
  const auto dot = s.find('.');
  auto whole = parse_u64(s.substr(0, dot));
  if (!whole || *whole > 1'000'000'000'000ull) return std::nullopt;
  std::int64_t ms = static_cast<std::int64_t>(*whole) * 1000;
  if (dot != std::string_view::npos) {
    auto frac = s.substr(dot + 1);
    if (frac.empty() || frac.size() > 9) return std::nullopt;
    int scale = 100;
    for (std::size_t i = 0; i < frac.size(); ++i) {
      if (frac[i] < '0' || frac[i] > '9') return std::nullopt;
      if (i < 3) {
        ms += (frac[i] - '0') * scale;
        scale /= 10;
      }
    }
  }
  return ms;
}

namespace {
constexpr char flag_chars[8] = {'C', 'E', 'U', 'A', 'P', 'R', 'S', 'F'};
}

std::optional<std::uint8_t> parse_tcp_flags(std::string_view s) noexcept {
  s = trim(s);
  if (s.size() == 8 && (s[0] == '.' || s[0] == 'C')) {
    std::uint8_t bits = 0;
    for (int i = 0; i < 8; ++i) {
      if (s[i] == flag_chars[i]) bits |= static_cast<std::uint8_t>(0x80u >> i);
      else if (s[i] != '.') return std::nullopt;
    }
    return bits;
  }
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), v, 16);
    if (ec != std::errc() || p != s.data() + s.size() || v > 255) return std::nullopt;
    return static_cast<std::uint8_t>(v);
  }
  auto v = parse_u64(s);
  if (!v || *v > 255) return std::nullopt;
  return static_cast<std::uint8_t>(*v);
}

void append_tcp_flags(std::string& out, std::uint8_t flags) {
  for (int i = 0; i < 8; ++i) out.push_back((flags & (0x80u >> i)) ? flag_chars[i] : '.');
}

namespace {
struct ProtoName {
  std::uint8_t num;
  std::string_view name;
};
// Names nfdump 1.7.1 prints for the protocols seen in practice (src/lib/nf_common.c protoList).
constexpr ProtoName proto_names[] = {
    {1, "ICMP"},  {2, "IGMP"}, {4, "IPIP"}, {6, "TCP"},   {17, "UDP"},   {41, "IPv6"},
    {47, "GRE"},  {50, "ESP"}, {51, "AH"},  {58, "ICMP6"}, {89, "OSPF"}, {103, "PIM"},
    {132, "SCTP"}, {136, "UDPLite"}};
}  // namespace

std::optional<std::uint8_t> parse_proto(std::string_view s) noexcept {
  s = trim(s);
  if (auto v = parse_u64(s)) {
    if (*v > 255) return std::nullopt;
    return static_cast<std::uint8_t>(*v);
  }
  for (const auto& p : proto_names) {
    if (p.name.size() != s.size()) continue;
    bool eq = true;
    for (std::size_t i = 0; i < s.size(); ++i)
      if ((s[i] | 0x20) != (p.name[i] | 0x20)) eq = false;
    if (eq) return p.num;
  }
  return std::nullopt;
}

std::string_view proto_name(std::uint8_t proto) noexcept {
  for (const auto& p : proto_names)
    if (p.num == proto) return p.name;
  return {};
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

Civil civil_from_seconds(std::int64_t s) noexcept {
  std::int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
  std::int64_t rem = s - days * 86400;
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
  return Civil{y, m, d, static_cast<unsigned>(rem / 3600), static_cast<unsigned>(rem % 3600 / 60),
               static_cast<unsigned>(rem % 60)};
}

namespace {
bool digits(std::string_view s, std::size_t pos, std::size_t n, unsigned& v) {
  if (pos + n > s.size()) return false;
  v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
  }
  return true;
}
}  // namespace

std::optional<std::int64_t> parse_wall_time_ms(std::string_view s) noexcept {
  s = trim(s);
  unsigned y, mo, d, h, mi, se;
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' ||
      s[16] != ':')
    return std::nullopt;
  if (!digits(s, 0, 4, y) || !digits(s, 5, 2, mo) || !digits(s, 8, 2, d) || !digits(s, 11, 2, h) ||
      !digits(s, 14, 2, mi) || !digits(s, 17, 2, se))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  std::int64_t ms = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se) * 1000;
  if (s.size() > 19) {
    if (s[19] != '.') return std::nullopt;
    auto frac = s.substr(20);
    if (frac.empty() || frac.size() > 9) return std::nullopt;
    int scale = 100;
    for (std::size_t i = 0; i < frac.size(); ++i) {
      if (frac[i] < '0' || frac[i] > '9') return std::nullopt;
      if (i < 3) {
        ms += (frac[i] - '0') * scale;
        scale /= 10;
      }
    }
  }
  return ms;
}

}  // namespace xmr::text
