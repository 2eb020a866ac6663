#include "eval/baselines/flow_baselines.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "eval/baselines/c45_tree.h"

namespace xmr::eval {

namespace {

constexpr std::uint8_t ack = tcp_flag::ack, psh = tcp_flag::psh;

// miner_detector.h: score weights and bounds (SUSPECT_* constants).
constexpr double nemea_ackpush_ratio_pct = 80, nemea_low_bpp = 50, nemea_high_bpp = 130;
constexpr double nemea_reverse_low_ppf = 10, nemea_reverse_high_ppf = 20;
constexpr double nemea_low_ppm = 8, nemea_high_ppm = 30, nemea_min_active_s = 300;
constexpr double nemea_alert_score = 7;  // userConfigFile.xml score_treshold
constexpr std::int64_t nemea_timeout_active_s = 300;  // userConfigFile.xml timeout_active

void nemea_add(FlowTap::NemeaState& s, const FlowRecord& r) {
  // miner_detector_process_data: a suspect starts with a flow whose flags are exactly ACK or
  // ACK+PSH. (The original tests `tcp_flags == (TCP_ACK & TCP_PSH)`, i.e. == 0, so it never counts
  // ACK+PSH flows; we implement the evident intent, ACK|PSH, which can only help it.)
  const bool only_ack = r.tcp_flags == ack, only_ackpush = r.tcp_flags == (ack | psh);
  const std::int64_t last_s = r.last_ms / 1000;
  if (!s.started) {
    if (!only_ack && !only_ackpush) return;
    s.started = true;
    s.last_exported_s = last_s;
  }
  s.ack_flows += only_ack;
  s.ackpush_flows += only_ackpush;
  s.other_flows += !only_ack && !only_ackpush;
  s.pkts += r.pkts;
  s.bytes += r.bytes;
  s.last_seen_s = std::max(s.last_seen_s, last_s);
  const double score = nemea_score(s);
  s.max_score = std::max(s.max_score, score);
  if (score >= nemea_alert_score && s.first_alert_ms < 0) s.first_alert_ms = r.last_ms;
  if (s.last_seen_s - s.last_exported_s >= nemea_timeout_active_s) {  // check_thread: export and reset
    s.last_exported_s = s.last_seen_s;
    s.ack_flows = s.ackpush_flows = s.other_flows = s.pkts = s.bytes = 0;
  }
}

struct Scaler {  // robust scaling of log1p features for the one-class distance
  std::vector<double> center, scale;
  void fit(const std::vector<std::vector<double>>& rows) {
    const std::size_t w = rows.empty() ? 0 : rows[0].size();
    center.assign(w, 0);
    scale.assign(w, 1);
    for (std::size_t a = 0; a < w; ++a) {
      std::vector<double> v;
      for (const auto& r : rows) v.push_back(std::log1p(std::max(0.0, r[a])));
      center[a] = quantile(v, 0.5);
      const double iqr = quantile(v, 0.75) - quantile(v, 0.25);
      scale[a] = iqr > 1e-9 ? iqr : 1;
    }
  }
  std::vector<double> apply(const std::vector<double>& r) const {
    std::vector<double> out(r.size());
    for (std::size_t a = 0; a < r.size(); ++a) out[a] = (std::log1p(std::max(0.0, r[a])) - center[a]) / scale[a];
    return out;
  }
};

double knn_distance(const std::vector<std::vector<double>>& train, const std::vector<double>& x, std::size_t k) {
  std::vector<double> d;
  d.reserve(train.size());
  for (const auto& t : train) {
    double s = 0;
    for (std::size_t a = 0; a < x.size(); ++a) s += (t[a] - x[a]) * (t[a] - x[a]);
    d.push_back(std::sqrt(s));
  }
  k = std::min(k, d.size());
  if (k == 0) return 0;
  std::partial_sort(d.begin(), d.begin() + std::ptrdiff_t(k), d.end());
  double sum = 0;
  for (std::size_t i = 0; i < k; ++i) sum += d[i];
  return sum / double(k);
}

std::int64_t bin_end(const FlowTap::Bin& b) { return b.last_ms; }

std::string fmt_tree_note(std::size_t leaves, std::size_t depth, std::size_t rows) {
  return fmt::format("tree: {} leaves, depth {}, {} training rows", leaves, depth, rows);
}

// Ports a firewall list of mining pools would name. Sources: pool "getting started" pages list
// 3333/5555/7777 (low/mid/high difficulty, supportxmr.com and most nodejs-pool deployments),
// 4444 and 14444/14433 (nanopool, TLS 14433), 9000 (supportxmr TLS), 45700 (MoneroOcean), and
// 3334 as the TLS twin of 3333 on many pools.
const std::set<std::uint16_t> mining_ports{3333, 3334, 4444, 5555, 7777, 9000, 14433, 14444, 45700};

}  // namespace

void FlowTap::add(const FlowRecord& r, const ConnectionLabel& label, const std::string& scope) {
  auto& c = connections_[scope + " " + connection_name(label)];
  c.label = &label;
  c.scope = scope;
  const bool up = r.src_addr == label.client.addr && r.src_port == label.client.port;
  auto& b = c.bins[r.first_ms / bin_ms_];
  (up ? b.up_pkts : b.down_pkts) += r.pkts;
  (up ? b.up_bytes : b.down_bytes) += r.bytes;
  b.first_ms = std::min(b.first_ms, r.first_ms);
  b.last_ms = std::max(b.last_ms, r.last_ms);
  nemea_add(up ? c.nemea_up : c.nemea_down, r);
  if (up) {
    auto& g = c.group;
    ++g.flows;
    g.ackpush += (r.tcp_flags & (ack | psh)) == (ack | psh);
    g.req += r.src_port > r.dst_port;
    g.syn += (r.tcp_flags & tcp_flag::syn) != 0;
    g.rst += (r.tcp_flags & tcp_flag::rst) != 0;
    g.fin += (r.tcp_flags & tcp_flag::fin) != 0;
    g.pkts += r.pkts;
    g.bytes += r.bytes;
    g.first_ms = std::min(g.first_ms, r.first_ms);
    g.last_ms = std::max(g.last_ms, r.last_ms);
    g.snapshots.emplace_back(r.last_ms, vesely_features(g));
  }
}

std::vector<double> munoz_features(const FlowTap::Bin& b) {
  const double dur_s = std::max(0.001, double(b.last_ms - b.first_ms) / 1000.0);
  const double pk = double(b.up_pkts + b.down_pkts), by = double(b.up_bytes + b.down_bytes);
  return {double(b.up_pkts),
          double(b.down_pkts),
          double(b.up_bytes),
          double(b.down_bytes),
          b.up_pkts ? double(b.up_bytes) / double(b.up_pkts) : 0,
          b.down_pkts ? double(b.down_bytes) / double(b.down_pkts) : 0,
          dur_s,
          pk / dur_s,
          by / dur_s,
          b.up_bytes ? double(b.down_bytes) / double(b.up_bytes) : 0};
}

std::vector<double> vesely_features(const FlowTap::GroupState& g) {
  const double f = double(std::max<std::uint64_t>(1, g.flows));
  const double minutes = std::max(1.0 / 60, double(g.last_ms - g.first_ms) / 60000.0);
  return {double(g.ackpush) / f,
          g.pkts ? double(g.bytes) / double(g.pkts) : 0,
          double(g.pkts) / f,
          double(g.pkts) / minutes,
          double(g.req) / f,
          double(g.syn) / f,
          double(g.rst) / f,
          double(g.fin) / f};
}

double nemea_score(const FlowTap::NemeaState& s) {
  // compute_suspect_score, with its integer truncations.
  const double flows = double(s.ack_flows + s.ackpush_flows + s.other_flows);
  if (flows == 0 || s.pkts == 0) return 0;
  const double bpp = std::floor(double(s.bytes) / double(s.pkts));
  const double ppf = std::floor(double(s.pkts) / flows);
  const double active_s = double(s.last_seen_s - s.last_exported_s);
  const double ppm = active_s < 5 ? -1 : std::floor(double(s.pkts) / (active_s / 60.0));
  double score = 0;
  if (std::floor(double(s.ack_flows + s.ackpush_flows) / flows * 100) >= nemea_ackpush_ratio_pct) score += 2;
  if (bpp > nemea_low_bpp && bpp < nemea_high_bpp) score += 2;
  if (ppf < nemea_reverse_low_ppf || ppf > nemea_reverse_high_ppf) score += 1;
  if (ppm != -1 && ppm >= nemea_low_ppm && ppm <= nemea_high_ppm) score += 2;
  if (active_s >= nemea_min_active_s) score += 3;
  return score;
}

std::vector<BaselineRun> run_baselines(const FlowTap& train, const FlowTap& test, std::uint64_t seed) {
  std::vector<BaselineRun> out;
  // Muñoz et al.: supervised C4.5 on paired per-bin flow records.
  {
    std::vector<std::vector<double>> rows, mining_rows;
    std::vector<bool> y;
    for (const auto& [name, c] : train.connections())
      for (const auto& [i, b] : c.bins) {
        rows.push_back(munoz_features(b));
        y.push_back(c.label->mining);
        if (c.label->mining) mining_rows.push_back(rows.back());
      }
    C45Tree tree;
    tree.fit(rows, y);
    BaselineRun run{"munoz_c45", "Muñoz et al. 2019: per-flow NetFlow features, C4.5 (supervised)", {}, 0.5, true,
                    fmt_tree_note(tree.leaves(), tree.depth(), rows.size())};
    for (const auto& [name, c] : test.connections())
      for (const auto& [i, b] : c.bins) run.items.push_back({tree.probability(munoz_features(b)), c.label, name, bin_end(b), c.scope});
    out.push_back(std::move(run));

    // The same features, one-class: mean distance to the 5 nearest mining flows.
    std::mt19937_64 rng(seed);
    for (std::size_t i = mining_rows.size(); i > 1; --i) std::swap(mining_rows[i - 1], mining_rows[rng() % i]);
    if (mining_rows.size() > 4000) mining_rows.resize(4000);  // bounds the O(n) distance per item
    const std::size_t held = mining_rows.size() / 5;
    std::vector<std::vector<double>> fit_rows(mining_rows.begin() + std::ptrdiff_t(held), mining_rows.end());
    Scaler sc;
    sc.fit(fit_rows);
    for (auto& r : fit_rows) r = sc.apply(r);
    std::vector<double> held_d;
    for (std::size_t i = 0; i < held; ++i) held_d.push_back(knn_distance(fit_rows, sc.apply(mining_rows[i]), 5));
    BaselineRun oc{"munoz_oneclass", "Muñoz features, one-class (5-NN distance to mining flows)", {},
                   held_d.empty() ? 0 : -quantile(held_d, 0.99) - 1e-12, false,
                   "threshold: 99th percentile of held-out mining flows' distance"};
    for (const auto& [name, c] : test.connections())
      for (const auto& [i, b] : c.bins)
        oc.items.push_back({-knn_distance(fit_rows, sc.apply(munoz_features(b)), 5), c.label, name, bin_end(b), c.scope});
    out.push_back(std::move(oc));
  }
  // Nemea miner_detector: one item per connection, its highest score over time.
  {
    BaselineRun run{"nemea", "CESNET Nemea miner_detector flow score (no active probe), alert at score >= 7", {},
                    nemea_alert_score - 0.5, false, "score 0-10; both directions' suspects, the higher counts"};
    for (const auto& [name, c] : test.connections()) {
      const double s = std::max(c.nemea_up.max_score, c.nemea_down.max_score);
      std::int64_t when = c.bins.empty() ? c.label->start_ms : c.bins.rbegin()->second.last_ms;
      for (const auto* n : {&c.nemea_up, &c.nemea_down})
        if (n->first_alert_ms >= 0) when = std::min(when, n->first_alert_ms);
      run.items.push_back({s, c.label, name, when, c.scope});
    }
    out.push_back(std::move(run));
  }
  // Veselý and Žádník: group features, J48.
  {
    std::vector<std::vector<double>> rows;
    std::vector<bool> y;
    for (const auto& [name, c] : train.connections())
      for (const auto& [t, f] : c.group.snapshots) {
        rows.push_back(f);
        y.push_back(c.label->mining);
      }
    C45Tree tree;
    tree.fit(rows, y);
    BaselineRun run{"vesely_j48", "Veselý & Žádník 2019: src/dst/port group ratios, J48 (supervised)", {}, 0.5, true,
                    fmt_tree_note(tree.leaves(), tree.depth(), rows.size())};
    for (const auto& [name, c] : test.connections())
      for (const auto& [t, f] : c.group.snapshots) run.items.push_back({tree.probability(f), c.label, name, t, c.scope});
    out.push_back(std::move(run));
  }
  // Ports and pool addresses.
  {
    std::set<IpAddress> pools;
    for (const auto& [name, c] : train.connections())
      if (c.label->mining) pools.insert(c.label->server.addr);
    BaselineRun run{"ports_pools", "known mining ports or a pool address seen in training (firewall list)", {}, 0.5, false,
                    std::to_string(pools.size()) + " pool addresses from training"};
    for (const auto& [name, c] : test.connections()) {
      const bool hit = mining_ports.count(c.label->server.port) || pools.count(c.label->server.addr);
      run.items.push_back({hit ? 1.0 : 0.0, c.label, name, c.label->start_ms, c.scope});
    }
    out.push_back(std::move(run));
  }
  return out;
}

}  // namespace xmr::eval
