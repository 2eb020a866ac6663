#pragma once
// One evaluation: scored items (windows of XMR-Ray, or connections/records of a baseline) with
// their ground truth, summarised at window, connection and host level (docs/evaluation.md).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "eval/labels.h"
#include "eval/metrics.h"

namespace xmr::eval {

// The false-positive rates of the paper's figure and of issue 6.
inline const std::vector<double> standard_fprs{0.0005, 0.0001, 0.00001};

struct ScoredItem {
  double suspicion = 0;                    // higher = more like mining
  const ConnectionLabel* label = nullptr;  // never null
  std::string connection;                  // "client -> server:port" (groups windows)
  std::int64_t end_ms = 0;                 // when the item could first be scored
  std::string scope;                       // the data set (lab directory): hosts of two sets are distinct
};

struct LevelSummary {
  std::string level;  // window, connection, host
  std::uint64_t positives = 0;
  std::uint64_t negatives = 0;
  double auc = 0;
  std::vector<DetectionAtFpr> at_fpr;  // one per standard_fprs
  DetectionAtFpr at_operating;         // at the detector's own threshold
  std::vector<RocPoint> roc;           // thinned to at most ~300 points for plots
};

struct GroupRow {  // per profile or per pool, at the operating threshold
  std::string name;
  bool mining = false;
  std::uint64_t connections = 0;
  std::uint64_t connections_alerted = 0;
  std::uint64_t windows = 0;
  std::uint64_t windows_alerted = 0;
};

struct TopBenign {
  std::string connection;
  std::string profile;
  std::string pool;
  double suspicion = 0;
  std::uint64_t windows = 0;
  std::uint64_t windows_alerted = 0;
};

struct Summary {
  std::string detector;
  double operating_threshold = 0;
  std::vector<LevelSummary> levels;  // window (if items are windows), connection, host
  std::vector<GroupRow> per_profile;
  std::vector<GroupRow> per_pool;    // mining pools only
  std::vector<GroupRow> per_tls;     // "tls" / "plaintext", mining only
  Delays delay;
  double base_rate = 0;              // mining share of the scored items
  double precision_at_base_rate = 0; // at the operating threshold
  std::vector<TopBenign> top_benign; // the ten most suspicious benign connections
  std::uint64_t unscored_connections = 0;  // labelled test connections without any scored item
};

// `windows_are_items`: false when a baseline scores whole connections (no window level).
// `all_connections`: every labelled connection of the test data (one item each, any score); those
// with no scored item count at connection and host level as never alerted (a connection too short
// or too bulky for a window is still a miss or a true negative), and never at window level.
Summary summarise(const std::string& detector, const std::vector<ScoredItem>& items, double operating_threshold,
                  bool windows_are_items, const std::vector<ScoredItem>& all_connections = {});

std::string connection_name(const ConnectionLabel& label);

}  // namespace xmr::eval
