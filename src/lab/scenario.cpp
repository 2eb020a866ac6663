#include "lab/scenario.h"

#include <filesystem>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace xmr::lab {

namespace {

result<IpAddress> address(const std::string& file, const std::string& key, const std::string& text) {
  auto a = IpAddress::parse(text);
  if (!a) return make_error(errc::bad_argument, fmt::format("{}: {}: '{}' is not an IP address", file, key, text));
  return *a;
}

// A "low..high" pair as a two-element array, or one number for both.

template <class View>
bool range(const View& n, double& lo, double& hi) {
  if (auto v = n.template value<double>()) {
    lo = hi = *v;
    return true;
  }
  if (const auto* a = n.as_array(); a && a->size() == 2) {
    auto x = (*a)[0].template value<double>();
    auto y = (*a)[1].template value<double>();
    if (x && y) {
      lo = *x;
      hi = *y;
      return true;
    }
  }
  return false;
}

}  // namespace

result<Scenario> load_scenario(const std::string& path) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return make_error(errc::bad_argument, fmt::format("{}:{}: {}", path, e.source().begin.line, e.description()));
  }
  Scenario s;
  s.name = t["name"].value_or(std::filesystem::path(path).stem().string());
  s.description = t["description"].value_or(std::string{});
  s.hours = t["hours"].value_or(s.hours);
  s.hosts = static_cast<std::uint32_t>(t["hosts"].value_or(static_cast<std::int64_t>(s.hosts)));
  s.start_unix_s = t["start_unix_s"].value_or(s.start_unix_s);
  const std::string short_lived = t["short_lived"].value_or(std::string("pcap"));
  if (short_lived != "pcap" && short_lived != "flows")
    return make_error(errc::bad_argument, fmt::format("{}: short_lived must be \"pcap\" or \"flows\"", path));
  s.short_lived_as_flows = short_lived == "flows";
  auto net = t["network"];
  auto v4 = address(path, "network.clients_v4", net["clients_v4"].value_or(std::string("10.77.0.0")));
  auto v6 = address(path, "network.clients_v6", net["clients_v6"].value_or(std::string("fd00:77::")));
  if (!v4) return tl::unexpected(v4.error());
  if (!v6) return tl::unexpected(v6.error());
  s.clients_v4 = *v4;
  s.clients_v6 = *v6;
  s.ipv6_fraction = net["ipv6_fraction"].value_or(s.ipv6_fraction);
  s.loss = net["loss"].value_or(s.loss);
  s.timestamps_fraction = net["timestamps_fraction"].value_or(s.timestamps_fraction);
  if (net["rtt_ms"] && !range(net["rtt_ms"], s.rtt_min_ms, s.rtt_max_ms))
    return make_error(errc::bad_argument, fmt::format("{}: network.rtt_ms must be a number or [min, max]", path));
  if (s.hours <= 0 || s.hours > 24 * 365)
    return make_error(errc::bad_argument, fmt::format("{}: hours must be in (0, 8760]", path));
  if (s.rtt_min_ms <= 0 || s.rtt_max_ms < s.rtt_min_ms || s.loss < 0 || s.loss > 0.5)
    return make_error(errc::bad_argument, fmt::format("{}: network.rtt_ms or network.loss out of range", path));

  if (const auto* servers = t["server"].as_array()) {
    for (std::size_t i = 0; i < servers->size(); ++i) {
      const auto* st = (*servers)[i].as_table();
      if (!st) return make_error(errc::bad_argument, fmt::format("{}: server[{}] is not a table", path, i));
      ServerSpec sv;
      sv.name = (*st)["name"].value_or(std::string{});
      if (sv.name.empty()) return make_error(errc::bad_argument, fmt::format("{}: server[{}] has no name", path, i));
      if (auto a = (*st)["ipv4"].value<std::string>()) {
        auto r = address(path, "server." + sv.name + ".ipv4", *a);
        if (!r) return tl::unexpected(r.error());
        sv.ipv4 = *r;
      }
      if (auto a = (*st)["ipv6"].value<std::string>()) {
        auto r = address(path, "server." + sv.name + ".ipv6", *a);
        if (!r) return tl::unexpected(r.error());
        sv.ipv6 = *r;
      }
      if (!sv.ipv4 && !sv.ipv6)
        return make_error(errc::bad_argument, fmt::format("{}: server '{}' needs ipv4 or ipv6", path, sv.name));
      sv.port = static_cast<std::uint16_t>((*st)["port"].value_or(0));
      sv.tls_port = static_cast<std::uint16_t>((*st)["tls_port"].value_or(0));
      sv.sni = (*st)["sni"].value_or(sv.name + ".example");
      s.servers.push_back(std::move(sv));
    }
  }
  const auto* groups = t["group"].as_array();
  if (!groups || groups->empty()) return make_error(errc::bad_argument, fmt::format("{}: no [[group]]", path));
  for (std::size_t i = 0; i < groups->size(); ++i) {
    const auto* gt = (*groups)[i].as_table();
    if (!gt) return make_error(errc::bad_argument, fmt::format("{}: group[{}] is not a table", path, i));
    GroupSpec g;
    g.profile = (*gt)["profile"].value_or(std::string{});
    if (!find_profile(g.profile))
      return make_error(errc::bad_argument, fmt::format("{}: group[{}]: unknown profile '{}'", path, i, g.profile));
    g.server = (*gt)["server"].value_or(std::string{});
    bool found = false;
    for (const auto& sv : s.servers) found = found || sv.name == g.server;
    if (!found)
      return make_error(errc::bad_argument, fmt::format("{}: group[{}]: unknown server '{}'", path, i, g.server));
    g.backup_server = (*gt)["backup_server"].value_or(std::string{});
    if (!g.backup_server.empty()) {
      bool known = false;
      for (const auto& sv : s.servers) known = known || sv.name == g.backup_server;
      if (!known)
        return make_error(errc::bad_argument,
                          fmt::format("{}: group[{}]: unknown backup_server '{}'", path, i, g.backup_server));
    }
    g.connections = static_cast<std::uint32_t>((*gt)["connections"].value_or(1));
    g.session_mean_s = (*gt)["session_mean_s"].value_or(0.0);
    g.retry_pause_s = (*gt)["retry_pause_s"].value_or(g.retry_pause_s);
    g.failover_fraction = (*gt)["failover_fraction"].value_or(g.backup_server.empty() ? 0.0 : 0.5);
    g.params.share_target_s = (*gt)["share_target_s"].value_or(0.0);
    g.params.min_difficulty = (*gt)["min_difficulty"].value_or(0.0);
    g.params.refresh_mean_s = (*gt)["refresh_mean_s"].value_or(0.0);
    g.params.rigs = static_cast<std::uint32_t>((*gt)["rigs"].value_or(0));
    g.params.mean_bytes = (*gt)["mean_bytes"].value_or(0.0);
    g.params.session_s = (*gt)["session_s"].value_or(0.0);
    if (g.session_mean_s == 0) g.session_mean_s = find_profile(g.profile)->default_session_mean_s;
    if (g.connections < 1 || g.connections > 64 || g.session_mean_s < 0 || g.retry_pause_s < 0 ||
        g.failover_fraction < 0 || g.failover_fraction > 1 || g.params.share_target_s < 0 ||
        g.params.min_difficulty < 0 || g.params.refresh_mean_s < 0 || g.params.mean_bytes < 0 || g.params.session_s < 0 || g.params.rigs > 100000)
      return make_error(errc::bad_argument, fmt::format("{}: group[{}]: a value is out of range", path, i));
    g.fraction = (*gt)["fraction"].value_or(0.0);
    g.hosts = static_cast<std::uint32_t>((*gt)["hosts"].value_or(0));
    if (auto b = (*gt)["tls"].value<bool>()) g.tls_fraction = *b ? 1.0 : 0.0;
    g.tls_fraction = (*gt)["tls_fraction"].value_or(g.tls_fraction);
    if ((*gt)["hashrate_hs"] && !range((*gt)["hashrate_hs"], g.hashrate_min_hs, g.hashrate_max_hs))
      return make_error(errc::bad_argument, fmt::format("{}: group[{}]: hashrate_hs must be a number or [min, max]", path, i));
    g.sessions_per_hour = (*gt)["sessions_per_hour"].value_or(20.0);
    g.params.difficulty = (*gt)["difficulty"].value_or(0.0);
    g.params.job_mean_s = (*gt)["job_mean_s"].value_or(0.0);
    g.params.period_s = (*gt)["period_s"].value_or(0.0);
    if (g.fraction < 0 || g.fraction > 1 || g.tls_fraction < 0 || g.tls_fraction > 1 || g.hashrate_min_hs < 0 ||
        g.hashrate_max_hs < g.hashrate_min_hs || g.sessions_per_hour <= 0)
      return make_error(errc::bad_argument, fmt::format("{}: group[{}]: a value is out of range", path, i));
    s.groups.push_back(std::move(g));
  }
  return s;
}

result<std::string> resolve_scenario(const std::string& name_or_path, const std::vector<std::string>& dirs) {
  namespace fs = std::filesystem;
  if (name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".toml")) {
    if (!fs::exists(name_or_path)) return make_error(errc::io_error, fmt::format("{}: no such scenario file", name_or_path));
    return name_or_path;
  }
  std::string tried;
  for (const auto& d : dirs) {
    const auto p = fs::path(d) / (name_or_path + ".toml");
    if (fs::exists(p)) return p.string();
    tried += ' ';  // two appends: GCC 12 -O2 false -Wrestrict on " " + string
    tried += p.string();
  }
  return make_error(errc::io_error, fmt::format("scenario '{}' not found (tried:{})", name_or_path, tried));
}

}  // namespace xmr::lab
