#pragma once
// `xmr-ray lab --engine live`: the scenario played by real processes over real kernel TCP in
// network namespaces the lab creates (docs/lab-live.md). Writes the same outputs as the synth
// engine: capture*.pcap, labels.csv, messages.csv, manifest.json and nf-T/ from nfpcapd.
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "lab/lab_run.h"

namespace xmr::lab::live {

struct LiveStats {
  std::uint64_t packets = 0, pcap_bytes = 0;
  std::uint64_t connections = 0, mining_connections = 0;
  std::uint64_t messages = 0;
  std::uint64_t tls_as_plaintext = 0;       // hosts the scenario wants on TLS, run in plaintext
  std::vector<std::string> skipped_groups;  // profiles the live engine does not play (yet)
  std::uint64_t protocol_errors = 0;        // client-side: unparseable or error replies, early closes
  std::uint64_t pool_errors = 0;            // requests our pool rejected
  std::uint64_t pool_jobs = 0, pool_submits = 0, pool_keepalives = 0, pool_retargets = 0;
  std::uint64_t redis_published = 0;
  std::vector<std::string> first_errors;
  double hours = 0;
  std::uint32_t hosts = 0;
  double speed = 1;
  double run_seconds = 0;    // wall time of the traffic part
  double meter_seconds = 0;  // nfpcapd
};

// Options as for synth (LabOptions), plus the speed factor K (timers / K, timestamps x K).
result<LiveStats> run_live_lab(const LabOptions& options, double speed);

}  // namespace xmr::lab::live
