#include "eval/labelled_windows.h"

#include "detect/prefilter.h"

namespace xmr {

void LabelledWindowCollector::on_window(const ConnectionInfo& connection, std::span<const Slice> window,
                                        std::uint64_t ordinal) {
  const ConnectionLabel* label = labels_.find(connection.key);
  if (label == nullptr) {
    ++stats_.unlabelled_windows;
    return;
  }
  if (!stratum_sized(window)) {
    ++stats_.prefiltered_windows;
    return;
  }
  ++stats_.windows;
  stats_.mining_windows += label->mining;
  windows_.push_back(LabelledWindow{featurizer_.features(connection, window, slice_ms_), label->mining, connection.key, ordinal,
                                    label, window.back().start_ms + slice_ms_});
}

void LabelledWindowCollector::on_connection_end(const ConnectionInfo& connection, std::uint64_t) {
  featurizer_.forget(connection.key);
}

}  // namespace xmr
