#pragma once
// Alerts as RFC 5424 syslog messages. One alert is one message: the header (PRI, VERSION 1,
// TIMESTAMP, HOSTNAME, APP-NAME, PROCID, MSGID "alert"), one structured-data element with the key
// fields for parsers and a compact MSG with the same fields for people and for receivers that
// drop structured data. Pure: the caller passes the time, host name and process id.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "detect/detector.h"

namespace xmr {

// RFC 5424 §6.3.2: an SD-ID without '@' is reserved for IANA; ours is NAME@PEN. XMR-Ray has no
// private enterprise number of its own, so it uses 32473, the one RFC 5612 reserves for
// documentation and examples.
inline constexpr std::string_view syslog_sd_id = "xmr-ray@32473";

// RFC 5424 §6.2.1 tables 1 and 2.
struct SyslogPriority {
  // local5: what Suricata's syslog alert output uses by default, so that rules that already route
  // IDS alerts catch ours.
  int facility = 21;
  int severity = 4;  // warning: an alert to look at, not an outage
  int pri() const noexcept { return facility * 8 + severity; }
};

// "kern", "user", ..., "local0".."local7" or a number 0-23.
[[nodiscard]] result<int> parse_syslog_facility(std::string_view text);
// "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug" or a number 0-7.
[[nodiscard]] result<int> parse_syslog_severity(std::string_view text);

struct SyslogOrigin {
  std::string hostname = "-";  // RFC 5424 NILVALUE when unknown
  std::string app_name = "xmr-ray";
  std::string procid = "-";
};

// RFC 5424 §6.3.3: inside PARAM-VALUE, '"', '\' and ']' are escaped with '\'.
std::string syslog_sd_escape(std::string_view value);

// The whole message, without trailing newline (RFC 5426: one message per UDP datagram).
// `now_ms` is the header's TIMESTAMP (when the message is sent); the evidence time is the
// structured-data parameter "event_time".
std::string syslog_alert_message(const Alert& alert, const SyslogPriority& priority, const SyslogOrigin& origin,
                                 std::int64_t now_ms);

}  // namespace xmr
