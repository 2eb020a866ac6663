#pragma once
// Alerts as Suricata-EVE-style JSON lines (one object per line), so that SIEMs that already
// ingest Suricata's eve.json take them unchanged: timestamp, event_type "alert", src (the miner)
// and dest (the pool) ip/port, proto, app_proto "stratum", community_id (v1), alert{signature_id,
// signature, category, severity}, plus an "xmr_ray" object that says why. docs/alerts.md
// describes every field; docs/alert.schema.json is the contract the tests check.
#include <cstdio>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "detect/detector.h"

namespace xmr {

// Suricata's own signature ids for its rules are < 9,000,000 in the ET/ETPRO sets we know of;
// 9,000,001 is ours (documented in docs/alerts.md so a SIEM rule can key on it).
inline constexpr int xmr_ray_signature_id = 9'000'001;

// RFC 3339 with milliseconds in UTC, followed by `zone` ("+0000" for EVE, "Z" for ECS and syslog).
std::string utc_time_text(std::int64_t ms, std::string_view zone);
// As EVE writes it ("2025-11-24T16:00:00.000+0000").
std::string eve_time(std::int64_t ms);
std::string eve_alert_json(const Alert& alert);

// Shared with the other alert formats (src/alert_outputs), so that every format says the same
// thing: the time of the evidence (the window's end, or the connection's last record if earlier),
// the miner/pool Community ID and the "xmr_ray" object (score, window, rates, sizes, features).
std::int64_t alert_event_ms(const Alert& alert);
std::string alert_community_id(const Alert& alert);
nlohmann::json xmr_ray_alert_details(const Alert& alert);
inline constexpr const char* xmr_ray_signature = "XMR-Ray: connection behaves like a Stratum mining session";
inline constexpr const char* xmr_ray_category = "Crypto Currency Mining Activity Detected";

class EveAlertWriter final : public AlertSink {
 public:
  explicit EveAlertWriter(std::FILE* out) : out_(out) {}
  void on_alert(const Alert& alert) override;

 private:
  std::FILE* out_;
};

}  // namespace xmr
