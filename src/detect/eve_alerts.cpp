#include "detect/eve_alerts.h"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "detect/community_id.h"

namespace xmr {

std::string utc_time_text(std::int64_t ms, std::string_view zone) {
  const std::time_t s = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}{}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ((ms % 1000) + 1000) % 1000, zone);
}

std::string eve_time(std::int64_t ms) { return utc_time_text(ms, "+0000"); }

std::int64_t alert_event_ms(const Alert& a) {
  return std::min(a.window_end_ms, std::max(a.connection.last_ms, a.window_start_ms));
}

std::string alert_community_id(const Alert& a) {
  const auto& miner = a.connection.client();
  const auto& pool = a.connection.server();
  return community_id_v1(miner.addr, miner.port, pool.addr, pool.port, a.connection.key.proto);
}

nlohmann::json xmr_ray_alert_details(const Alert& a) {
  nlohmann::json features = nlohmann::json::object();
  for (std::size_t i = 0; i < feature_count; ++i) features[std::string(feature_name(static_cast<Feature>(i)))] = a.features[i];
  return {{"score", a.score},
          {"threshold", a.threshold},
          {"model", a.model},
          {"update", a.update},
          {"early", a.early},
          {"one_sided", a.one_sided},
          {"window",
           {{"start", eve_time(a.window_start_ms)},
            {"end", eve_time(a.window_end_ms)},
            {"slices", a.window_slices},
            {"slices_with_traffic", a.slices},
            {"slice_seconds", a.slice_ms / 1000}}},
          {"rates",
           {{"jobs_per_min", a.rates.jobs_per_min},
            {"shares_per_min", a.rates.submits_per_min},
            {"results_per_min", a.rates.results_per_min},
            {"keepalives_per_min", a.rates.keepalives_per_min}}},
          {"first_record", eve_time(a.connection.first_ms)},
          // Up to the window's end: how far past it the input had been read when the window was
          // scored depends on the reader's lateness (detect and collect differ), not on the traffic.
          {"last_record", eve_time(std::min(a.connection.last_ms, a.window_end_ms))},
          {"windows_scored", a.windows_scored},
          {"client_basis", to_string(a.connection.basis)},
          {"tls", tls_guess(a.sizes)},
          {"learned_sizes",
           {{"header", a.sizes.header_bytes},
            {"job", a.sizes.job},
            {"result", a.sizes.result},
            {"submit", a.sizes.submit},
            {"keepalive", a.sizes.keepalive}}},
          {"features", features}};
}

std::string eve_alert_json(const Alert& a) {
  const auto& miner = a.connection.client();
  const auto& pool = a.connection.server();
  const nlohmann::json j = {
      {"timestamp", eve_time(alert_event_ms(a))},
      {"event_type", "alert"},
      {"src_ip", miner.addr.to_string()},
      {"src_port", miner.port},
      {"dest_ip", pool.addr.to_string()},
      {"dest_port", pool.port},
      {"proto", "TCP"},
      {"app_proto", "stratum"},
      {"community_id", alert_community_id(a)},
      {"alert",
       {{"action", "allowed"},
        {"gid", 1},
        {"signature_id", xmr_ray_signature_id},
        {"rev", 1},
        {"signature", xmr_ray_signature},
        {"category", xmr_ray_category},
        {"severity", 2}}},
      {"xmr_ray", xmr_ray_alert_details(a)}};
  return j.dump();
}

void EveAlertWriter::on_alert(const Alert& alert) {
  const std::string line = eve_alert_json(alert) + "\n";
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);  // alerts are rare and must not sit in a buffer
}

}  // namespace xmr
