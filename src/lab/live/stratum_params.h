#pragma once
// Monero Stratum timing shared by the live pool and miner, taken from the profile a scenario group
// names. The numbers are the synth profiles' (src/lab/profiles_mining.cpp, sources there): Monero
// block time 120 s (cryptonote_config.h DIFFICULTY_TARGET_V2), p2pool side-chain blocks ~10 s,
// XMRig keepalive after 60 s without a send (Client.cpp kKeepAliveTimeout), vardiff aiming at one
// share per 30 s, pool floor 1000 (10000 for weak rigs), fixed 120000 for throttled malware.
#include <string>

#include "lab/profile.h"

namespace xmr::lab::live {

struct MoneroParams {
  double job_mean_s = 120;       // new block -> job push to every miner of the pool
  double refresh_mean_s = 900;   // per-miner template refresh pushes (0: none)
  double share_target_s = 30;    // vardiff aim
  double floor_difficulty = 1000;
  double fixed_difficulty = 0;   // > 0: the miner asks for it at login ("wallet+diff")
  double keepalive_s = 60;
};

// The Monero profiles one XMRig-like miner against one pool plays faithfully; proxies (one upstream
// for many rigs) and failover (reconnects to a backup pool) need more than that and are skipped.
inline bool live_plays_monero(const ProfileInfo& p) {
  return p.name == "xmrig-nodejs-pool" || p.name == "xmrig-p2pool" || p.name == "weak-rig" || p.name == "strong-rig" ||
         p.name == "throttled-malware";
}

inline MoneroParams monero_params_for(const std::string& profile, const ProfileParams& pp) {
  MoneroParams m;
  if (profile == "xmrig-p2pool") {
    m.job_mean_s = 10;
    m.refresh_mean_s = 0;
  } else if (profile == "weak-rig") {
    m.fixed_difficulty = 10000;  // the floor a few H/s never lifts: vardiff would stay there
  } else if (profile == "throttled-malware") {
    m.fixed_difficulty = 120000;
  }
  if (pp.job_mean_s > 0) m.job_mean_s = pp.job_mean_s;
  if (pp.difficulty > 0) m.fixed_difficulty = pp.difficulty;
  return m;
}

}  // namespace xmr::lab::live
