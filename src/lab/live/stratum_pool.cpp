#include "lab/live/stratum_pool.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lab/payloads.h"

namespace xmr::lab::live {

namespace {

bool is_hex(const std::string& s, std::size_t len) {
  return s.size() == len && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

std::string string_field(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return {};
  return j[key].get<std::string>();
}

// Vardiff as zone117x/node-stratum-pool lib/varDiff.js does it (the scheme cryptonote pools
// copied): share intervals go into a ring buffer of retargetTime / targetTime x 4 entries; the
// first check comes retargetTime / 2 after the first share, later ones every retargetTime; when the
// mean interval leaves targetTime +- variancePercent the difficulty is scaled by targetTime / mean.
// retargetTime 60 s and variancePercent 30 are that README's example values; targetTime is the
// profile's share target (30 s).
constexpr double retarget_time_s = 60;
constexpr double variance = 0.30;
// Starting difficulty of a vardiff miner, a multiple of the floor (a pool knows nothing yet; pools
// configure it per port).
constexpr double start_floor_multiple = 5;

}  // namespace

StratumPool::~StratumPool() {
  for (auto& [fd, m] : conns_) {
    loop_.unwatch(fd);
    if (m->refresh_timer) loop_.cancel(m->refresh_timer);
    close(fd);
  }
  for (auto& l : listeners_) {
    loop_.unwatch(l->fd);
    close(l->fd);
  }
}

result<void> StratumPool::listen(const std::vector<PoolListenerSpec>& specs) {
  for (const auto& s : specs) {
    auto fd = listen_on(s.at);
    if (!fd) return tl::unexpected(fd.error());
    auto l = std::make_unique<Listener>();
    l->spec = s;
    l->fd = *fd;
    l->height = 3000000 + uniform_int(rng_, 0, 200000);
    l->seed_hash = random_hex(rng_, 64);
    Listener* raw = l.get();
    loop_.watch(*fd, [this, raw] { accept_on(*raw); });
    listeners_.push_back(std::move(l));
    schedule_block(*raw);
  }
  return {};
}

void StratumPool::schedule_block(Listener& l) {
  loop_.after(exponential(rng_, l.spec.params.job_mean_s), [this, &l] {
    ++l.height;  // a new block: every miner of this pool gets a fresh job at once
    for (auto& [fd, m] : conns_)
      if (m->listener == &l && m->logged_in) push_job(*m);
    schedule_block(l);
  });
}

void StratumPool::schedule_refresh(Miner& m) {
  if (m.listener->spec.params.refresh_mean_s <= 0) return;
  const int fd = m.fd;
  m.refresh_timer = loop_.after(exponential(rng_, m.listener->spec.params.refresh_mean_s), [this, fd] {
    auto it = conns_.find(fd);
    if (it == conns_.end()) return;
    it->second->refresh_timer = 0;
    push_job(*it->second);
    schedule_refresh(*it->second);
  });
}

void StratumPool::accept_on(Listener& l) {
  for (;;) {
    const int fd = accept4(l.fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    auto m = std::make_unique<Miner>();
    m->fd = fd;
    m->listener = &l;
    loop_.watch(fd, [this, fd] { on_readable(fd); });
    conns_.emplace(fd, std::move(m));
  }
}

void StratumPool::close_miner(int fd) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  if (it->second->refresh_timer) loop_.cancel(it->second->refresh_timer);
  loop_.unwatch(fd);
  close(fd);  // answers the miner's FIN with ours
  conns_.erase(it);
}

void StratumPool::on_readable(int fd) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  Miner& m = *it->second;
  char buf[16384];
  const ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    close_miner(fd);
    return;
  }
  m.in.append(buf, static_cast<std::size_t>(n));
  std::size_t pos;
  while ((pos = m.in.find('\n')) != std::string::npos) {
    const std::string line = m.in.substr(0, pos);
    m.in.erase(0, pos + 1);
    on_line(m, line);
    if (conns_.find(fd) == conns_.end()) return;
  }
  if (m.in.size() > 64 * 1024) {  // no Stratum request is this long: drop the client
    reject(m, "null", "request too long");
    close_miner(fd);
  }
}

void StratumPool::reply(Miner& m, const std::string& text) {
  std::size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = send(m.fd, text.data() + off, text.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    off += static_cast<std::size_t>(n);
  }
}

void StratumPool::reject(Miner& m, const std::string& id_json, const std::string& why) {
  ++stats_.errors;
  if (stats_.first_errors.size() < 8) stats_.first_errors.push_back(why);
  reply(m, fmt::format(R"({{"id":{},"jsonrpc":"2.0","error":{{"code":-1,"message":"{}"}}}})" "\n", id_json, why));
}

std::string StratumPool::job_json(Miner& m) {
  // XMRig's compact target: 0xffffffff / difficulty as a little-endian uint32, 8 hex digits.
  const auto t = static_cast<std::uint32_t>(std::clamp(4294967295.0 / std::max(1.0, m.difficulty), 1.0, 4294967295.0));
  // Blob: a 76-byte Monero hashing blob (block header, tree root, tx count) as 152 hex digits.
  return fmt::format(R"({{"blob":"{}","job_id":"{}","target":"{:02x}{:02x}{:02x}{:02x}","algo":"rx/0","height":{},"seed_hash":"{}"}})",
                     random_hex(rng_, 152), random_hex(rng_, 16), t & 0xff, (t >> 8) & 0xff, (t >> 16) & 0xff, t >> 24,
                     m.listener->height, m.listener->seed_hash);
}

void StratumPool::push_job(Miner& m) {
  ++stats_.jobs;
  reply(m, std::string(R"({"jsonrpc":"2.0","method":"job","params":)") + job_json(m) + "}\n");
}

void StratumPool::on_line(Miner& m, const std::string& line) {
  if (line.empty()) return;
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("id")) {
    reject(m, "null", "not a JSON-RPC request");
    return;
  }
  const std::string id_json = j["id"].dump();
  const std::string method = string_field(j, "method");
  const auto& params = j.contains("params") ? j["params"] : nlohmann::json();
  if (method == "login") {
    const std::string login = string_field(params, "login");
    if (login.empty() || !params.contains("algo")) {
      reject(m, id_json, "login: missing login or algo");
      return;
    }
    m.fixed = false;
    m.difficulty = m.listener->spec.params.floor_difficulty * start_floor_multiple;
    if (const auto plus = login.rfind('+'); plus != std::string::npos) {
      const double d = std::atof(login.c_str() + plus + 1);
      if (d >= 1) {
        m.fixed = true;
        m.difficulty = d;
      }
    }
    m.logged_in = true;
    m.session = fmt::format("{}-{}-{}-{}-{}", random_hex(rng_, 8), random_hex(rng_, 4), random_hex(rng_, 4),
                            random_hex(rng_, 4), random_hex(rng_, 12));
    ++stats_.logins;
    ++stats_.jobs;
    reply(m, fmt::format(
        R"({{"id":{},"jsonrpc":"2.0","error":null,"result":{{"id":"{}","job":{},"extensions":["algo","nicehash","connect","tls","keepalive"],"status":"OK"}}}})"
        "\n",
        id_json, m.session, job_json(m)));
    schedule_refresh(m);
    return;
  }
  if (!m.logged_in || string_field(params, "id") != m.session) {
    reject(m, id_json, "Unauthenticated");
    return;
  }
  if (method == "keepalived") {
    ++stats_.keepalives;
    reply(m, fmt::format(R"({{"id":{},"jsonrpc":"2.0","error":null,"result":{{"status":"KEEPALIVED"}}}})" "\n", id_json));
    return;
  }
  if (method != "submit") {
    reject(m, id_json, "Invalid method");
    return;
  }
  // A share: job id (16 hex), nonce (8 hex, a uint32), result hash (64 hex).
  if (!is_hex(string_field(params, "job_id"), 16) || !is_hex(string_field(params, "nonce"), 8) ||
      !is_hex(string_field(params, "result"), 64)) {
    reject(m, id_json, "Invalid share");
    return;
  }
  ++stats_.submits;
  reply(m, fmt::format(R"({{"id":{},"jsonrpc":"2.0","error":null,"result":{{"status":"OK"}}}})" "\n", id_json));
  if (m.fixed) return;
  const std::int64_t now = loop_.now_us();
  const double target_s = m.listener->spec.params.share_target_s;
  const std::size_t buffer_size = static_cast<std::size_t>(retarget_time_s / target_s * 4);
  if (m.last_share_us == 0) {
    m.last_share_us = now;
    m.last_retarget_us = now - static_cast<std::int64_t>(retarget_time_s / 2 * 1e6);
    return;
  }
  m.intervals_s.push_back(static_cast<double>(now - m.last_share_us) / 1e6);
  if (m.intervals_s.size() > buffer_size) m.intervals_s.pop_front();
  m.last_share_us = now;
  if (static_cast<double>(now - m.last_retarget_us) / 1e6 < retarget_time_s) return;
  m.last_retarget_us = now;
  double sum = 0;
  for (double x : m.intervals_s) sum += x;
  const double mean_s = sum / static_cast<double>(m.intervals_s.size());
  if (mean_s > target_s * (1 - variance) && mean_s < target_s * (1 + variance)) return;
  const double next = std::max(m.listener->spec.params.floor_difficulty, std::round(m.difficulty * target_s / mean_s));
  if (next == m.difficulty) return;
  m.difficulty = next;
  m.intervals_s.clear();
  ++stats_.retargets;
  push_job(m);  // the new target travels with a new job
}

}  // namespace xmr::lab::live
