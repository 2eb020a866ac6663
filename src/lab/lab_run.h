#pragma once
// `xmr-ray lab`: runs an engine, then meters the capture into nfcapd files with the real nfpcapd
// for each requested active timeout, and writes DIR/manifest.json.
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "lab/synth_engine.h"

namespace xmr::lab {

struct LabOptions {
  std::string engine = "synth";
  std::string scenario;                      // NAME or FILE
  std::vector<std::string> scenario_dirs;    // where NAME is looked up
  double hours = 0;
  std::uint32_t hosts = 0;
  std::uint64_t seed = 1;
  std::string out_dir;
  std::vector<std::uint32_t> active_timeouts_s{60, 300, 1800};
  std::uint32_t inactive_timeout_s = 15;
  std::uint64_t rotate_mb = 1024;
  std::string nfpcapd = "nfpcapd";
  std::string version;
};

struct LabResult {
  SynthStats synth;
  double synth_seconds = 0;
  double meter_seconds = 0;
};

result<LabResult> run_lab(const LabOptions& options);

}  // namespace xmr::lab
