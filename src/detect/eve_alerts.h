#pragma once
// Alerts as Suricata-EVE-style JSON lines (one object per line), so that SIEMs that already
// ingest Suricata's eve.json take them unchanged: timestamp, event_type "alert", src/dest
// ip/port, proto, alert{signature, category, severity}, plus an "xmr_ray" object that says why.
#include <cstdio>
#include <string>

#include "core/source_catalog.h"
#include "detect/detector.h"

namespace xmr {

std::string eve_alert_json(const Alert& alert);

class EveAlertWriter final : public AlertSink {
 public:
  explicit EveAlertWriter(std::FILE* out) : out_(out) {}
  void on_alert(const Alert& alert) override;

 private:
  std::FILE* out_;
};

}  // namespace xmr
