#pragma once
// Detector: the pipeline for one stream of flow records. Records go into the ConnectionTable;
// closed slices become sliding windows of lW slices (WindowBuilder); each window's connection
// sizes are learned, its features computed and scored; a window at or below the model's
// threshold raises an alert. Pure: no I/O, no clock; alerts go to an AlertSink.
#include <cstdint>
#include <unordered_map>

#include "detect/window_builder.h"
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
  std::uint64_t windows_prefiltered = 0;    // bulk-sized windows never scored (prefilter.h)
  std::uint64_t alerts = 0;
  std::uint64_t connections_scored = 0;     // connections that reached lW slices
  std::uint64_t connections_too_short = 0;  // retired before lW slices: never scored (pre-filter)
};

// The features of one window, as the detector and the trainer both compute them.
FeatureVector features_of_window(const ConnectionInfo& connection, std::span<const Slice> window,
                                 std::int64_t slice_ms, LearnedSizes* sizes_out = nullptr);

class Detector final : private WindowSink {
 public:
  Detector(const Model& model, DetectorOptions options);
  void add(const FlowRecord& record, AlertSink& alerts);
  void finish(AlertSink& alerts);  // end of input
  const DetectorStats& stats() const noexcept { return stats_; }
  const ConnectionTable& table() const noexcept { return table_; }

 private:
  void on_window(const ConnectionInfo& connection, std::span<const Slice> window, std::uint64_t ordinal) override;
  void on_connection_end(const ConnectionInfo& connection, std::uint64_t windows) override;

  const Model& model_;
  DetectorOptions options_;
  ConnectionTable table_;
  WindowBuilder windows_;
  std::unordered_map<ConnectionKey, std::uint64_t, ConnectionKeyHash> last_alert_;  // window ordinal
  AlertSink* alerts_ = nullptr;
  DetectorStats stats_;
};

}  // namespace xmr
