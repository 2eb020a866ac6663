#pragma once
// Labelled windows: run flow records through the same table and window builder as detection,
// and keep each window's features with its connection's ground-truth label. Training takes the
// mining ones; evaluation scores both.
#include <cstdint>
#include <vector>

#include "detect/detector.h"
#include "detect/window_builder.h"
#include "eval/labels.h"

namespace xmr {

struct LabelledWindow {
  FeatureVector features{};
  bool mining = false;
  ConnectionKey connection;
  std::uint64_t ordinal = 0;  // window number within the connection
  const ConnectionLabel* label = nullptr;  // into the LabelSet, which must outlive the window
  std::int64_t end_ms = 0;    // end of the window's last slice: when detection could first score it
};

struct LabelledWindowStats {
  std::uint64_t windows = 0;
  std::uint64_t mining_windows = 0;
  std::uint64_t unlabelled_windows = 0;  // connections missing from labels.csv: left out, counted
  std::uint64_t prefiltered_windows = 0;  // bulk-sized: detection never scores them, so neither do we
};

class LabelledWindowCollector final : public WindowSink {
 public:
  LabelledWindowCollector(const LabelSet& labels, std::int64_t slice_ms) : labels_(labels), slice_ms_(slice_ms) {}
  void on_window(const ConnectionInfo& connection, std::span<const Slice> window, std::uint64_t ordinal) override;
  void on_connection_end(const ConnectionInfo& connection, std::uint64_t windows) override;
  std::vector<LabelledWindow>& windows() noexcept { return windows_; }
  const LabelledWindowStats& stats() const noexcept { return stats_; }

 private:
  const LabelSet& labels_;
  std::int64_t slice_ms_;
  WindowFeaturizer featurizer_;  // as the Detector computes features
  std::vector<LabelledWindow> windows_;
  LabelledWindowStats stats_;
};

}  // namespace xmr
