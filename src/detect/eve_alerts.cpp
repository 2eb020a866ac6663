#include "detect/eve_alerts.h"

#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace xmr {

namespace {
// RFC 3339 with milliseconds, UTC, as EVE writes it.
std::string iso_time(std::int64_t ms) {
  const std::time_t s = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+0000", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ((ms % 1000) + 1000) % 1000);
}
}  // namespace

std::string eve_alert_json(const Alert& a) {
  nlohmann::json features = nlohmann::json::object();
  for (std::size_t i = 0; i < feature_count; ++i) features[std::string(feature_name(static_cast<Feature>(i)))] = a.features[i];
  const nlohmann::json j = {
      {"timestamp", iso_time(a.window_end_ms)},
      {"event_type", "alert"},
      {"src_ip", a.connection.client().addr.to_string()},
      {"src_port", a.connection.client().port},
      {"dest_ip", a.connection.server().addr.to_string()},
      {"dest_port", a.connection.server().port},
      {"proto", "TCP"},
      {"alert",
       {{"action", "allowed"},
        {"signature_id", 9'000'001},
        {"signature", "XMR-Ray: connection behaves like a Stratum mining session"},
        {"category", "Crypto Currency Mining Activity Detected"},
        {"severity", 2}}},
      {"xmr_ray",
       {{"score", a.score},
        {"threshold", a.threshold},
        {"window_start", iso_time(a.window_start_ms)},
        {"window_end", iso_time(a.window_end_ms)},
        {"slices", a.slices},
        {"windows_scored", a.windows_scored},
        {"connection_start", iso_time(a.connection.first_ms)},
        {"client_basis", to_string(a.connection.basis)},
        {"learned_sizes",
         {{"header", a.sizes.header_bytes},
          {"job", a.sizes.job},
          {"result", a.sizes.result},
          {"submit", a.sizes.submit},
          {"keepalive", a.sizes.keepalive}}},
        {"features", features}}}};
  return j.dump();
}

void EveAlertWriter::on_alert(const Alert& alert) {
  const std::string line = eve_alert_json(alert) + "\n";
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);  // alerts are rare and must not sit in a buffer
}

}  // namespace xmr
