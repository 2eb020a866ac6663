#pragma once
// The synth engine: spawns connections for every (group, host) of a scenario, merges all their
// packets in time order through one priority queue of next events and writes the capture and the
// ground-truth labels. Memory is bounded by the number of connections open at once.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "lab/scenario.h"

namespace xmr::lab {

struct SynthOptions {
  std::uint64_t seed = 1;
  double hours = 0;            // 0: the scenario's
  std::uint32_t hosts = 0;     // 0: the scenario's
  std::uint64_t rotate_bytes = 1ull << 30;
  std::filesystem::path out_dir;
  // Where short-lived connections' flow records go when the scenario says short_lived = "flows":
  // one nfcapd file per active timeout, metered like nfpcapd (inactive timeout inactive_timeout_s).
  std::vector<std::pair<std::uint32_t, std::filesystem::path>> flow_dirs;
  std::uint32_t inactive_timeout_s = 15;
};

struct SynthStats {
  std::uint64_t packets = 0;
  std::uint64_t pcap_bytes = 0;
  std::uint64_t connections = 0;
  std::uint64_t mining_connections = 0;
  std::uint64_t max_active_connections = 0;
  std::uint64_t flow_packets = 0;   // packets metered straight into flow records (not in the pcap)
  std::uint64_t flow_records = 0;   // records written per active timeout (the first one's count)
  double hours = 0;
  std::uint32_t hosts = 0;
  std::vector<std::filesystem::path> pcap_files;
};

result<SynthStats> run_synth(const Scenario& scenario, const SynthOptions& options);

}  // namespace xmr::lab
