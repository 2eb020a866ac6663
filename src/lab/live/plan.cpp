#include "lab/live/plan.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lab/payloads.h"

namespace xmr::lab::live {

namespace {

IpAddress client_address(const Scenario& sc, std::uint32_t host, bool ipv6) {
  const std::uint32_t n = host + 1;  // host i gets base + i + 1, as in synth
  if (!ipv6) return IpAddress::from_v4(sc.clients_v4.v4() + n);
  IpAddress a = sc.clients_v6;
  for (int i = 0; i < 4; ++i) a.bytes[static_cast<std::size_t>(15 - i)] = static_cast<std::uint8_t>(n >> (8 * i));
  return a;
}

}  // namespace

result<LivePlan> make_live_plan(const Scenario& sc, std::uint64_t seed, double hours, std::uint32_t hosts) {
  LivePlan plan;
  plan.hours = hours > 0 ? hours : sc.hours;
  plan.hosts = hosts > 0 ? hosts : sc.hosts;
  plan.start_us = sc.start_unix_s * 1000000;
  plan.end_us = plan.start_us + static_cast<std::int64_t>(plan.hours * 3600e6);
  std::uint32_t cursor = 0;
  for (std::size_t gi = 0; gi < sc.groups.size(); ++gi) {
    const GroupSpec& g = sc.groups[gi];
    std::uint32_t count = g.hosts;
    if (count == 0 && g.fraction > 0)
      count = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::lround(g.fraction * plan.hosts)));
    count = std::min(count, plan.hosts);
    const ProfileInfo* profile = find_profile(g.profile);
    const ServerSpec* server = nullptr;
    for (const auto& s : sc.servers)
      if (s.name == g.server) server = &s;
    if (!profile || !server) return make_error(errc::bad_argument, fmt::format("group {}: unknown profile or server", gi + 1));
    AgentKind kind = AgentKind::miner;
    bool supported = profile->long_lived;
    if (live_plays_monero(*profile)) kind = AgentKind::miner;
    else if (profile->name == "mqtt-telemetry") kind = AgentKind::mqtt;
    else if (profile->name == "redis-pubsub") kind = AgentKind::redis;
    else supported = false;
    if (!supported) {
      plan.skipped_groups.push_back(fmt::format("{}@{}", profile->name, server->name));
      cursor = (cursor + count) % std::max<std::uint32_t>(1, plan.hosts);
      continue;
    }
    for (std::uint32_t k = 0; k < count; ++k) {
      PlannedConnection c;
      c.group = gi;
      c.kind = kind;
      c.profile = profile;
      c.server = server;
      c.host = (cursor + k) % plan.hosts;
      // The synth engine's draws, in its order (synth_engine.cpp, run_synth).
      const std::uint64_t sp_seed = derive_seed(seed, (static_cast<std::uint64_t>(gi) << 32) | c.host);
      Rng rng(sp_seed);
      Rng host_rng(derive_seed(seed, 0xffffffff00000000ull | c.host));
      const bool host_v6 = chance(host_rng, sc.ipv6_fraction);
      const bool can6 = server->ipv6.has_value(), can4 = server->ipv4.has_value();
      const bool ipv6 = can6 && (host_v6 || !can4);
      c.tls_wanted = profile->family == "web" || chance(rng, g.tls_fraction);
      if (g.hashrate_max_hs > 0)
        c.hashrate_hs = std::round(std::exp(uniform(rng, std::log(std::max(0.1, g.hashrate_min_hs)),
                                                    std::log(g.hashrate_max_hs) + 1e-12)) * 10) / 10;
      (void)uniform_int(rng, 32768, 60000);  // synth's first source port: the kernel picks ours
      const double first_s = uniform(rng, 0, std::min(120.0, plan.hours * 1800));
      c.start_us = plan.start_us + static_cast<std::int64_t>(first_s * 1e6);
      c.seed = derive_seed(sp_seed, 0x11feull);
      c.client = Endpoint{client_address(sc, c.host, ipv6), 0};
      // Plaintext port even when the scenario drew TLS (TLS is not in the live engine yet).
      c.server_at = Endpoint{ipv6 ? *server->ipv6 : *server->ipv4, server->port ? server->port : profile->default_port};
      if (kind == AgentKind::miner) c.monero = monero_params_for(profile->name, g.params);
      c.period_s = g.params.period_s > 0 ? g.params.period_s : (kind == AgentKind::mqtt ? 30 : 20);
      if (kind == AgentKind::redis) {
        Rng crng(c.seed);
        c.channel = "events:" + random_hex(crng, 6);
      }
      plan.connections.push_back(std::move(c));
    }
    cursor = (cursor + count) % std::max<std::uint32_t>(1, plan.hosts);
  }
  if (plan.connections.empty())
    return make_error(errc::unsupported, fmt::format("scenario '{}': no group the live engine plays (it plays monero-stratum "
                                                     "profiles, mqtt-telemetry and redis-pubsub; skipped: {})",
                                                     sc.name, fmt::join(plan.skipped_groups, ", ")));
  return plan;
}

}  // namespace xmr::lab::live
