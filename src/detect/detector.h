#pragma once
// Detector: the pipeline for one stream of flow records. Records go into the ConnectionTable;
// closed slices become sliding windows of lW slices (WindowBuilder); each window's connection
// sizes are learned, its features computed and scored; a window at or below the model's
// threshold raises an alert. Pure: no I/O, no clock; alerts go to an AlertSink.
#include <cstdint>
#include <string>
#include <unordered_map>

#include "detect/window_builder.h"
#include "detect/window_featurizer.h"
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
  // Score early: a connection younger than lW slices is scored with the slices it has once its
  // records span this long (issue 5: every mining connection lasting >= 10 minutes must alert,
  // whatever the slice length); -1 disables. Its first full window may alert again.
  std::int64_t early_min_duration_ms = 600'000;
  std::string model_name = "model";  // goes into each alert
};

// Reconstructed message rates of one window (estimate_slice with the learned sizes).
struct WindowRates {
  double jobs_per_min = 0;
  double submits_per_min = 0;  // shares
  double results_per_min = 0;
  double keepalives_per_min = 0;
};

struct Alert {
  ConnectionInfo connection;
  std::int64_t window_start_ms = 0;
  std::int64_t window_end_ms = 0;
  std::size_t slices = 0;         // slices with traffic in the window
  std::size_t window_slices = 0;  // lW
  std::int64_t slice_ms = 0;
  bool early = false;             // scored before lW slices (score early)
  bool update = false;            // not the connection's first alert
  bool one_sided = false;         // one direction has no packets in the window (asymmetric routing)
  double score = 0;
  double threshold = 0;
  std::string model;
  LearnedSizes sizes;
  WindowRates rates;
  FeatureVector features{};
  std::uint64_t windows_scored = 0;  // of this connection, including this one
};

// "likely" when the learned result size is above the plaintext range (a TLS record adds 22-29 B,
// message_sizes.h), "no" when inside it, "unknown" when no result size was learned.
std::string_view tls_guess(const LearnedSizes& sizes) noexcept;

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual void on_alert(const Alert& alert) = 0;
};

struct DetectorStats {
  std::uint64_t windows_scored = 0;
  std::uint64_t windows_prefiltered = 0;    // bulk-sized windows never scored (prefilter.h)
  std::uint64_t windows_early = 0;          // scored before lW slices
  std::uint64_t windows_one_sided = 0;      // scored with one direction empty (degraded)
  std::uint64_t alerts = 0;
  std::uint64_t alert_updates = 0;          // of which not the connection's first
  std::uint64_t connections_scored = 0;     // connections with at least one scored window
  std::uint64_t connections_too_short = 0;  // retired before any window: never scored
};

// The features of one window with sizes learned from that window alone (explain uses it for the
// bulk-sized windows detection never scores; WindowFeaturizer is what detection uses).
FeatureVector features_of_window(const ConnectionInfo& connection, std::span<const Slice> window,
                                 std::int64_t slice_ms, LearnedSizes* sizes_out = nullptr);
WindowRates rates_of_window(std::span<const Slice> window, const LearnedSizes& sizes, std::int64_t slice_ms);

class Detector final : private WindowSink {
 public:
  Detector(const Model& model, DetectorOptions options);
  void add(const FlowRecord& record, AlertSink& alerts);
  // The stream's data time moved on (records of other shards): closes slices as add() would.
  void observe_time(std::int64_t now_ms, AlertSink& alerts);
  void finish(AlertSink& alerts);  // end of input
  const DetectorStats& stats() const noexcept { return stats_; }
  const ConnectionTable& table() const noexcept { return table_; }
  const DetectorOptions& options() const noexcept { return options_; }

 private:
  void on_window(const ConnectionInfo& connection, std::span<const Slice> window, std::uint64_t ordinal) override;
  void on_connection_end(const ConnectionInfo& connection, std::uint64_t windows) override;

  struct AlertState {
    std::uint64_t last_ordinal = 0;
    bool full_alerted = false;  // an alert from a full lW window was raised
  };
  const Model& model_;
  DetectorOptions options_;
  ConnectionTable table_;
  WindowBuilder windows_;
  WindowFeaturizer featurizer_;
  std::unordered_map<ConnectionKey, AlertState, ConnectionKeyHash> alerted_;
  AlertSink* alerts_ = nullptr;
  DetectorStats stats_;
};

}  // namespace xmr
