#include "eval/evaluation.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace xmr::eval {

namespace {

std::vector<RocPoint> thin(const std::vector<RocPoint>& roc, std::size_t max_points) {
  if (roc.size() <= max_points) return roc;
  std::vector<RocPoint> out;
  const double step = double(roc.size() - 1) / double(max_points - 1);
  for (std::size_t i = 0; i < max_points; ++i) out.push_back(roc[std::min(roc.size() - 1, std::size_t(std::lround(i * step)))]);
  // Keep the low-FPR corner exact: that is where detectors differ.
  for (const auto& p : roc)
    if (p.fpr <= 0.001) out.push_back(p);
  std::sort(out.begin(), out.end(), [](const RocPoint& a, const RocPoint& b) {
    return a.fpr < b.fpr || (a.fpr == b.fpr && a.tpr < b.tpr);
  });
  out.erase(std::unique(out.begin(), out.end(), [](const RocPoint& a, const RocPoint& b) {
              return a.fpr == b.fpr && a.tpr == b.tpr;
            }), out.end());
  return out;
}

LevelSummary level(const std::string& name, const std::vector<Scored>& s, double operating) {
  LevelSummary l;
  l.level = name;
  for (const auto& x : s) (x.positive ? l.positives : l.negatives)++;
  l.auc = roc_auc(s);
  for (double f : standard_fprs) l.at_fpr.push_back(detection_at_fpr(s, f));
  l.at_operating = detection_at_threshold(s, operating);
  l.roc = thin(roc_curve(s), 300);
  return l;
}

void bump(std::map<std::string, GroupRow>& rows, const std::string& name, bool mining, bool window_alert) {
  auto& r = rows[name];
  r.name = name;
  r.mining = mining;
  ++r.windows;
  r.windows_alerted += window_alert;
}

std::vector<GroupRow> finish(std::map<std::string, GroupRow>& rows, const std::map<std::string, std::pair<std::string, bool>>& conns,
                             const std::map<std::string, double>& conn_max, double operating,
                             std::string (*key)(const ConnectionLabel&), const std::map<std::string, const ConnectionLabel*>& label_of,
                             bool mining_only) {
  for (const auto& [c, _] : conns) {
    const auto* l = label_of.at(c);
    if (mining_only && !l->mining) continue;
    auto it = rows.find(key(*l));
    if (it == rows.end()) continue;
    ++it->second.connections;
    it->second.connections_alerted += conn_max.at(c) > operating;
  }
  std::vector<GroupRow> out;
  for (auto& [n, r] : rows) out.push_back(r);
  std::stable_sort(out.begin(), out.end(), [](const GroupRow& a, const GroupRow& b) { return a.mining > b.mining; });
  return out;
}

std::string profile_key(const ConnectionLabel& l) { return l.profile; }
std::string pool_key(const ConnectionLabel& l) { return l.pool; }
std::string tls_key(const ConnectionLabel& l) { return l.tls ? "tls" : "plaintext"; }

}  // namespace

std::string connection_name(const ConnectionLabel& l) {
  const auto ep = [](const Endpoint& e) {
    return e.addr.is_v4() ? fmt::format("{}:{}", e.addr.to_string(), e.port) : fmt::format("[{}]:{}", e.addr.to_string(), e.port);
  };
  return fmt::format("{} -> {}", ep(l.client), ep(l.server));
}

Summary summarise(const std::string& detector, const std::vector<ScoredItem>& items, double operating,
                  bool windows_are_items, const std::vector<ScoredItem>& all_connections) {
  Summary sum;
  sum.detector = detector;
  sum.operating_threshold = operating;
  std::vector<Scored> w;
  std::vector<std::string> conn, host;
  w.reserve(items.size());
  std::map<std::string, GroupRow> by_profile, by_pool, by_tls;
  std::map<std::string, const ConnectionLabel*> label_of;
  std::map<std::string, std::pair<std::string, bool>> conns;
  std::map<std::string, double> conn_max;
  std::map<std::string, std::int64_t> first_alert_ms;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> conn_windows;  // windows, alerted
  std::uint64_t mining_items = 0;
  for (const auto& it : items) {
    const bool alert = it.suspicion > operating;
    w.push_back({it.suspicion, it.label->mining});
    conn.push_back(it.connection);
    host.push_back(it.scope + " " + it.label->client.addr.to_string());
    mining_items += it.label->mining;
    label_of[it.connection] = it.label;
    conns[it.connection] = {it.label->profile, it.label->mining};
    auto [m, fresh] = conn_max.try_emplace(it.connection, it.suspicion);
    if (!fresh) m->second = std::max(m->second, it.suspicion);
    auto& cw = conn_windows[it.connection];
    ++cw.first;
    cw.second += alert;
    if (alert) {
      auto [f, first] = first_alert_ms.try_emplace(it.connection, it.end_ms);
      if (!first) f->second = std::min(f->second, it.end_ms);
    }
    bump(by_profile, it.label->profile, it.label->mining, alert);
    if (it.label->mining) {
      bump(by_pool, it.label->pool, true, alert);
      bump(by_tls, tls_key(*it.label), true, alert);
    }
  }
  if (windows_are_items) sum.levels.push_back(level("window", w, operating));
  std::uint64_t unscored = 0;
  for (const auto& c : all_connections) {
    if (conns.count(c.connection)) continue;
    ++unscored;
    w.push_back({-std::numeric_limits<double>::infinity(), c.label->mining});
    conn.push_back(c.connection);
    host.push_back(c.scope + " " + c.label->client.addr.to_string());
    label_of[c.connection] = c.label;
    conns[c.connection] = {c.label->profile, c.label->mining};
    conn_max[c.connection] = -std::numeric_limits<double>::infinity();
    conn_windows[c.connection] = {0, 0};
    by_profile[c.label->profile].name = c.label->profile;
    by_profile[c.label->profile].mining = c.label->mining;
    if (c.label->mining) {
      by_pool[c.label->pool].name = c.label->pool;
      by_pool[c.label->pool].mining = true;
      by_tls[tls_key(*c.label)].name = tls_key(*c.label);
      by_tls[tls_key(*c.label)].mining = true;
    }
  }
  sum.unscored_connections = unscored;
  sum.levels.push_back(level("connection", aggregate_max(w, conn), operating));
  sum.levels.push_back(level("host", aggregate_max(w, host), operating));
  sum.per_profile = finish(by_profile, conns, conn_max, operating, profile_key, label_of, false);
  sum.per_pool = finish(by_pool, conns, conn_max, operating, pool_key, label_of, true);
  sum.per_tls = finish(by_tls, conns, conn_max, operating, tls_key, label_of, true);

  std::vector<double> delays;
  std::uint64_t mining_conns = 0;
  for (const auto& [c, pm] : conns) {
    if (!pm.second) continue;
    ++mining_conns;
    if (auto f = first_alert_ms.find(c); f != first_alert_ms.end())
      delays.push_back(double(f->second - label_of.at(c)->start_ms) / 1000.0);
  }
  sum.delay = time_to_first_alert(delays, mining_conns);

  sum.base_rate = items.empty() ? 0 : double(mining_items) / double(items.size());
  const auto& first = sum.levels.front().at_operating;
  sum.precision_at_base_rate = precision_at_base_rate(first.detection.value, first.false_positive.value, sum.base_rate);

  for (const auto& [c, pm] : conns) {
    if (pm.second) continue;
    const auto* l = label_of.at(c);
    sum.top_benign.push_back({c, l->profile, l->pool, conn_max.at(c), conn_windows.at(c).first, conn_windows.at(c).second});
  }
  std::sort(sum.top_benign.begin(), sum.top_benign.end(),
            [](const TopBenign& a, const TopBenign& b) { return a.suspicion > b.suspicion; });
  if (sum.top_benign.size() > 10) sum.top_benign.resize(10);
  return sum;
}

}  // namespace xmr::eval
