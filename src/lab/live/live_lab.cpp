#include "lab/live/live_lab.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "lab/live/benign_clients.h"
#include "lab/live/capture.h"
#include "lab/live/network.h"
#include "lab/live/plan.h"
#include "lab/live/process.h"
#include "lab/live/stratum_miner.h"
#include "lab/live/stratum_pool.h"

namespace xmr::lab::live {

namespace {

namespace fs = std::filesystem;

// Set by SIGINT/SIGTERM during a live run. A signal handler can only reach static storage, so this
// one flag is process-wide; every loop of the run polls it and unwinds, and the RAII owners then
// stop the daemons and delete the namespaces.
std::atomic<bool> interrupted{false};
extern "C" void on_signal(int) { interrupted.store(true); }

class SignalGuard {
 public:
  SignalGuard() {
    interrupted = false;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~SignalGuard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ {}, old_term_ {};
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// True once something accepts TCP on 127.0.0.1:port inside `netns` (polled for up to 5 s).
bool wait_listening(const std::string& netns, std::uint16_t port) {
  bool ok = false;
  std::thread t([&] {
    if (!enter_netns(netns)) return;
    for (int i = 0; i < 500 && !ok && !interrupted; ++i) {
      const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(port);
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      close(fd);
      if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  t.join();
  return ok;
}

// The program's path in $PATH, or empty.
std::string find_in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

std::string version_of(const std::vector<std::string>& argv, const fs::path& log) {
  (void)run_tool(argv, log.string());
  std::ifstream in(log);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

result<LiveStats> run_live_lab(const LabOptions& o, double speed) {
  if (o.out_dir.empty()) return make_error(errc::bad_argument, "--out DIR is required");
  if (!(speed >= 1 && speed <= 10000)) return make_error(errc::bad_argument, "--speed must be within 1..10000");
  if (geteuid() != 0) return make_error(errc::unsupported, "--engine live needs root (it creates network namespaces)");
  auto path = resolve_scenario(o.scenario, o.scenario_dirs);
  if (!path) return tl::unexpected(path.error());
  auto scenario = load_scenario(*path);
  if (!scenario) return tl::unexpected(scenario.error());
  auto plan = make_live_plan(*scenario, o.seed, o.hours, o.hosts);
  if (!plan) return tl::unexpected(plan.error());

  std::error_code ec;
  const fs::path out(o.out_dir);
  fs::create_directories(out / "live", ec);
  if (ec) return make_error(errc::io_error, fmt::format("{}: {}", (out / "live").string(), ec.message()));
  for (const auto& e : fs::directory_iterator(out, ec))
    if (e.path().filename().string().rfind("capture", 0) == 0) fs::remove(e.path(), ec);

  LiveStats stats;
  stats.hours = plan->hours;
  stats.hosts = plan->hosts;
  stats.speed = speed;
  stats.skipped_groups = plan->skipped_groups;
  SignalGuard signals;

  // Every program the run needs, checked before anything is created (Debian package in brackets).
  {
    std::vector<std::pair<std::string, std::string>> needed = {{"ip", "iproute2"}, {"ethtool", "ethtool"}, {o.nfpcapd, "nfdump"}};
    for (const auto& c : plan->connections) {
      if (c.kind == AgentKind::mqtt) needed.emplace_back("mosquitto", "mosquitto");
      if (c.kind == AgentKind::redis) needed.emplace_back("redis-server", "redis-server");
    }
    for (const auto& [program, package] : needed)
      if (program.find('/') == std::string::npos ? find_in_path(program).empty() : access(program.c_str(), X_OK) != 0)
        return make_error(errc::unsupported,
                          fmt::format("--engine live needs '{}' (Debian package {}): not found in PATH", program, package));
  }

  // Network: every client and server address in the plan.
  NetworkPlan np;
  std::set<IpAddress> clients, servers;
  for (const auto& c : plan->connections) {
    clients.insert(c.client.ip);
    servers.insert(c.server_at.ip);
    if (c.tls_wanted) ++stats.tls_as_plaintext;
  }
  np.client_addresses.assign(clients.begin(), clients.end());
  np.server_addresses.assign(servers.begin(), servers.end());
  LabNetwork::remove_stale();
  LabNetwork net;
  if (auto r = net.setup(np); !r) return tl::unexpected(r.error());

  // Real servers for the benign side, in the server namespace.
  std::set<std::uint16_t> mqtt_ports, redis_ports;
  std::map<std::uint16_t, std::vector<std::string>> redis_channels;
  for (const auto& c : plan->connections) {
    if (c.kind == AgentKind::mqtt) mqtt_ports.insert(c.server_at.port);
    if (c.kind == AgentKind::redis) {
      redis_ports.insert(c.server_at.port);
      redis_channels[c.server_at.port].push_back(c.channel);
    }
  }
  std::vector<Daemon> daemons;
  nlohmann::ordered_json daemon_info = nlohmann::ordered_json::array();
  if (!mqtt_ports.empty()) {
    const fs::path conf = out / "live" / "mosquitto.conf";
    std::ofstream f(conf);
    // mosquitto 2.x: explicit listeners, anonymous clients allowed, nothing persisted.
    for (auto p : mqtt_ports) f << "listener " << p << "\n";
    f << "allow_anonymous true\npersistence false\nuser root\nlog_dest stderr\n";
    f.close();
    auto d = Daemon::start({"mosquitto", "-c", conf.string()}, net.server_ns(), (out / "live" / "mosquitto.log").string());
    if (!d) return tl::unexpected(d.error());
    daemons.push_back(std::move(*d));
    daemon_info.push_back({{"program", "mosquitto"},
                           {"version", version_of({"mosquitto", "-h"}, out / "live" / "mosquitto-version.txt")}});
  }
  for (auto p : redis_ports) {
    auto d = Daemon::start({"redis-server", "--port", std::to_string(p), "--bind", "* -::*", "--protected-mode", "no",
                            "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", (out / "live").string()},
                           net.server_ns(), (out / "live" / fmt::format("redis-{}.log", p)).string());
    if (!d) return tl::unexpected(d.error());
    daemons.push_back(std::move(*d));
    daemon_info.push_back({{"program", "redis-server"},
                           {"version", version_of({"redis-server", "--version"}, out / "live" / "redis-version.txt")}});
  }
  for (auto p : mqtt_ports)
    if (!wait_listening(net.server_ns(), p) && !interrupted)
      return make_error(errc::io_error, fmt::format("mosquitto does not listen on port {} in {} (see {})", p, net.server_ns(),
                                                    (out / "live" / "mosquitto.log").string()));
  for (auto p : redis_ports)
    if (!wait_listening(net.server_ns(), p) && !interrupted)
      return make_error(errc::io_error, fmt::format("redis-server does not listen on port {} in {} (see {})", p,
                                                    net.server_ns(), (out / "live" / fmt::format("redis-{}.log", p)).string()));

  // Our pool: one listener per (address, port) a miner dials, with the timing of its group's profile.
  std::vector<PoolListenerSpec> listeners;
  for (const auto& c : plan->connections) {
    if (c.kind != AgentKind::miner) continue;
    const bool known = std::any_of(listeners.begin(), listeners.end(), [&](const PoolListenerSpec& l) {
      return l.at.ip == c.server_at.ip && l.at.port == c.server_at.port;
    });
    if (!known) listeners.push_back(PoolListenerSpec{c.server->name, c.server_at, c.monero});
  }

  if (interrupted) return make_error(errc::io_error, "interrupted by a signal (namespaces and daemons removed)");
  const LiveClock clock(plan->start_us, speed);
  Capture capture;
  if (auto r = capture.start(net.client_ns(), net.client_if(), clock, out, o.rotate_mb * 1024 * 1024); !r)
    return tl::unexpected(r.error());

  const auto t_run = std::chrono::steady_clock::now();
  std::atomic<bool> stop_servers{false};
  std::atomic<int> server_state{0};  // 0 starting, 1 ready, 2 failed
  std::string server_error;
  PoolStats pool_stats;
  std::uint64_t published = 0;
  std::thread server_thread([&] {
    if (auto r = enter_netns(net.server_ns()); !r) {
      server_error = r.error().context;
      server_state = 2;
      return;
    }
    EventLoop loop(clock);
    StratumPool pool(loop, derive_seed(o.seed, 0x9001));
    if (auto r = pool.listen(listeners); !r) {
      server_error = r.error().context;
      server_state = 2;
      return;
    }
    std::vector<std::unique_ptr<RedisPublisher>> publishers;
    for (const auto& [port, channels] : redis_channels) {
      auto p = std::make_unique<RedisPublisher>(loop, derive_seed(o.seed, 0x7ed15ull + port));
      if (auto r = p->start(Endpoint{IpAddress::from_v4(0x7f000001), port}, channels, 20); !r) {
        server_error = r.error().context;
        server_state = 2;
        return;
      }
      publishers.push_back(std::move(p));
    }
    server_state = 1;
    loop.run(stop_servers, [] { return interrupted.load(); });
    pool_stats = pool.stats();
    for (const auto& p : publishers) published += p->published();
  });
  while (server_state.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (server_state.load() == 2) {
    server_thread.join();
    (void)capture.stop();
    return make_error(errc::io_error, "live pool: " + server_error);
  }

  // Clients: each connection opens at its planned time, runs to the end of the run, then closes
  // with a FIN and waits for the server's.
  std::vector<MessageRecord> log;
  RunCounters counters;
  std::vector<std::unique_ptr<ClientAgent>> agents(plan->connections.size());
  std::string client_error;
  std::thread client_thread([&] {
    if (auto r = enter_netns(net.client_ns()); !r) {
      client_error = r.error().context;
      return;
    }
    EventLoop loop(clock);
    for (std::size_t i = 0; i < plan->connections.size(); ++i) {
      const auto& c = plan->connections[i];
      AgentContext ctx{&loop, &log, &counters, i, c.client, c.server_at, plan->end_us, c.seed};
      if (c.kind == AgentKind::miner) agents[i] = std::make_unique<StratumMiner>(ctx, c.monero, c.hashrate_hs);
      else if (c.kind == AgentKind::mqtt) agents[i] = std::make_unique<MqttSensor>(ctx, c.period_s);
      else agents[i] = std::make_unique<RedisSubscriber>(ctx, c.channel);
      loop.at(c.start_us, [&, i] {
        if (auto r = agents[i]->connect(); !r && client_error.empty()) client_error = r.error().context;
      });
    }
    loop.at(plan->end_us, [&] {
      for (auto& a : agents) a->finish();
    });
    std::atomic<bool> never{false};
    loop.run(never, [&] {
      if (interrupted.load() || !client_error.empty()) return true;
      if (loop.now_us() < plan->end_us) return false;
      return std::all_of(agents.begin(), agents.end(), [](const auto& a) { return a->done(); });
    });
    // Agents close their sockets on this thread, inside the client namespace.
    for (std::size_t i = 0; i < agents.size(); ++i)
      if (agents[i] && !agents[i]->done() && client_error.empty() && !interrupted)
        client_error = "connection " + std::to_string(i) + " did not close";
    for (std::size_t i = 0; i < agents.size(); ++i) {
      plan->connections[i].client.port = agents[i]->context().client.port;
      agents[i].reset();
    }
  });
  client_thread.join();
  // Let the last ACKs reach the capture, then stop everything.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  stop_servers = true;
  server_thread.join();
  auto captured = capture.stop();
  stats.run_seconds = seconds_since(t_run);
  daemons.clear();
  net.teardown();
  if (interrupted.load()) return make_error(errc::io_error, "interrupted by a signal (namespaces and daemons removed)");
  if (!client_error.empty()) return make_error(errc::io_error, "live clients: " + client_error);
  if (!captured) return tl::unexpected(captured.error());
  if (captured->kernel_drops > 0)
    return make_error(errc::io_error, fmt::format("capture: the kernel dropped {} packets", captured->kernel_drops));

  stats.packets = captured->packets;
  stats.pcap_bytes = captured->bytes;
  stats.messages = log.size();
  stats.protocol_errors = counters.protocol_errors;
  stats.first_errors = counters.first_errors;
  stats.pool_errors = pool_stats.errors;
  for (const auto& e : pool_stats.first_errors) stats.first_errors.push_back("pool: " + e);
  stats.pool_jobs = pool_stats.jobs;
  stats.pool_submits = pool_stats.submits;
  stats.pool_keepalives = pool_stats.keepalives;
  stats.pool_retargets = pool_stats.retargets;
  stats.redis_published = published;

  // labels.csv: one row per connection we opened, times from the capture; both sets must agree.
  std::vector<std::pair<std::int64_t, std::size_t>> order;
  for (std::size_t i = 0; i < plan->connections.size(); ++i) {
    const auto& c = plan->connections[i];
    const FourTuple key{c.client.ip, c.server_at.ip, c.client.port, c.server_at.port};
    auto it = captured->connections.find(key);
    if (c.client.port == 0 || it == captured->connections.end())
      return make_error(errc::io_error, fmt::format("connection {} -> {} is not in the capture", endpoint_text(c.client),
                                                    endpoint_text(c.server_at)));
    order.emplace_back(it->second.first_us, i);
  }
  if (captured->connections.size() != plan->connections.size() || captured->tcp_without_syn > 0)
    return make_error(errc::io_error, fmt::format("capture holds {} TCP connections ({} packets without a SYN) for {} opened",
                                                  captured->connections.size(), captured->tcp_without_syn,
                                                  plan->connections.size()));
  std::sort(order.begin(), order.end());
  {
    std::ofstream labels(out / "labels.csv");
    labels << "client_ip,client_port,server_ip,server_port,proto,label,family,profile,pool,tls,start_ms,end_ms,hashrate_hs\n";
    for (const auto& [first, i] : order) {
      const auto& c = plan->connections[i];
      const auto& cc = captured->connections.at(FourTuple{c.client.ip, c.server_at.ip, c.client.port, c.server_at.port});
      labels << fmt::format("{},{},{},{},6,{},{},{},{},false,{},{},{}\n", c.client.ip.to_string(), c.client.port,
                            c.server_at.ip.to_string(), c.server_at.port, c.profile->mining ? "mining" : "benign",
                            c.profile->family, c.profile->name, c.server->name, cc.first_us / 1000, cc.last_us / 1000,
                            c.profile->mining ? fmt::format("{}", c.hashrate_hs) : std::string("0"));
      ++stats.connections;
      if (c.profile->mining) ++stats.mining_connections;
    }
    if (!labels) return make_error(errc::io_error, (out / "labels.csv").string() + ": write failed");
  }
  {
    std::stable_sort(log.begin(), log.end(), [](const MessageRecord& a, const MessageRecord& b) { return a.time_us < b.time_us; });
    std::ofstream m(out / "messages.csv");
    m << "client_ip,client_port,server_ip,server_port,time_ms,direction,kind,tcp_payload_bytes\n";
    for (const auto& r : log) {
      const auto& c = plan->connections[r.connection];
      m << fmt::format("{},{},{},{},{},{},{},{}\n", c.client.ip.to_string(), c.client.port, c.server_at.ip.to_string(),
                       c.server_at.port, r.time_us / 1000, r.from_client ? "c2s" : "s2c", r.kind, r.bytes);
    }
    if (!m) return make_error(errc::io_error, (out / "messages.csv").string() + ": write failed");
  }

  // Flow records from the capture with the real nfpcapd, as for synth (lab_run.cpp).
  const auto t_meter = std::chrono::steady_clock::now();
  for (auto timeout : o.active_timeouts_s) {
    const fs::path dir = out / fmt::format("nf-{}", timeout);
    fs::remove_all(dir, ec);
    fs::create_directories(dir, ec);
    if (ec) return make_error(errc::io_error, fmt::format("{}: {}", dir.string(), ec.message()));
    const std::string log_path = (out / fmt::format("nfpcapd-{}.log", timeout)).string();
    for (const auto& pcap : captured->files) {
      const int rc = run_tool({o.nfpcapd, "-r", pcap.string(), "-w", dir.string(), "-e",
                               fmt::format("{},{}", timeout, o.inactive_timeout_s)},
                              log_path);
      if (rc != 0)
        return make_error(errc::io_error, fmt::format("{} -r {} failed (exit {}); see {}", o.nfpcapd, pcap.string(), rc, log_path));
    }
  }
  stats.meter_seconds = seconds_since(t_meter);

  nlohmann::ordered_json m;
  m["engine"] = "live";
  m["version"] = o.version;
  m["seed"] = o.seed;
  m["scenario"] = {{"name", scenario->name}, {"file", fs::path(*path).filename().string()}};
  m["parameters"] = {{"hours", stats.hours},
                     {"hosts", stats.hosts},
                     {"speed", speed},
                     {"active_timeouts_s", o.active_timeouts_s},
                     {"inactive_timeout_s", o.inactive_timeout_s},
                     {"rotate_mb", o.rotate_mb},
                     {"start_unix_s", scenario->start_unix_s}};
  std::vector<std::string> files;
  for (const auto& f : captured->files) files.push_back(f.filename().string());
  m["outputs"] = {{"pcap", files},
                  {"labels", "labels.csv"},
                  {"messages", "messages.csv"},
                  {"packets", stats.packets},
                  {"connections", stats.connections},
                  {"mining_connections", stats.mining_connections},
                  {"messages_logged", stats.messages}};
  m["live"] = {{"skipped_groups", stats.skipped_groups},
               {"tls_as_plaintext", stats.tls_as_plaintext},
               {"protocol_errors", stats.protocol_errors},
               {"pool", {{"errors", stats.pool_errors}, {"jobs", stats.pool_jobs}, {"submits", stats.pool_submits},
                         {"keepalives", stats.pool_keepalives}, {"retargets", stats.pool_retargets}}},
               {"redis_published", stats.redis_published},
               {"daemons", daemon_info},
               {"offloads", net.offload_state()},
               {"mtu", np.mtu},
               {"capture_drops", captured->kernel_drops},
               {"wall_seconds", stats.run_seconds}};
  std::ofstream mf(out / "manifest.json");
  mf << m.dump(2) << "\n";
  if (!mf) return make_error(errc::io_error, (out / "manifest.json").string() + ": write failed");
  return stats;
}

}  // namespace xmr::lab::live
