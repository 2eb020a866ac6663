#include "alert_outputs/ecs_alerts.h"

#include <nlohmann/json.hpp>

#include "detect/eve_alerts.h"

namespace xmr {

std::string ecs_time(std::int64_t ms) { return utc_time_text(ms, "Z"); }

std::string ecs_alert_json(const Alert& a) {
  const auto& miner = a.connection.client();
  const auto& pool = a.connection.server();
  const nlohmann::json j = {
      {"@timestamp", ecs_time(alert_event_ms(a))},
      {"ecs", {{"version", ecs_version}}},
      {"event",
       {{"kind", "alert"},
        {"category", nlohmann::json::array({"network", "intrusion_detection"})},
        {"type", nlohmann::json::array({"connection", "info"})},
        {"module", "xmr_ray"},
        {"dataset", "xmr_ray.alert"},
        // EVE severity 2 (of 1-3, 1 highest) on ECS's 0-100 scale: "medium".
        {"severity", 47},
        // The evidence: the scored window of slices.
        {"start", ecs_time(a.window_start_ms)},
        {"end", ecs_time(a.window_end_ms)}}},
      {"source", {{"ip", miner.addr.to_string()}, {"port", miner.port}}},
      {"destination", {{"ip", pool.addr.to_string()}, {"port", pool.port}}},
      {"network",
       {{"transport", "tcp"},
        {"protocol", "stratum"},
        {"type", miner.addr.is_v4() ? "ipv4" : "ipv6"},
        {"community_id", alert_community_id(a)}}},
      {"rule",
       {{"id", std::to_string(xmr_ray_signature_id)},
        {"name", xmr_ray_signature},
        {"category", xmr_ray_category},
        {"ruleset", "xmr-ray"},
        {"version", "1"}}},
      // MITRE ATT&CK: cryptojacking is T1496 Resource Hijacking, tactic TA0040 Impact.
      {"threat",
       {{"framework", "MITRE ATT&CK"},
        {"tactic",
         {{"id", nlohmann::json::array({"TA0040"})}, {"name", nlohmann::json::array({"Impact"})}, {"reference", nlohmann::json::array({"https://attack.mitre.org/tactics/TA0040/"})}}},
        {"technique",
         {{"id", nlohmann::json::array({"T1496"})},
          {"name", nlohmann::json::array({"Resource Hijacking"})},
          {"reference", nlohmann::json::array({"https://attack.mitre.org/techniques/T1496/"})}}}}},
      {"observer", {{"vendor", "XMR-Ray"}, {"product", "xmr-ray"}, {"type", "ids"}}},
      {"xmr_ray", xmr_ray_alert_details(a)}};
  return j.dump();
}

void EcsAlertWriter::on_alert(const Alert& alert) {
  const std::string line = ecs_alert_json(alert) + "\n";
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);  // alerts are rare and must not sit in a buffer
}

}  // namespace xmr
