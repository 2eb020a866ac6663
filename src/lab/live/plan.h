#pragma once
// Which connections a live run opens: the synth engine's host assignment and per-host draws
// (src/lab/synth_engine.cpp: hosts per group, IPv6 choice from the host's own stream, TLS and
// hashrate from the group-host stream, start within the first two minutes), repeated here so the
// same scenario and seed give both engines the same hosts, addresses, hashrates and start times.
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "lab/live/client_agent.h"
#include "lab/live/stratum_params.h"
#include "lab/scenario.h"

namespace xmr::lab::live {

enum class AgentKind { miner, mqtt, redis };

struct PlannedConnection {
  std::size_t group = 0;
  AgentKind kind = AgentKind::miner;
  const ProfileInfo* profile = nullptr;
  const ServerSpec* server = nullptr;
  std::uint32_t host = 0;
  Endpoint client, server_at;
  bool tls_wanted = false;   // the scenario drew TLS; the live engine runs it in plaintext
  double hashrate_hs = 0;
  std::int64_t start_us = 0; // simulated
  std::uint64_t seed = 0;
  MoneroParams monero;       // miners
  double period_s = 0;       // benign: publish / message period
  std::string channel;       // redis
};

struct LivePlan {
  double hours = 0;
  std::uint32_t hosts = 0;
  std::int64_t start_us = 0, end_us = 0;
  std::vector<PlannedConnection> connections;
  std::vector<std::string> skipped_groups;  // "profile@server" the live engine does not play
};

result<LivePlan> make_live_plan(const Scenario& sc, std::uint64_t seed, double hours, std::uint32_t hosts);

}  // namespace xmr::lab::live
