#pragma once
// Detector: the pipeline for one stream of flow records. Records go into the ConnectionTable;
// every closed slice extends its connection's window; once a connection has lW slices, each new
// slice scores the window of the last lW (windows slide by one slice) and a window at or below
// the model's threshold raises an alert. Pure: no I/O, no clock; alerts go to an AlertSink.
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "features/window_features.h"
#include "flow/connection_table.h"
#include "model/model.h"
#include "stratum/size_learning.h"

namespace xmr {

struct DetectorOptions {
  ConnectionTableOptions table;
  std::size_t window_slices = 10;  // lW
  // After an alert, a connection alerts again only after this many more windows (a miner that
  // runs for a day should not raise 288 alerts at 5-minute slices).
  std::size_t realert_windows = 12;
};

struct Alert {
  ConnectionInfo connection;
  std::int64_t window_start_ms = 0;
  std::int64_t window_end_ms = 0;
  std::size_t slices = 0;
  double score = 0;
  double threshold = 0;
  LearnedSizes sizes;
  FeatureVector features{};
  std::uint64_t windows_scored = 0;  // of this connection, including this one
};

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual void on_alert(const Alert& alert) = 0;
};

struct DetectorStats {
  std::uint64_t windows_scored = 0;
  std::uint64_t alerts = 0;
  std::uint64_t connections_scored = 0;   // connections that reached lW slices
  std::uint64_t connections_too_short = 0;  // retired before lW slices: never scored (pre-filter)
};

class Detector final : private SliceSink {
 public:
  Detector(const Model& model, DetectorOptions options);
  void add(const FlowRecord& record, AlertSink& alerts);
  void finish(AlertSink& alerts);  // end of input
  const DetectorStats& stats() const noexcept { return stats_; }
  const ConnectionTable& table() const noexcept { return table_; }

 private:
  struct Track {
    std::deque<Slice> window;
    std::uint64_t windows_scored = 0;
    std::uint64_t last_alert_window = 0;  // 0: never
  };
  void on_slice(const ConnectionInfo& connection, const Slice& slice) override;
  void on_close(const ConnectionInfo& connection) override;

  const Model& model_;
  DetectorOptions options_;
  ConnectionTable table_;
  std::unordered_map<ConnectionKey, Track, ConnectionKeyHash> tracks_;
  AlertSink* alerts_ = nullptr;
  DetectorStats stats_;
};

}  // namespace xmr
