#pragma once
// Baselines run on the same flow records and splits as XMR-Ray (issue 6, docs/evaluation.md):
//   munoz_c45     Muñoz, Suárez-Varela, Barlet-Ros, "Detecting cryptocurrency miners with
//                 NetFlow/IPFIX network measurements", IEEE BlackSeaCom 2019: per-flow NetFlow
//                 features (packets, bytes, bytes per packet, duration, rates, both directions of
//                 each flow matched) and a C4.5 decision tree trained on mining AND benign flows.
//   munoz_oneclass the same features, one-class (k-nearest-neighbour distance to mining flows):
//                 separates the effect of the features from that of supervision.
//   nemea         CESNET Nemea-Detectors miner_detector (miner_detector.h / .cpp,
//                 compute_suspect_score): per (source, destination, destination port) score from the
//                 ACK/ACK+PSH flow share, bytes per packet, packets per flow, packets per minute and
//                 active time, alert at score >= 7 (userConfigFile.xml), without the active Stratum probe.
//   vesely_j48    Veselý, Žádník, "How to detect cryptocurrency miners? By traffic forensics!",
//                 Digital Investigation 31, 2019: per src/dst/port group ratios (ACK+PSH flows, bytes
//                 per packet, packets per flow, packets per minute, request flows, SYN/RST/FIN flows;
//                 the feature list of github.com/nesfit/DI-cryptominingdetection) with J48 (our C4.5).
//   ports_pools   known mining ports, or a pool address seen mining in the training data: what a
//                 firewall rule list catches.
// A flow "record" for Muñoz is one connection's two directions in one active-timeout bin, which
// is what an exporter with that active timeout emits, paired.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/flow_record.h"
#include "eval/evaluation.h"
#include "eval/labels.h"

namespace xmr::eval {

// Collects, per labelled connection, what the baselines need from its records.
class FlowTap {
 public:
  explicit FlowTap(std::int64_t bin_ms) : bin_ms_(bin_ms) {}
  // `scope` names the data set, so that equal addresses in two lab runs stay two connections.
  void add(const FlowRecord& r, const ConnectionLabel& label, const std::string& scope);

  struct Bin {  // both directions of one connection in one active-timeout bin
    std::uint64_t up_pkts = 0, up_bytes = 0, down_pkts = 0, down_bytes = 0;
    std::int64_t first_ms = INT64_MAX, last_ms = INT64_MIN;
  };
  struct NemeaState {  // one miner_detector suspect (src, dst, dst port)
    std::uint64_t ack_flows = 0, ackpush_flows = 0, other_flows = 0, pkts = 0, bytes = 0;
    std::int64_t last_seen_s = 0, last_exported_s = 0;
    bool started = false;
    double max_score = 0;
    std::int64_t first_alert_ms = -1;
  };
  struct GroupState {  // Veselý-Žádník group counters (client -> server records)
    std::uint64_t flows = 0, ackpush = 0, req = 0, syn = 0, rst = 0, fin = 0, pkts = 0, bytes = 0;
    std::int64_t first_ms = INT64_MAX, last_ms = INT64_MIN;
    std::vector<std::pair<std::int64_t, std::vector<double>>> snapshots;  // (time, features) per bin
  };
  struct Connection {
    const ConnectionLabel* label = nullptr;
    std::string scope;
    std::map<std::int64_t, Bin> bins;
    NemeaState nemea_up, nemea_down;
    GroupState group;
  };
  std::map<std::string, Connection>& connections() { return connections_; }
  const std::map<std::string, Connection>& connections() const { return connections_; }
  std::int64_t bin_ms() const noexcept { return bin_ms_; }

 private:
  std::int64_t bin_ms_;
  std::map<std::string, Connection> connections_;
};

std::vector<double> munoz_features(const FlowTap::Bin& b);
std::vector<double> vesely_features(const FlowTap::GroupState& g);
double nemea_score(const FlowTap::NemeaState& s);

struct BaselineRun {
  std::string name;
  std::string description;
  std::vector<ScoredItem> items;  // per flow record / group snapshot, grouped by connection
  double operating_threshold = 0;
  bool supervised = false;
  std::string note;
};

// Trains on `train` (supervised ones use both labels) and scores every record of `test`.
std::vector<BaselineRun> run_baselines(const FlowTap& train, const FlowTap& test, std::uint64_t seed);

}  // namespace xmr::eval
