#include "detect/alert_controls.h"

#include <charconv>

#include <fmt/format.h>

#include "detect/community_id.h"

namespace xmr {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    s = trim(s);
    if (s.empty()) break;
    const auto end = s.find_first_of(" \t");
    out.push_back(s.substr(0, end));
    if (end == std::string_view::npos) break;
    s.remove_prefix(end);
  }
  return out;
}

// Calls `line_fn(line_number, words)` for each non-empty line with its comment stripped.
template <typename F>
result<void> for_each_line(std::string_view text, std::string_view name, F line_fn) {
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    const auto w = words(line);
    if (w.empty()) continue;
    if (auto ok = line_fn(w); !ok)
      return make_error(errc::bad_argument, fmt::format("{}: line {}: {}", name, line_no, ok.error().context));
  }
  return {};
}

}  // namespace

result<EndpointPattern> EndpointPattern::parse(std::string_view text) {
  EndpointPattern p;
  std::string_view addr = text;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {  // [v6]:port
    const auto close = text.find(']');
    if (close == std::string_view::npos) return make_error(errc::bad_argument, fmt::format("unclosed '[' in '{}'", text));
    addr = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return make_error(errc::bad_argument, fmt::format("expected ':PORT' after ']' in '{}'", text));
      port = rest.substr(1);
    }
  } else if (const auto colon = text.find(':'); colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
    addr = text.substr(0, colon);  // one colon: IPv4:port (an IPv6 address has several)
    port = text.substr(colon + 1);
  }
  auto net = Cidr::parse(addr);
  if (!net) return make_error(errc::bad_argument, fmt::format("not an address, CIDR or address:port: '{}'", text));
  p.net = *net;
  if (addr.size() != text.size() && !port.empty()) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc{} || end != port.data() + port.size() || v > 65535)
      return make_error(errc::bad_argument, fmt::format("bad port in '{}'", text));
    p.port = static_cast<int>(v);
  } else if (addr.size() != text.size() && text.front() != '[') {
    return make_error(errc::bad_argument, fmt::format("empty port in '{}'", text));
  }
  return p;
}

result<Allowlist> Allowlist::parse(std::string_view text, std::string_view name) {
  Allowlist a;
  auto ok = for_each_line(text, name, [&](const std::vector<std::string_view>& w) -> result<void> {
    Role role = Role::any;
    std::size_t i = 0;
    if (w[0] == "miner" || w[0] == "pool") {
      role = w[0] == "miner" ? Role::miner : Role::pool;
      i = 1;
    }
    if (w.size() != i + 1)
      return make_error(errc::bad_argument, "expected one PATTERN, 'miner PATTERN' or 'pool PATTERN'");
    auto p = EndpointPattern::parse(w[i]);
    if (!p) return make_error(p.error().code, p.error().context);
    a.entries_.push_back({role, *p});
    return {};
  });
  if (!ok) return make_error(ok.error().code, ok.error().context);
  return a;
}

bool Allowlist::allows(const ConnectionInfo& c) const noexcept {
  for (const auto& e : entries_) {
    if (e.role != Role::pool && e.pattern.matches(c.client())) return true;
    if (e.role != Role::miner && e.pattern.matches(c.server())) return true;
  }
  return false;
}

result<Suppressions> Suppressions::parse(std::string_view text, std::string_view name) {
  Suppressions s;
  auto ok = for_each_line(text, name, [&](const std::vector<std::string_view>& w) -> result<void> {
    if (w.size() == 1 && w[0].starts_with("1:")) {
      s.ids_.emplace(w[0]);
      return {};
    }
    if (w.size() != 2) return make_error(errc::bad_argument, "expected a Community ID ('1:...') or 'MINER POOL'");
    auto miner = EndpointPattern::parse(w[0]);
    if (!miner) return make_error(miner.error().code, miner.error().context);
    auto pool = EndpointPattern::parse(w[1]);
    if (!pool) return make_error(pool.error().code, pool.error().context);
    s.pairs_.emplace_back(*miner, *pool);
    return {};
  });
  if (!ok) return make_error(ok.error().code, ok.error().context);
  return s;
}

bool Suppressions::suppresses(const ConnectionInfo& c, const std::string& community_id) const {
  if (ids_.count(community_id)) return true;
  for (const auto& [miner, pool] : pairs_)
    if (miner.matches(c.client()) && pool.matches(c.server())) return true;
  return false;
}

void AlertFilter::on_alert(const Alert& alert) {
  if (allow_ && allow_->allows(alert.connection)) {
    ++stats_.allowlisted;
    return;
  }
  if (suppress_) {
    const auto& m = alert.connection.client();
    const auto& p = alert.connection.server();
    if (suppress_->suppresses(alert.connection, community_id_v1(m.addr, m.port, p.addr, p.port, alert.connection.key.proto))) {
      ++stats_.suppressed;
      return;
    }
  }
  ++stats_.passed;
  next_.on_alert(alert);
}

}  // namespace xmr
