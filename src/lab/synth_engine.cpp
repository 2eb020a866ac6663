#include "lab/synth_engine.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <queue>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>

#include "lab/pcap_writer.h"
#include "lab/tcp_connection.h"
#include "sinks/nfcapd_writer.h"
#include "sources/pcap/flow_meter.h"
#include "sources/pcap/packet_decoder.h"

namespace xmr::lab {

namespace {

// One host's use of one group: it opens connections of the group's profile to the group's server.
struct Spawner {
  const GroupSpec* group = nullptr;
  const ProfileInfo* profile = nullptr;
  const ServerSpec* server = nullptr;
  const ServerSpec* backup = nullptr;  // reconnects may go here (pool failover)
  std::uint32_t host = 0;
  bool host_v6 = false;
  std::uint64_t seed = 0;
  Rng rng;
  bool ipv6 = false;
  bool tls = false;
  double hashrate_hs = 0;
  std::uint16_t next_port = 0;
  std::uint64_t opened = 0;
};

// Short-lived connections metered straight into flow records (scenario short_lived = "flows"):
// each frame is decoded by the same decoder the pcap source uses and fed to one FlowMeter per
// active timeout, whose records go to an nfcapd file in that timeout's nf-T directory.
class DirectFlows {
 public:
  result<void> open(const SynthOptions& opt, std::uint32_t source_index) {
    for (const auto& [timeout_s, dir] : opt.flow_dirs) {
      MeterOptions mo;
      mo.active_timeout_ms = static_cast<std::int64_t>(timeout_s) * 1000;
      mo.inactive_timeout_ms = static_cast<std::int64_t>(opt.inactive_timeout_s) * 1000;
      meters_.emplace_back(mo, source_index);
      NfcapdWriterOptions wo;
      wo.ident = "xmr-ray lab synth";
      auto sink = open_nfcapd_writer((dir / "nfcapd.synth-short-lived").string(), wo);
      if (!sink) return tl::unexpected(sink.error());
      sinks_.push_back(std::move(*sink));
      written_.push_back(0);
    }
    return {};
  }
  bool enabled() const { return !meters_.empty(); }
  result<void> add(std::int64_t time_us, const std::vector<std::uint8_t>& frame) {
    PacketHeaders h;
    const auto d = decode_packet(link_type::ethernet, frame, static_cast<std::uint32_t>(frame.size()), h);
    if (d.status != DecodeStatus::ok) throw std::logic_error("synth built a frame its own decoder rejects");
    ++packets_;
    for (std::size_t i = 0; i < meters_.size(); ++i) {
      meters_[i].add_packet(time_us / 1000, h, packets_);
      if (auto r = drain(i, false); !r) return r;
    }
    return {};
  }
  result<void> finish() {
    for (std::size_t i = 0; i < meters_.size(); ++i) {
      meters_[i].flush();
      if (auto r = drain(i, true); !r) return r;
      if (auto r = sinks_[i]->finish(); !r) return r;
    }
    return {};
  }
  std::uint64_t packets() const { return packets_; }
  std::uint64_t records() const { return written_.empty() ? 0 : written_[0]; }

 private:
  result<void> drain(std::size_t i, bool all) {
    while (meters_[i].has_ready()) batch_.push_back(meters_[i].pop_ready());
    if (batch_.size() >= 4096 || (all && !batch_.empty())) {
      if (auto r = sinks_[i]->write(batch_); !r) return r;
      written_[i] += batch_.size();
      batch_.clear();
    }
    return {};
  }
  std::vector<FlowMeter> meters_;
  std::vector<std::unique_ptr<FlowSink>> sinks_;
  std::vector<std::uint64_t> written_;
  std::vector<FlowRecord> batch_;
  std::uint64_t packets_ = 0;
};

struct Active {
  std::unique_ptr<TcpConnection> tcp;
  bool flows_only = false;  // metered into flow records, not written to the pcap
  Spawner* spawner = nullptr;
  const ServerSpec* server = nullptr;
  bool reconnect = false;  // the session ended before the run: the spawner connects again
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
    const ServerSpec* backup = nullptr;
    for (const auto& s : sc.servers) {
      if (s.name == g.server) server = &s;
      if (s.name == g.backup_server) backup = &s;
    }
    for (std::uint32_t k = 0; k < count; ++k) {
      Spawner sp;
      sp.group = &g;
      sp.profile = find_profile(g.profile);
      sp.server = server;
      sp.backup = backup;
      sp.host = (cursor + k) % stats.hosts;
      sp.seed = derive_seed(opt.seed, (static_cast<std::uint64_t>(gi) << 32) | sp.host);
      sp.rng.seed(sp.seed);
      const bool can6 = server->ipv6.has_value(), can4 = server->ipv4.has_value();
      // Host-level choices use the host's own stream so they do not depend on the group order.
      Rng host_rng(derive_seed(opt.seed, 0xffffffff00000000ull | sp.host));
      sp.host_v6 = chance(host_rng, sc.ipv6_fraction);
      sp.ipv6 = can6 && (sp.host_v6 || !can4);
      // HTTPS-only profiles (browsing, downloads, video) are always TLS.
      const auto& fam = sp.profile->family;
      sp.tls = fam == "web" || fam == "bulk" || fam == "streaming" || chance(sp.rng, g.tls_fraction);
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
  const auto messages_path = opt.out_dir / "messages.csv";
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> messages(std::fopen(messages_path.c_str(), "w"), &std::fclose);
  if (!messages) return make_error(errc::io_error, fmt::format("{}: {}", messages_path.string(), std::strerror(errno)));
  std::fputs("client_ip,client_port,server_ip,server_port,time_ms,direction,kind,tcp_payload_bytes\n", messages.get());

  DirectFlows direct;
  if (sc.short_lived_as_flows) {
    if (auto r = direct.open(opt, 0); !r) return tl::unexpected(r.error());
  }

  std::priority_queue<Event, std::vector<Event>, std::greater<>> queue;
  std::uint64_t order = 0;
  for (std::size_t i = 0; i < spawners.size(); ++i) {
    Spawner& sp = spawners[i];
    // Long-lived clients start within the first two minutes; short sessions arrive as a Poisson process.
    // Parallel long-lived connections (browser tabs) each start on their own.
    const std::uint32_t parallel = sp.profile->long_lived ? sp.group->connections : 1;
    for (std::uint32_t k = 0; k < parallel; ++k) {
      const double first_s = sp.profile->long_lived ? uniform(sp.rng, 0, std::min(120.0, stats.hours * 1800))
                                                    : exponential(sp.rng, 3600.0 / sp.group->sessions_per_hour);
      queue.push(Event{t0 + static_cast<std::int64_t>(first_s * 1e6), order++, true, i});
    }
  }
  std::unordered_map<std::uint64_t, Active> active;
  std::uint64_t next_conn = 0;
  std::vector<std::uint8_t> frame;

  // Rows of messages.csv for the application messages a connection has taken in so far.
  auto drain_messages = [&](Active& a) {
    auto& list = a.tcp->messages();
    if (list.empty()) return;
    const TcpConnection& c = *a.tcp;
    const std::string ends = fmt::format("{},{},{},{}", ip_text(c.client()), c.client().port, ip_text(c.server()),
                                         c.server().port);
    for (const auto& m : list)
      fmt::print(messages.get(), "{},{},{},{},{}\n", ends, m.time_us / 1000, m.from_client ? "c2s" : "s2c",
                 kind_name(m.kind), m.tcp_payload_bytes);
    list.clear();
  };
  auto finish = [&](Active& a) {
    drain_messages(a);
    const TcpConnection& c = *a.tcp;
    const Spawner& sp = *a.spawner;
    fmt::print(labels.get(), "{},{},{},{},6,{},{},{},{},{},{},{},{}\n", ip_text(c.client()), c.client().port,
               ip_text(c.server()), c.server().port, sp.profile->mining ? "mining" : "benign", sp.profile->family,
               sp.profile->name, a.server->name, a.tls ? "true" : "false", c.first_us() / 1000, c.last_us() / 1000,
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
      // Pool failover: a reconnect goes to the backup pool with the group's probability.
      const ServerSpec* server = sp.server;
      if (sp.opened > 1 && sp.backup && chance(crng, sp.group->failover_fraction)) server = sp.backup;
      const bool ipv6 = server->ipv6.has_value() && (sp.host_v6 || !server->ipv4.has_value());
      // Long-lived sessions with a lifetime end early (pool restart, network drop) and reconnect.
      std::int64_t conn_end = end;
      if (sp.profile->long_lived && sp.group->session_mean_s > 0)
        conn_end = std::min(end, ev.time_us + static_cast<std::int64_t>(exponential(crng, sp.group->session_mean_s) * 1e6));
      tp.fin_at_end = !sp.profile->long_lived || conn_end < end;
      tp.record_messages = sp.profile->mining;
      tp.server_ttl = static_cast<std::uint8_t>(64 - uniform_int(crng, 6, 20));
      ConversationContext cc;
      cc.start_us = ev.time_us + tp.rtt_us + 100;
      cc.end_us = conn_end;
      cc.rtt_us = tp.rtt_us;
      cc.tls = sp.tls;
      cc.hashrate_hs = sp.hashrate_hs;
      ProfileParams pp = sp.group->params;
      pp.server_name = sp.server->sni;
      const std::uint16_t port = sp.next_port;
      sp.next_port = static_cast<std::uint16_t>(sp.next_port >= 60999 ? 32768 : sp.next_port + 1);
      Active a;
      a.spawner = &sp;
      a.server = server;
      a.reconnect = conn_end < end;
      a.flows_only = direct.enabled() && !sp.profile->long_lived;
      // An xmrig-proxy upstream carries `rigs` rigs of hashrate_hs each: its label is their sum.
      a.hashrate_hs = sp.hashrate_hs * (sp.profile->name == "xmrig-proxy" ? std::max<std::uint32_t>(1, pp.rigs) : 1);
      a.tls = sp.tls;
      a.tcp = std::make_unique<TcpConnection>(client_endpoint(sc, sp.host, ipv6, port),
                                              server_endpoint(*server, *sp.profile, ipv6, sp.tls), tp,
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
      if (a.flows_only) {
        if (auto r = direct.add(*t, frame); !r) return tl::unexpected(r.error());
      } else if (auto r = pcap.write(*t, frame); !r) {
        return tl::unexpected(r.error());
      }
    }
    if (auto t = a.tcp->next_time_us()) {
      queue.push(Event{*t, order++, false, ev.id});
    } else {
      finish(a);
      if (a.reconnect) {
        // XMRig waits --retry-pause (5 s) before it connects again.
        const auto pause = static_cast<std::int64_t>((a.spawner->group->retry_pause_s + uniform(a.spawner->rng, 0, 1)) * 1e6);
        const auto index = static_cast<std::uint64_t>(a.spawner - spawners.data());
        queue.push(Event{a.tcp->last_us() + pause, order++, true, index});
      }
      active.erase(it);
      continue;
    }
    drain_messages(a);
  }
  if (auto r = pcap.close(); !r) return tl::unexpected(r.error());
  if (direct.enabled()) {
    if (auto r = direct.finish(); !r) return tl::unexpected(r.error());
    stats.flow_packets = direct.packets();
    stats.flow_records = direct.records();
  }
  if (std::fflush(messages.get()) != 0)
    return make_error(errc::io_error, fmt::format("{}: write failed", messages_path.string()));
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
