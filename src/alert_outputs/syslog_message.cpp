#include "alert_outputs/syslog_message.h"

#include <array>
#include <charconv>

#include <fmt/format.h>

#include "alert_outputs/ecs_alerts.h"
#include "detect/eve_alerts.h"

namespace xmr {

namespace {

// RFC 5424 §6.2.1, table 1 (names as syslog.conf(5) spells them).
constexpr std::array<std::string_view, 24> facility_names = {
    "kern",     "user",  "mail",   "daemon", "auth",   "syslog", "lpr",    "news",
    "uucp",     "cron",  "authpriv", "ftp",  "ntp",    "security", "console", "clock",
    "local0",   "local1", "local2", "local3", "local4", "local5", "local6", "local7"};
// Table 2.
constexpr std::array<std::string_view, 8> severity_names = {"emerg",   "alert",  "crit", "err",
                                                            "warning", "notice", "info", "debug"};

template <std::size_t N>
result<int> parse_name_or_number(std::string_view text, const std::array<std::string_view, N>& names,
                                 const char* what) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (text == names[i]) return static_cast<int>(i);
  int n = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec == std::errc{} && end == text.data() + text.size() && n >= 0 && n < static_cast<int>(N)) return n;
  return make_error(errc::bad_argument, fmt::format("unknown syslog {} '{}' (a name such as {} or {}, or 0-{})", what,
                                                    text, names.front(), names.back(), N - 1));
}

std::string endpoint_text(const Endpoint& e) {
  return e.addr.is_v4() ? fmt::format("{}:{}", e.addr.to_string(), e.port)
                        : fmt::format("[{}]:{}", e.addr.to_string(), e.port);
}

}  // namespace

result<int> parse_syslog_facility(std::string_view text) { return parse_name_or_number(text, facility_names, "facility"); }
result<int> parse_syslog_severity(std::string_view text) { return parse_name_or_number(text, severity_names, "severity"); }

std::string syslog_sd_escape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '"' || c == '\\' || c == ']') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string syslog_alert_message(const Alert& a, const SyslogPriority& priority, const SyslogOrigin& origin,
                                 std::int64_t now_ms) {
  const auto& miner = a.connection.client();
  const auto& pool = a.connection.server();
  const std::string community_id = alert_community_id(a);
  const auto param = [](std::string_view name, std::string_view value) {
    return fmt::format(" {}=\"{}\"", name, syslog_sd_escape(value));
  };
  std::string sd = fmt::format("[{}", syslog_sd_id);
  sd += param("host", miner.addr.to_string());
  sd += param("host_port", std::to_string(miner.port));
  sd += param("pool", pool.addr.to_string());
  sd += param("pool_port", std::to_string(pool.port));
  sd += param("score", fmt::format("{:.6g}", a.score));
  sd += param("threshold", fmt::format("{:.6g}", a.threshold));
  sd += param("community_id", community_id);
  sd += param("event_time", ecs_time(alert_event_ms(a)));
  sd += param("model", a.model);
  sd += param("update", a.update ? "1" : "0");
  sd += param("signature_id", std::to_string(xmr_ray_signature_id));
  sd += "]";
  // TIMESTAMP: RFC 3339 with 'Z' (§6.2.3); HOSTNAME, APP-NAME, PROCID are PRINTUSASCII, so a
  // host name is used as the system reports it, and an empty one is the NILVALUE.
  return fmt::format("<{}>1 {} {} {} {} alert {} mining: host {} pool {} score {:.6g} threshold {:.6g} community_id {}",
                     priority.pri(), ecs_time(now_ms), origin.hostname.empty() ? "-" : origin.hostname,
                     origin.app_name.empty() ? "-" : origin.app_name, origin.procid.empty() ? "-" : origin.procid, sd,
                     endpoint_text(miner), endpoint_text(pool), a.score, a.threshold, community_id);
}

}  // namespace xmr
