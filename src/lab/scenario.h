#pragma once
// A scenario (scenarios/*.toml, format in docs/lab.md): named servers (pools and benign services)
// with addresses, and groups of hosts that each run one profile against one server.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/ip_address.h"
#include "lab/profile.h"

namespace xmr::lab {

struct ServerSpec {
  std::string name;
  std::optional<IpAddress> ipv4, ipv6;
  std::uint16_t port = 0;      // 0 = the profile's default
  std::uint16_t tls_port = 0;
  std::string sni;
};

struct GroupSpec {
  std::string profile;
  std::string server;
  double fraction = 0;          // of the run's hosts (used when hosts == 0)
  std::uint32_t hosts = 0;
  double tls_fraction = 0;      // share of this group's hosts that use TLS
  double hashrate_min_hs = 0, hashrate_max_hs = 0;  // log-uniform per host
  double sessions_per_hour = 0; // short-lived profiles: Poisson session arrivals per host
  std::uint32_t connections = 1;  // long-lived: parallel connections per host (browser tabs)
  double session_mean_s = 0;    // long-lived: > 0 = connections end (exponential lifetime) and reconnect
  double retry_pause_s = 5;     // reconnect delay (XMRig --retry-pause default 5 s)
  std::string backup_server;    // reconnects go here with probability failover_fraction
  double failover_fraction = 0;
  ProfileParams params;
};

struct Scenario {
  std::string name;
  std::string description;
  double hours = 0.25;
  std::uint32_t hosts = 10;
  std::int64_t start_unix_s = 1767225600;  // 2026-01-01T00:00:00Z
  IpAddress clients_v4;                    // first address of the client range (hosts get +1, +2, ...)
  IpAddress clients_v6;
  double ipv6_fraction = 0.0;
  double loss = 0.001;
  double rtt_min_ms = 5, rtt_max_ms = 150;
  double timestamps_fraction = 0.8;
  // false (default): every connection goes to the pcap. true: connections of short-lived profiles
  // (browsing, DNS, downloads, video) are metered straight into flow records in nf-T/ and never
  // written as packets; the pcap holds the long-lived ones (campus scale).
  bool short_lived_as_flows = false;
  std::vector<ServerSpec> servers;
  std::vector<GroupSpec> groups;
};

// Parses and validates (unknown profile or server, bad address, empty groups) with messages that
// name the file and the key.
result<Scenario> load_scenario(const std::string& path);
// NAME -> DIR/NAME.toml for the first DIR in `dirs` holding it; a path with '/' or ".toml" is used as is.
result<std::string> resolve_scenario(const std::string& name_or_path, const std::vector<std::string>& dirs);

}  // namespace xmr::lab
