#include "detect/explain.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "detect/eve_alerts.h"
#include "detect/prefilter.h"

namespace xmr {

namespace {
result<Endpoint> parse_endpoint(std::string_view text) {
  std::string_view addr, port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) return make_error(errc::bad_argument, fmt::format("expected [IPv6]:PORT, got '{}'", text));
    addr = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return make_error(errc::bad_argument, fmt::format("expected IP:PORT, got '{}'", text));
    addr = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  auto a = IpAddress::parse(addr);
  if (!a) return make_error(errc::bad_argument, fmt::format("not an address: '{}'", addr));
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc{} || end != port.data() + port.size() || port.empty() || p > 65535)
    return make_error(errc::bad_argument, fmt::format("bad port in '{}'", text));
  return Endpoint{*a, static_cast<std::uint16_t>(p)};
}
}  // namespace

result<ConnectionKey> parse_connection(std::string_view text) {
  // The separator is the '-' that follows a port: search after the first ':' run of digits.
  std::size_t dash = std::string_view::npos;
  for (std::size_t i = 1; i < text.size(); ++i)
    if (text[i] == '-' && std::isdigit(static_cast<unsigned char>(text[i - 1]))) {
      const auto left = text.substr(0, i);
      if (parse_endpoint(left)) {
        dash = i;
        break;
      }
    }
  if (dash == std::string_view::npos)
    return make_error(errc::bad_argument, fmt::format("expected IP:PORT-IP:PORT, got '{}'", text));
  auto a = parse_endpoint(text.substr(0, dash));
  auto b = parse_endpoint(text.substr(dash + 1));
  if (!a) return make_error(a.error().code, a.error().context);
  if (!b) return make_error(b.error().code, b.error().context);
  FlowRecord r;
  r.src_addr = a->addr;
  r.src_port = a->port;
  r.dst_addr = b->addr;
  r.dst_port = b->port;
  r.proto = proto_tcp;
  return key_of(r).key;
}

result<std::unique_ptr<ConnectionExplainer>> ConnectionExplainer::create(const Model& model, const DetectorOptions& options,
                                                                         const ConnectionKey& key) {
  // The standardizer travels inside the model file; read it back from the model's own JSON.
  const auto j = nlohmann::json::parse(model.to_json_text(), nullptr, false);
  if (j.is_discarded() || !j.contains("standardizer"))
    return make_error(errc::bad_argument, "the model carries no standardizer");
  auto st = Standardizer::from_json(j["standardizer"]);
  if (!st) return make_error(st.error().code, st.error().context);
  return std::unique_ptr<ConnectionExplainer>(new ConnectionExplainer(model, options, key, *st));
}

ConnectionExplainer::ConnectionExplainer(const Model& model, const DetectorOptions& options, const ConnectionKey& key,
                                         Standardizer st)
    : model_(model),
      options_(options),
      key_(key),
      standardizer_(std::move(st)),
      table_(options.table),
      windows_(table_.options().slice_ms, std::max<std::size_t>(options.window_slices, 1), *this) {
  if (options_.early_min_duration_ms >= 0) windows_.enable_early_windows(options_.early_min_duration_ms);
}

void ConnectionExplainer::add(const FlowRecord& r) {
  if (r.proto != proto_tcp || key_of(r).key != key_) return;
  out_.found = true;
  table_.add(r, windows_);
}

void ConnectionExplainer::finish() { table_.flush(windows_); }

void ConnectionExplainer::on_window(const ConnectionInfo& connection, std::span<const Slice> window, std::uint64_t) {
  out_.connection = connection;
  const std::int64_t slice_ms = table_.options().slice_ms;
  const std::int64_t lw = static_cast<std::int64_t>(std::max<std::size_t>(options_.window_slices, 1));
  const std::int64_t first_index = connection.first_ms / slice_ms - (connection.first_ms % slice_ms < 0 ? 1 : 0);
  WindowExplanation w;
  const std::int64_t last_index = window.back().index;
  w.early = last_index - first_index + 1 < lw;
  w.start_ms = std::max(last_index - lw + 1, first_index) * slice_ms;
  w.end_ms = (last_index + 1) * slice_ms;
  w.prefiltered = !stratum_sized(window);
  // As the Detector: scored windows feed the connection's size history; bulk-sized ones, which it
  // never scores, are shown with sizes learned from the window alone.
  const auto features = w.prefiltered ? features_of_window(connection, window, slice_ms, &w.sizes)
                                      : featurizer_.features(connection, window, slice_ms, &w.sizes);
  w.score = model_.score(features);
  w.threshold = model_.threshold();
  w.alerts = !w.prefiltered && model_.alerts(w.score);
  w.rates = rates_of_window(window, w.sizes, slice_ms);
  for (const auto& s : window) w.slices.push_back({s, estimate_slice(s, w.sizes)});
  const auto scaled = standardizer_.apply(features);
  for (std::size_t i = 0; i < feature_count; ++i) {
    FeatureVector probe = features;
    probe[i] = standardizer_.raw_center(i);
    w.contributions.push_back({static_cast<Feature>(i), features[i], scaled[i], w.score - model_.score(probe)});
  }
  std::stable_sort(w.contributions.begin(), w.contributions.end(), [](const auto& a, const auto& b) {
    return std::fabs(a.contribution) > std::fabs(b.contribution);
  });
  out_.windows.push_back(std::move(w));
}

std::string format_explanation(const ConnectionExplanation& e, std::size_t top) {
  if (!e.found) return "No record of this connection in the input.\n";
  const auto& c = e.connection;
  std::string out = fmt::format("connection {}:{} (miner side, by {}) -> {}:{}\n", c.client().addr.to_string(), c.client().port,
                                to_string(c.basis), c.server().addr.to_string(), c.server().port);
  out += fmt::format("records {} -> {}, up {} records, down {} records\n", eve_time(c.first_ms), eve_time(c.last_ms),
                     c.records_up, c.records_down);
  if (e.windows.empty()) {
    out += "No window: the connection is shorter than the shortest one the detector scores.\n";
    return out;
  }
  for (std::size_t wi = 0; wi < e.windows.size(); ++wi) {
    const auto& w = e.windows[wi];
    out += fmt::format("\nwindow {} [{} .. {}){}: score {:.4f} threshold {:.4f} -> {}\n", wi + 1, eve_time(w.start_ms),
                       eve_time(w.end_ms), w.early ? " (early)" : "", w.score, w.threshold,
                       w.prefiltered ? "not scored (bulk-sized)" : w.alerts ? "ALERT" : "no alert");
    out += fmt::format("  learned sizes: header {} job {} result {} submit {} keepalive {}; TLS {}\n", w.sizes.header_bytes,
                       w.sizes.job, w.sizes.result, w.sizes.submit, w.sizes.keepalive, tls_guess(w.sizes));
    out += fmt::format("  rates/min: jobs {:.2f} shares {:.2f} results {:.2f} keepalives {:.2f}\n", w.rates.jobs_per_min,
                       w.rates.submits_per_min, w.rates.results_per_min, w.rates.keepalives_per_min);
    out += "  slice start                 up pkts  up bytes dn pkts  dn bytes  jobs subm res  keep ackU ackD resid_up resid_dn\n";
    for (const auto& s : w.slices)
      out += fmt::format("  {:<26} {:>7} {:>9} {:>7} {:>9} {:>5} {:>4} {:>4} {:>4} {:>4} {:>4} {:>8} {:>8}\n",
                         eve_time(s.slice.start_ms), s.slice.up.pkts, s.slice.up.bytes, s.slice.down.pkts, s.slice.down.bytes,
                         s.estimate.jobs, s.estimate.submits, s.estimate.results, s.estimate.keepalives, s.estimate.acks_up,
                         s.estimate.acks_down, s.estimate.residual_up, s.estimate.residual_down);
    out += "  features (largest effect first; contribution > 0 pushes away from mining):\n";
    for (std::size_t i = 0; i < std::min(top, w.contributions.size()); ++i) {
      const auto& f = w.contributions[i];
      out += fmt::format("    {:<26} value {:>10.4f} scaled {:>8.3f} contribution {:>+9.4f}\n", feature_name(f.feature), f.value,
                         f.scaled, f.contribution);
    }
  }
  return out;
}

}  // namespace xmr
