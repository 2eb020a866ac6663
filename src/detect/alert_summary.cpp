#include "detect/alert_summary.h"

#include <algorithm>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "detect/eve_alerts.h"

namespace xmr {

namespace {
std::string endpoint_text(const Endpoint& e) {
  return e.addr.is_v4() ? fmt::format("{}:{}", e.addr.to_string(), e.port) : fmt::format("[{}]:{}", e.addr.to_string(), e.port);
}
std::string duration_text(std::int64_t ms) {
  const std::int64_t s = std::max<std::int64_t>(ms, 0) / 1000;
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
  return fmt::format("{}m{:02}s", s / 60, s % 60);
}
std::string time_text(std::int64_t ms) { return eve_time(ms).substr(0, 19) + "Z"; }
}  // namespace

void AlertSummary::on_alert(const Alert& a) {
  auto [it, fresh] = rows_.try_emplace(a.connection.key);
  Row& r = it->second;
  if (fresh || a.score < r.best_score) r.best_score = a.score;
  if (fresh) r.connection = a.connection;
  r.connection.first_ms = std::min(r.connection.first_ms, a.connection.first_ms);
  r.connection.last_ms = std::max(r.connection.last_ms, a.connection.last_ms);
  r.threshold = a.threshold;
  r.rates = a.rates;
  r.tls = std::string(tls_guess(a.sizes));
  ++r.alerts;
}

std::size_t AlertSummary::hosts() const {
  std::set<IpAddress> h;
  for (const auto& [k, r] : rows_) h.insert(r.connection.client().addr);
  return h.size();
}

std::string AlertSummary::table() const {
  if (rows_.empty()) return "No mining connection found.\n";
  std::vector<const Row*> rows;
  for (const auto& [k, r] : rows_) rows.push_back(&r);
  std::sort(rows.begin(), rows.end(), [](const Row* a, const Row* b) {
    if (a->connection.first_ms != b->connection.first_ms) return a->connection.first_ms < b->connection.first_ms;
    return a->connection.client() < b->connection.client();
  });
  std::string out = fmt::format("{:<41} {:<47} {:<20} {:>9} {:>8} {:>8} {:>10} {:<7}\n", "MINER", "POOL", "FIRST SEEN",
                                "DURATION", "SCORE", "JOBS/MIN", "SHARES/MIN", "TLS");
  for (const Row* r : rows)
    out += fmt::format("{:<41} {:<47} {:<20} {:>9} {:>8.4f} {:>8.2f} {:>10.2f} {:<7}\n", r->connection.client().addr.to_string(),
                       endpoint_text(r->connection.server()), time_text(r->connection.first_ms),
                       duration_text(r->connection.last_ms - r->connection.first_ms), r->best_score, r->rates.jobs_per_min,
                       r->rates.submits_per_min, r->tls);
  return out;
}

std::string AlertSummary::rollup() const {
  struct Host {
    std::size_t connections = 0;
    std::set<std::string> pools;
    std::int64_t first_ms = INT64_MAX, last_ms = INT64_MIN;
    double best_score = 0;
  };
  std::map<IpAddress, Host> hosts;
  for (const auto& [k, r] : rows_) {
    Host& h = hosts[r.connection.client().addr];
    if (h.connections == 0 || r.best_score < h.best_score) h.best_score = r.best_score;
    ++h.connections;
    h.pools.insert(endpoint_text(r.connection.server()));
    h.first_ms = std::min(h.first_ms, r.connection.first_ms);
    h.last_ms = std::max(h.last_ms, r.connection.last_ms);
  }
  if (hosts.empty()) return "";
  std::string out = fmt::format("{:<41} {:>5} {:>5} {:<20} {:<20} {:>8}  {}\n", "MINER HOST", "CONNS", "POOLS", "FIRST SEEN",
                                "LAST SEEN", "SCORE", "POOL LIST");
  for (const auto& [addr, h] : hosts) {
    std::string list;
    std::size_t shown = 0;
    for (const auto& p : h.pools) {
      if (shown == 3) {
        list += fmt::format(" (+{})", h.pools.size() - 3);
        break;
      }
      list += (shown++ ? " " : "") + p;
    }
    out += fmt::format("{:<41} {:>5} {:>5} {:<20} {:<20} {:>8.4f}  {}\n", addr.to_string(), h.connections, h.pools.size(),
                       time_text(h.first_ms), time_text(h.last_ms), h.best_score, list);
  }
  return out;
}

}  // namespace xmr
