#pragma once
// AlertSummary: what the analyst reads after a run: one row per alerted connection (miner host,
// pool address:port, first seen, duration, score, estimated jobs/min and shares/min, TLS guess)
// and a roll-up per miner host. Collects alerts (an AlertSink); formats text, does no I/O.
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "detect/detector.h"

namespace xmr {

class AlertSummary final : public AlertSink {
 public:
  void on_alert(const Alert& alert) override;
  std::size_t connections() const noexcept { return rows_.size(); }
  std::size_t hosts() const;
  std::string table() const;   // empty-run text when no alert
  std::string rollup() const;

 private:
  struct Row {
    ConnectionInfo connection;
    double best_score = 0;
    double threshold = 0;
    WindowRates rates;  // of the latest alert
    std::string tls;
    std::uint64_t alerts = 0;
  };
  std::unordered_map<ConnectionKey, Row, ConnectionKeyHash> rows_;
};

}  // namespace xmr
