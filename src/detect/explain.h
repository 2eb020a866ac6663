#pragma once
// Explaining one connection (`xmr-ray explain`): its reconstructed slices (packets and bytes per
// direction, estimated jobs, submits, results, keepalives, ACKs and residual) and, for each
// window, the score and which features drove it. A feature's contribution is how much the score
// moves when that feature alone is set to the training median (the model's standardizer
// centre): positive pushes the window away from mining, negative towards it. Pure: no I/O.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "detect/detector.h"
#include "stratum/stratum_estimate.h"

namespace xmr {

// "10.0.0.5:50000-198.51.100.7:3333" or "[2001:db8::5]:50000-[2001:db8::7]:3333" (either order).
result<ConnectionKey> parse_connection(std::string_view text);

struct FeatureContribution {
  Feature feature{};
  double value = 0;         // raw
  double scaled = 0;        // (value - median) / IQR of the training windows
  double contribution = 0;  // score(window) - score(window with this feature at the median)
};

struct SliceExplanation {
  Slice slice;
  StratumEstimate estimate;  // with the window's learned sizes
};

struct WindowExplanation {
  std::int64_t start_ms = 0, end_ms = 0;
  bool early = false;
  bool prefiltered = false;  // bulk-sized: the detector would not score it
  double score = 0, threshold = 0;
  bool alerts = false;
  LearnedSizes sizes;
  WindowRates rates;
  std::vector<SliceExplanation> slices;
  std::vector<FeatureContribution> contributions;  // largest |contribution| first
};

struct ConnectionExplanation {
  bool found = false;
  ConnectionInfo connection;
  std::vector<WindowExplanation> windows;
};

// Runs the detector's table and windows over the records of one connection only.
class ConnectionExplainer final : private WindowSink {
 public:
  // Fails when the model's standardizer cannot be read back (a model file from another version).
  static result<std::unique_ptr<ConnectionExplainer>> create(const Model& model, const DetectorOptions& options,
                                                             const ConnectionKey& key);
  void add(const FlowRecord& record);
  void finish();
  const ConnectionExplanation& explanation() const noexcept { return out_; }

 private:
  ConnectionExplainer(const Model& model, const DetectorOptions& options, const ConnectionKey& key, Standardizer st);
  void on_window(const ConnectionInfo& connection, std::span<const Slice> window, std::uint64_t ordinal) override;

  const Model& model_;
  DetectorOptions options_;
  ConnectionKey key_;
  Standardizer standardizer_;
  ConnectionTable table_;
  WindowBuilder windows_;
  WindowFeaturizer featurizer_;
  ConnectionExplanation out_;
};

// Human text: the connection, then per window the slices and the top contributions.
std::string format_explanation(const ConnectionExplanation& e, std::size_t top_features = 5);

}  // namespace xmr
