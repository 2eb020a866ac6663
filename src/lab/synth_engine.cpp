#include "lab/synth_engine.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <queue>
#include <unordered_map>

#include <fmt/format.h>

#include "lab/pcap_writer.h"
#include "lab/tcp_connection.h"

namespace xmr::lab {

namespace {

// One host's use of one group: it opens connections of the group's profile to the group's server.
struct Spawner {
  const GroupSpec* group = nullptr;
  const ProfileInfo* profile = nullptr;
  const ServerSpec* server = nullptr;
  std::uint32_t host = 0;
  std::uint64_t seed = 0;
  Rng rng;
  bool ipv6 = false;
  bool tls = false;
  double hashrate_hs = 0;
  std::uint16_t next_port = 0;
  std::uint64_t opened = 0;
};

struct Active {
  std::unique_ptr<TcpConnection> tcp;
  Spawner* spawner = nullptr;
  double hashrate_hs = 0;
  bool tls = false;
};

struct Event {
  std::int64_t time_us;
  std::uint64_t order;  // insertion order: makes ties deterministic
  bool spawn;
  std::uint64_t id;     // spawner index or connection id
  bool operator>(const Event& o) const { return time_us != o.time_us ? time_us > o.time_us : order > o.order; }
};

TcpEndpoint client_endpoint(const Scenario& sc, std::uint32_t host, bool ipv6, std::uint16_t port) {
  TcpEndpoint e;
  e.ipv6 = ipv6;
  const IpAddress& base = ipv6 ? sc.clients_v6 : sc.clients_v4;
  const std::uint32_t n = host + 1;
  if (ipv6) {
    e.ip = base.bytes;
    for (int i = 0; i < 4; ++i) e.ip[static_cast<std::size_t>(15 - i)] = static_cast<std::uint8_t>(n >> (8 * i));
  } else {
    const std::uint32_t a = base.v4() + n;
    for (int i = 0; i < 4; ++i) e.ip[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(a >> (24 - 8 * i));
  }
  e.port = port;
  // Locally administered unicast MAC (IEEE 802: bit 1 of the first octet) numbered by host.
  e.mac = {0x02, 0x00, static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
           static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
  return e;
}

TcpEndpoint server_endpoint(const ServerSpec& s, const ProfileInfo& p, bool ipv6, bool tls) {
  TcpEndpoint e;
  e.ipv6 = ipv6;
  const IpAddress& a = ipv6 ? *s.ipv6 : *s.ipv4;
  if (ipv6) {
    e.ip = a.bytes;
  } else {
    const std::uint32_t v = a.v4();
    for (int i = 0; i < 4; ++i) e.ip[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
  }
  const std::uint16_t port = tls ? (s.tls_port ? s.tls_port : p.default_tls_port) : (s.port ? s.port : p.default_port);
  e.port = port;
  e.mac = {0x02, 0xfe, 0x00, 0x00, 0x00, 0x01};  // the default gateway: every server packet comes through it
  return e;
}

std::string ip_text(const TcpEndpoint& e) {
  return e.ipv6 ? IpAddress::from_v6(e.ip.data()).to_string()
                : fmt::format("{}.{}.{}.{}", e.ip[0], e.ip[1], e.ip[2], e.ip[3]);
}

}  // namespace

result<SynthStats> run_synth(const Scenario& sc, const SynthOptions& opt) {
  SynthStats stats;
  stats.hours = opt.hours > 0 ? opt.hours : sc.hours;
  stats.hosts = opt.hosts > 0 ? opt.hosts : sc.hosts;
  const std::int64_t t0 = sc.start_unix_s * 1000000;
  const std::int64_t end = t0 + static_cast<std::int64_t>(stats.hours * 3600e6);

  // Hosts per group: explicit count or fraction of the run's hosts; each group takes the next hosts
  // (wrapping), so a fraction-1.0 background group covers every host.
  std::vector<Spawner> spawners;
  std::uint32_t cursor = 0;
  for (std::size_t gi = 0; gi < sc.groups.size(); ++gi) {
    const GroupSpec& g = sc.groups[gi];
    std::uint32_t count = g.hosts;
    if (count == 0 && g.fraction > 0) count = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::lround(g.fraction * stats.hosts)));
    count = std::min(count, stats.hosts);
    const ServerSpec* server = nullptr;
    for (const auto& s : sc.servers)
      if (s.name == g.server) server = &s;
    for (std::uint32_t k = 0; k < count; ++k) {
      Spawner sp;
      sp.group = &g;
      sp.profile = find_profile(g.profile);
      sp.server = server;
      sp.host = (cursor + k) % stats.hosts;
      sp.seed = derive_seed(opt.seed, (static_cast<std::uint64_t>(gi) << 32) | sp.host);
      sp.rng.seed(sp.seed);
      const bool can6 = server->ipv6.has_value(), can4 = server->ipv4.has_value();
      // Host-level choices use the host's own stream so they do not depend on the group order.
      Rng host_rng(derive_seed(opt.seed, 0xffffffff00000000ull | sp.host));
      const bool host_v6 = chance(host_rng, sc.ipv6_fraction);
      sp.ipv6 = can6 && (host_v6 || !can4);
      sp.tls = sp.profile->family == "web" || chance(sp.rng, g.tls_fraction);
      if (g.hashrate_max_hs > 0)
        sp.hashrate_hs = std::round(std::exp(uniform(sp.rng, std::log(std::max(0.1, g.hashrate_min_hs)),
                                                     std::log(g.hashrate_max_hs) + 1e-12)) * 10) / 10;
      sp.next_port = static_cast<std::uint16_t>(uniform_int(sp.rng, 32768, 60000));  // Linux ip_local_port_range
      spawners.push_back(std::move(sp));
    }
    cursor = (cursor + count) % std::max<std::uint32_t>(1, stats.hosts);
  }

  std::error_code ec;
  std::filesystem::create_directories(opt.out_dir, ec);
  if (ec) return make_error(errc::io_error, fmt::format("{}: {}", opt.out_dir.string(), ec.message()));
  PcapWriter pcap(opt.out_dir, "capture", opt.rotate_bytes);
  const auto labels_path = opt.out_dir / "labels.csv";
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> labels(std::fopen(labels_path.c_str(), "w"), &std::fclose);
  if (!labels) return make_error(errc::io_error, fmt::format("{}: {}", labels_path.string(), std::strerror(errno)));
  std::fputs("client_ip,client_port,server_ip,server_port,proto,label,family,profile,pool,tls,start_ms,end_ms,hashrate_hs\n",
             labels.get());

  std::priority_queue<Event, std::vector<Event>, std::greater<>> queue;
  std::uint64_t order = 0;
  for (std::size_t i = 0; i < spawners.size(); ++i) {
    Spawner& sp = spawners[i];
    // Long-lived clients start within the first two minutes; short sessions arrive as a Poisson process.
    const double first_s = sp.profile->long_lived ? uniform(sp.rng, 0, std::min(120.0, stats.hours * 1800))
                                                  : exponential(sp.rng, 3600.0 / sp.group->sessions_per_hour);
    queue.push(Event{t0 + static_cast<std::int64_t>(first_s * 1e6), order++, true, i});
  }
  std::unordered_map<std::uint64_t, Active> active;
  std::uint64_t next_conn = 0;
  std::vector<std::uint8_t> frame;

  auto finish = [&](Active& a) {
    const TcpConnection& c = *a.tcp;
    const Spawner& sp = *a.spawner;
    fmt::print(labels.get(), "{},{},{},{},6,{},{},{},{},{},{},{},{}\n", ip_text(c.client()), c.client().port,
               ip_text(c.server()), c.server().port, sp.profile->mining ? "mining" : "benign", sp.profile->family,
               sp.profile->name, sp.server->name, a.tls ? "true" : "false", c.first_us() / 1000, c.last_us() / 1000,
               sp.profile->mining ? fmt::format("{}", a.hashrate_hs) : std::string("0"));
  };

  while (!queue.empty()) {
    const Event ev = queue.top();
    queue.pop();
    if (ev.spawn) {
      Spawner& sp = spawners[ev.id];
      if (ev.time_us >= end) continue;
      const std::uint64_t conn_seed = derive_seed(sp.seed, sp.opened++);
      Rng crng(conn_seed);
      TcpParams tp;
      tp.start_us = ev.time_us;
      tp.rtt_us = static_cast<std::int64_t>(std::exp(uniform(crng, std::log(sc.rtt_min_ms), std::log(sc.rtt_max_ms))) * 1000);
      tp.timestamps = chance(crng, sc.timestamps_fraction);
      tp.loss = sc.loss;
      tp.fin_at_end = !sp.profile->long_lived;
      tp.server_ttl = static_cast<std::uint8_t>(64 - uniform_int(crng, 6, 20));
      ConversationContext cc;
      cc.start_us = ev.time_us + tp.rtt_us + 100;
      cc.end_us = end;
      cc.rtt_us = tp.rtt_us;
      cc.tls = sp.tls;
      cc.hashrate_hs = sp.hashrate_hs;
      ProfileParams pp = sp.group->params;
      pp.server_name = sp.server->sni;
      const std::uint16_t port = sp.next_port;
      sp.next_port = static_cast<std::uint16_t>(sp.next_port >= 60999 ? 32768 : sp.next_port + 1);
      Active a;
      a.spawner = &sp;
      a.hashrate_hs = sp.hashrate_hs;
      a.tls = sp.tls;
      a.tcp = std::make_unique<TcpConnection>(client_endpoint(sc, sp.host, sp.ipv6, port),
                                              server_endpoint(*sp.server, *sp.profile, sp.ipv6, sp.tls), tp,
                                              make_conversation(*sp.profile, cc, pp, crng()), crng());
      const std::uint64_t id = next_conn++;
      if (auto t = a.tcp->next_time_us()) queue.push(Event{*t, order++, false, id});
      active.emplace(id, std::move(a));
      stats.max_active_connections = std::max<std::uint64_t>(stats.max_active_connections, active.size());
      ++stats.connections;
      if (sp.profile->mining) ++stats.mining_connections;
      if (!sp.profile->long_lived)
        queue.push(Event{ev.time_us + static_cast<std::int64_t>(exponential(sp.rng, 3600.0 / sp.group->sessions_per_hour) * 1e6),
                         order++, true, ev.id});
      continue;
    }
    auto it = active.find(ev.id);
    Active& a = it->second;
    if (auto t = a.tcp->emit(frame)) {
      if (auto r = pcap.write(*t, frame); !r) return tl::unexpected(r.error());
    }
    if (auto t = a.tcp->next_time_us()) {
      queue.push(Event{*t, order++, false, ev.id});
    } else {
      finish(a);
      active.erase(it);
    }
  }
  if (auto r = pcap.close(); !r) return tl::unexpected(r.error());
  if (std::fflush(labels.get()) != 0)
    return make_error(errc::io_error, fmt::format("{}: write failed", labels_path.string()));
  stats.packets = pcap.packets();
  stats.pcap_bytes = pcap.bytes();
  stats.pcap_files = pcap.files();
  if (stats.pcap_files.empty()) {
    // No connection at all: still leave a valid, empty capture.
    PcapWriter empty(opt.out_dir, "capture", 0);
    (void)empty;
  }
  return stats;
}

}  // namespace xmr::lab
