#pragma once
// Alerts as Suricata-EVE-style JSON lines (one object per line), so that SIEMs that already
// ingest Suricata's eve.json take them unchanged: timestamp, event_type "alert", src (the miner)
// and dest (the pool) ip/port, proto, app_proto "stratum", community_id (v1), alert{signature_id,
// signature, category, severity}, plus an "xmr_ray" object that says why. docs/alerts.md
// describes every field; docs/alert.schema.json is the contract the tests check.
#include <cstdio>
#include <string>

#include "detect/detector.h"

namespace xmr {

// Suricata's own signature ids for its rules are < 9,000,000 in the ET/ETPRO sets we know of;
// 9,000,001 is ours (documented in docs/alerts.md so a SIEM rule can key on it).
inline constexpr int xmr_ray_signature_id = 9'000'001;

// RFC 3339 with milliseconds, UTC, as EVE writes it ("2025-11-24T16:00:00.000+0000").
std::string eve_time(std::int64_t ms);
std::string eve_alert_json(const Alert& alert);

class EveAlertWriter final : public AlertSink {
 public:
  explicit EveAlertWriter(std::FILE* out) : out_(out) {}
  void on_alert(const Alert& alert) override;

 private:
  std::FILE* out_;
};

}  // namespace xmr
