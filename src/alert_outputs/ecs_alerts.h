#pragma once
// Alerts as Elastic Common Schema (ECS 8.11) JSON lines, for Elasticsearch/OpenSearch pipelines
// that expect ECS rather than Suricata EVE: @timestamp, event.kind "alert", event.category
// ["network", "intrusion_detection"], source (the miner) and destination (the pool) ip/port,
// network.community_id, rule.*, threat.* (MITRE ATT&CK T1496 Resource Hijacking) and the same
// "xmr_ray" object as EVE (custom fields outside the ECS namespaces, as ECS allows).
// docs/alerts.md lists every field.
#include <cstdio>
#include <string>

#include "detect/detector.h"

namespace xmr {

inline constexpr const char* ecs_version = "8.11.0";

// ISO 8601 UTC with milliseconds and a 'Z' ("2025-11-24T16:00:00.000Z"), as ECS examples write it.
std::string ecs_time(std::int64_t ms);
std::string ecs_alert_json(const Alert& alert);

class EcsAlertWriter final : public AlertSink {
 public:
  explicit EcsAlertWriter(std::FILE* out) : out_(out) {}
  void on_alert(const Alert& alert) override;

 private:
  std::FILE* out_;
};

}  // namespace xmr
