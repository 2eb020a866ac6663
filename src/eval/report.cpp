#include "eval/report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <variant>

#include <fmt/format.h>

namespace xmr::eval {

namespace {

namespace fs = std::filesystem;

// A report is a list of blocks, rendered once as Markdown and once as HTML.
struct Heading {
  int level;
  std::string text;
};
struct Para {
  std::string text;
};
struct Table {
  std::vector<std::string> head;
  std::vector<std::vector<std::string>> rows;
};
struct Figure {
  std::string file;  // roc.svg
  std::string svg;
  std::string caption;
};
using Block = std::variant<Heading, Para, Table, Figure>;

std::string pct(double v, int digits = 2) { return std::isnan(v) ? "n/a" : fmt::format("{:.{}f} %", 100 * v, digits); }
std::string num(double v, int digits = 3) { return std::isnan(v) ? "n/a" : fmt::format("{:.{}f}", v, digits); }

std::string with_ci(const Proportion& p) {
  if (p.trials == 0) return "n/a";
  return fmt::format("{} [{}, {}] ({}/{})", pct(p.value), pct(p.low), pct(p.high), p.successes, p.trials);
}

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else o += c;
  }
  return o;
}

std::string markdown(const std::vector<Block>& blocks) {
  std::string o;
  for (const auto& b : blocks) {
    if (auto* h = std::get_if<Heading>(&b)) o += fmt::format("{} {}\n\n", std::string(std::size_t(h->level), '#'), h->text);
    else if (auto* p = std::get_if<Para>(&b)) o += p->text + "\n\n";
    else if (auto* t = std::get_if<Table>(&b)) {
      o += "| " + fmt::format("{}", fmt::join(t->head, " | ")) + " |\n|";
      for (std::size_t i = 0; i < t->head.size(); ++i) o += "---|";
      o += "\n";
      for (const auto& r : t->rows) o += "| " + fmt::format("{}", fmt::join(r, " | ")) + " |\n";
      o += "\n";
    } else if (auto* f = std::get_if<Figure>(&b)) o += fmt::format("![{}]({})\n\n", f->caption, f->file);
  }
  return o;
}

std::string html(const std::vector<Block>& blocks) {
  std::string o =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>XMR-Ray evaluation</title>\n<style>"
      "body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}"
      "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #999;padding:3px 8px;font-size:13px}"
      "th{background:#dde}</style></head><body>\n";
  for (const auto& b : blocks) {
    if (auto* h = std::get_if<Heading>(&b)) o += fmt::format("<h{0}>{1}</h{0}>\n", h->level, html_escape(h->text));
    else if (auto* p = std::get_if<Para>(&b)) o += "<p>" + html_escape(p->text) + "</p>\n";
    else if (auto* t = std::get_if<Table>(&b)) {
      o += "<table><tr>";
      for (const auto& c : t->head) o += "<th>" + html_escape(c) + "</th>";
      o += "</tr>\n";
      for (const auto& r : t->rows) {
        o += "<tr>";
        for (const auto& c : r) o += "<td>" + html_escape(c) + "</td>";
        o += "</tr>\n";
      }
      o += "</table>\n";
    } else if (auto* f = std::get_if<Figure>(&b))
      o += "<figure>" + f->svg + "<figcaption>" + html_escape(f->caption) + "</figcaption></figure>\n";
  }
  return o + "</body></html>\n";
}

const char* const palette[] = {"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"};

struct Plot {
  double w = 640, h = 420, left = 60, right = 190, top = 30, bottom = 50;
  double px(double fx) const { return left + fx * (w - left - right); }
  double py(double fy) const { return h - bottom - fy * (h - top - bottom); }
};

std::string svg_frame(const Plot& p, const std::string& title, const std::string& xlabel, const std::string& ylabel) {
  std::string o = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      p.w, p.h);
  o += fmt::format("<text x=\"{}\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">{}</text>\n", (p.left + p.w - p.right) / 2,
                   html_escape(title));
  o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"black\"/>\n", p.left, p.top,
                   p.w - p.left - p.right, p.h - p.top - p.bottom);
  o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", (p.left + p.w - p.right) / 2, p.h - 10,
                   html_escape(xlabel));
  o += fmt::format("<text x=\"14\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {0})\">{1}</text>\n",
                   (p.top + p.h - p.bottom) / 2, html_escape(ylabel));
  for (int i = 0; i <= 5; ++i) {  // y ticks 0..1
    const double y = p.py(i / 5.0);
    o += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#ddd\"/>", p.left, y, p.w - p.right, y);
    o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.1f}</text>\n", p.left - 4, y + 4, i / 5.0);
  }
  return o;
}

std::string legend(const Plot& p, std::size_t i, const std::string& name) {
  const double y = p.top + 14 + double(i) * 18, x = p.w - p.right + 10;
  return fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"3\"/>"
                     "<text x=\"{}\" y=\"{}\">{}</text>\n",
                     x, y, x + 20, y, palette[i % 9], x + 24, y + 4, html_escape(name));
}

nlohmann::json prop_json(const Proportion& p) {
  return {{"successes", p.successes}, {"trials", p.trials}, {"value", p.value}, {"ci95_low", p.low}, {"ci95_high", p.high},
          {"interval", "wilson"}};
}
nlohmann::json det_json(const DetectionAtFpr& d) {
  return {{"target_fpr", d.target_fpr},     {"threshold", d.threshold}, {"detection", prop_json(d.detection)},
          {"false_positive", prop_json(d.false_positive)}, {"benign", d.benign}, {"enough_benign", d.enough_benign}};
}
nlohmann::json rows_json(const std::vector<GroupRow>& rows) {
  auto a = nlohmann::json::array();
  for (const auto& r : rows)
    a.push_back({{"name", r.name}, {"mining", r.mining}, {"connections", r.connections},
                 {"connections_alerted", r.connections_alerted}, {"windows", r.windows}, {"windows_alerted", r.windows_alerted}});
  return a;
}

const LevelSummary* find_level(const Summary& s, const std::string& name) {
  for (const auto& l : s.levels)
    if (l.level == name) return &l;
  return nullptr;
}

std::string dr_cell(const DetectionAtFpr& d) {
  return fmt::format("{}{}", with_ci(d.detection), d.enough_benign ? "" : " (too few benign)");
}

Table level_table(const Summary& s) {
  Table t{{"level", "mining", "benign", "AUC", "DR @ 0.05 % FPR", "DR @ 0.01 % FPR", "DR @ 0.001 % FPR",
           "at operating threshold: DR", "FPR"},
          {}};
  for (const auto& l : s.levels) {
    std::vector<std::string> r{l.level, std::to_string(l.positives), std::to_string(l.negatives), num(l.auc, 4)};
    for (const auto& d : l.at_fpr) r.push_back(dr_cell(d));
    r.push_back(with_ci(l.at_operating.detection));
    r.push_back(with_ci(l.at_operating.false_positive));
    t.rows.push_back(std::move(r));
  }
  return t;
}

Table group_table(const std::vector<GroupRow>& rows, const std::string& first) {
  Table t{{first, "label", "connections alerted", "windows alerted"}, {}};
  for (const auto& r : rows)
    t.rows.push_back({r.name, r.mining ? "mining" : "benign",
                      fmt::format("{}/{} ({})", r.connections_alerted, r.connections,
                                  pct(r.connections ? double(r.connections_alerted) / double(r.connections) : NAN, 1)),
                      fmt::format("{}/{} ({})", r.windows_alerted, r.windows,
                                  pct(r.windows ? double(r.windows_alerted) / double(r.windows) : NAN, 1))});
  return t;
}

}  // namespace

nlohmann::json to_json(const Summary& s) {
  nlohmann::json j{{"detector", s.detector}, {"operating_threshold", s.operating_threshold}};
  auto levels = nlohmann::json::array();
  for (const auto& l : s.levels) {
    nlohmann::json lj{{"level", l.level}, {"positives", l.positives}, {"negatives", l.negatives}, {"auc", l.auc},
                      {"at_operating_threshold", det_json(l.at_operating)}};
    auto fprs = nlohmann::json::array();
    for (const auto& d : l.at_fpr) fprs.push_back(det_json(d));
    lj["at_fpr"] = fprs;
    auto roc = nlohmann::json::array();
    for (const auto& p : l.roc) roc.push_back({p.fpr, p.tpr});
    lj["roc_fpr_tpr"] = roc;
    levels.push_back(lj);
  }
  j["levels"] = levels;
  j["per_profile"] = rows_json(s.per_profile);
  j["per_pool"] = rows_json(s.per_pool);
  j["per_tls"] = rows_json(s.per_tls);
  j["time_to_first_alert"] = {{"detected", s.delay.detected}, {"connections", s.delay.connections},
                              {"median_s", s.delay.median_s}, {"p95_s", s.delay.p95_s}, {"quantiles", "linear (type 7)"}};
  j["unscored_connections"] = s.unscored_connections;
  j["base_rate"] = s.base_rate;
  j["precision_at_base_rate"] = s.precision_at_base_rate;
  auto top = nlohmann::json::array();
  for (const auto& t : s.top_benign)
    top.push_back({{"connection", t.connection}, {"profile", t.profile}, {"server", t.pool}, {"max_suspicion", t.suspicion},
                   {"windows", t.windows}, {"windows_alerted", t.windows_alerted}});
  j["top_benign"] = top;
  return j;
}

std::string roc_svg(const std::vector<std::pair<std::string, std::vector<RocPoint>>>& curves) {
  Plot p;
  std::string o = svg_frame(p, "ROC (log FPR)", "false-positive rate", "detection rate");
  // x: log10 FPR from 1e-6 to 1; an FPR of 0 is drawn at 1e-6.
  const auto fx = [](double fpr) { return (std::log10(std::max(fpr, 1e-6)) + 6) / 6; };
  for (int e = -6; e <= 0; ++e) {
    const double x = p.px((e + 6) / 6.0);
    o += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#ddd\"/>", x, p.top, p.h - p.bottom);
    o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">1e{}</text>\n", x, p.h - p.bottom + 16, e);
  }
  for (std::size_t i = 0; i < curves.size(); ++i) {
    std::string pts;
    for (const auto& pt : curves[i].second) {
      if (std::isnan(pt.fpr) || std::isnan(pt.tpr)) continue;
      pts += fmt::format("{:.1f},{:.1f} ", p.px(fx(pt.fpr)), p.py(pt.tpr));
    }
    o += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n", palette[i % 9], pts);
    o += legend(p, i, curves[i].first);
  }
  return o + "</svg>\n";
}

std::string dr_vs_lw_svg(const std::vector<std::pair<std::size_t, Summary>>& by_window) {
  Plot p;
  std::string o = svg_frame(p, "Detection rate vs window length lW", "lW (slices)", "detection rate");
  std::size_t max_w = 1;
  for (const auto& [w, s] : by_window) max_w = std::max(max_w, w);
  const auto fx = [&](double w) { return max_w > 1 ? (w - 1) / double(max_w - 1) : 0.5; };
  for (std::size_t w = 1; w <= max_w; w += std::max<std::size_t>(1, max_w / 10)) {
    const double x = p.px(fx(double(w)));
    o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x, p.h - p.bottom + 16, w);
  }
  const std::vector<std::pair<std::string, std::pair<std::string, std::size_t>>> series{
      {"window, 0.05 % FPR", {"window", 0}}, {"window, 0.01 % FPR", {"window", 1}},
      {"connection, 0.05 % FPR", {"connection", 0}}, {"window, model threshold", {"window", 9}}};
  for (std::size_t i = 0; i < series.size(); ++i) {
    std::string pts;
    for (const auto& [w, s] : by_window) {
      const auto* l = find_level(s, series[i].second.first);
      if (!l) continue;
      const auto& d = series[i].second.second == 9 ? l->at_operating : l->at_fpr[series[i].second.second];
      if (std::isnan(d.detection.value)) continue;
      const double x = p.px(fx(double(w))), y = p.py(d.detection.value);
      pts += fmt::format("{:.1f},{:.1f} ", x, y);
      o += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>", x, y, palette[i % 9]);
    }
    o += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n", palette[i % 9], pts);
    o += legend(p, i, series[i].first);
  }
  return o + "</svg>\n";
}

result<void> write_report(const std::string& out_dir, const ReportInput& in) {
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) return make_error(errc::io_error, fmt::format("{}: cannot create: {}", out_dir, ec.message()));

  nlohmann::json j{{"command_line", in.command_line}, {"version", in.version},   {"train", in.train_dirs},
                   {"test", in.test_dirs},           {"slice_s", in.slice_s},   {"seed", in.seed},
                   {"model", in.model},              {"primary_window", in.primary_window},
                   {"xmr_ray", to_json(in.primary)}, {"counters", in.extra}};
  auto bw = nlohmann::json::array();
  for (const auto& [w, s] : in.by_window) bw.push_back({{"window", w}, {"summary", to_json(s)}});
  j["by_window"] = bw;
  auto bl = nlohmann::json::array();
  for (std::size_t i = 0; i < in.baselines.size(); ++i)
    bl.push_back({{"name", in.baselines[i].first}, {"note", i < in.baseline_notes.size() ? in.baseline_notes[i] : ""},
                  {"summary", to_json(in.baselines[i].second)}});
  j["baselines"] = bl;
  j["cited"] = {{"paper_headline", "XMR-Ray paper: 98.94 % window detection at 0.05 % FPR (real university network; cited, not re-run)"}};

  std::vector<std::pair<std::string, std::vector<RocPoint>>> curves;
  for (const auto& l : in.primary.levels) curves.emplace_back("XMR-Ray " + l.level, l.roc);
  curves.resize(std::min<std::size_t>(curves.size(), 2));
  for (const auto& [name, s] : in.baselines)
    if (const auto* l = find_level(s, "connection")) curves.emplace_back(name + " conn.", l->roc);
  const std::string roc = roc_svg(curves), lw = dr_vs_lw_svg(in.by_window);

  std::vector<Block> b;
  b.push_back(Heading{1, "XMR-Ray evaluation report"});
  b.push_back(Para{fmt::format("Command: `{}`. Version {}. Slice (active timeout) {} s, primary window lW = {} slices, seed {}. "
                               "Model: {}. Train: {}. Test: {}.",
                               in.command_line, in.version, in.slice_s, in.primary_window, in.seed, in.model,
                               fmt::join(in.train_dirs, ", "), fmt::join(in.test_dirs, ", "))});
  b.push_back(Para{"DR = detection rate, with a Wilson 95 % interval and the counts behind it; a false-positive target is "
                   "marked 'too few benign' when fewer than 3/FPR benign items were scored (zero false positives then do "
                   "not bound the rate below the target). A connection or host is detected if any of its windows is. "
                   "The XMR-Ray paper's headline, 98.94 % window detection at 0.05 % FPR on a university network, is cited, "
                   "not re-run."});
  b.push_back(Heading{2, fmt::format("XMR-Ray at lW = {}", in.primary_window)});
  b.push_back(level_table(in.primary));
  b.push_back(Para{fmt::format("{} labelled test connections had no scored window (shorter than lW slices, or bulk-sized): they "
                               "count as not alerted at connection and host level. ",
                               in.primary.unscored_connections) +
                   fmt::format("Operating threshold (the model's own): {}. Time from a mining connection's first packet to its "
                               "first alert: median {} s, 95th percentile {} s ({} of {} mining connections alerted). "
                               "Precision at the test data's base rate ({} of windows mining): {}.",
                               num(in.primary.operating_threshold, 4), num(in.primary.delay.median_s, 0),
                               num(in.primary.delay.p95_s, 0), in.primary.delay.detected, in.primary.delay.connections,
                               pct(in.primary.base_rate, 3), pct(in.primary.precision_at_base_rate, 3))});
  b.push_back(Figure{"roc.svg", roc, "ROC curves: XMR-Ray windows and connections, baselines per connection"});
  if (!in.by_window.empty()) {
    b.push_back(Heading{2, "Detection rate vs window length"});
    Table t{{"lW", "window AUC", "window DR @ 0.05 %", "window DR @ 0.01 %", "connection DR @ 0.05 %", "window DR @ model thr.",
             "window FPR @ model thr."},
            {}};
    for (const auto& [w, s] : in.by_window) {
      const auto* wl = find_level(s, "window");
      const auto* cl = find_level(s, "connection");
      if (!wl || !cl) continue;
      t.rows.push_back({std::to_string(w), num(wl->auc, 4), dr_cell(wl->at_fpr[0]), dr_cell(wl->at_fpr[1]), dr_cell(cl->at_fpr[0]),
                        with_ci(wl->at_operating.detection), with_ci(wl->at_operating.false_positive)});
    }
    b.push_back(t);
    b.push_back(Figure{"dr_vs_lw.svg", lw, "Detection rate as a function of lW"});
  }
  b.push_back(Heading{2, "Per profile (operating threshold)"});
  b.push_back(group_table(in.primary.per_profile, "profile"));
  b.push_back(Heading{2, "Per pool (mining only)"});
  b.push_back(group_table(in.primary.per_pool, "pool"));
  b.push_back(Heading{2, "TLS and plaintext mining"});
  b.push_back(group_table(in.primary.per_tls, "transport"));
  b.push_back(Heading{2, "Most suspicious benign connections"});
  Table top{{"connection", "profile", "server", "max suspicion", "windows alerted"}, {}};
  for (const auto& t : in.primary.top_benign)
    top.rows.push_back({t.connection, t.profile, t.pool, num(t.suspicion, 4), fmt::format("{}/{}", t.windows_alerted, t.windows)});
  b.push_back(top);
  if (!in.baselines.empty()) {
    b.push_back(Heading{2, "Baselines (same test data, connection level)"});
    Table t{{"detector", "AUC", "DR @ 0.05 % FPR", "DR @ 0.01 % FPR", "at own threshold: DR", "FPR", "first alert median / p95 (s)"},
            {}};
    const auto row = [&](const std::string& name, const Summary& s) {
      const auto* l = find_level(s, "connection");
      if (!l) return;
      t.rows.push_back({name, num(l->auc, 4), dr_cell(l->at_fpr[0]), dr_cell(l->at_fpr[1]), with_ci(l->at_operating.detection),
                        with_ci(l->at_operating.false_positive),
                        fmt::format("{} / {}", num(s.delay.median_s, 0), num(s.delay.p95_s, 0))});
    };
    row("XMR-Ray", in.primary);
    for (const auto& [name, s] : in.baselines) row(name, s);
    b.push_back(t);
    for (std::size_t i = 0; i < in.baselines.size() && i < in.baseline_notes.size(); ++i)
      b.push_back(Para{fmt::format("{}: {}", in.baselines[i].first, in.baseline_notes[i])});
    b.push_back(Heading{3, "Baselines per pool (connections alerted at their own threshold)"});
    Table pp{{"pool"}, {}};
    pp.head.push_back("XMR-Ray");
    for (const auto& [name, s] : in.baselines) pp.head.push_back(name);
    for (const auto& r : in.primary.per_pool) {
      std::vector<std::string> cells{r.name, fmt::format("{}/{}", r.connections_alerted, r.connections)};
      for (const auto& [name, s] : in.baselines) {
        auto it = std::find_if(s.per_pool.begin(), s.per_pool.end(), [&](const GroupRow& g) { return g.name == r.name; });
        cells.push_back(it == s.per_pool.end() ? "n/a" : fmt::format("{}/{}", it->connections_alerted, it->connections));
      }
      pp.rows.push_back(std::move(cells));
    }
    b.push_back(pp);
  }

  const std::vector<std::pair<std::string, std::string>> files{
      {"results.json", j.dump(1) + "\n"}, {"report.md", markdown(b)}, {"report.html", html(b)}, {"roc.svg", roc}, {"dr_vs_lw.svg", lw}};
  for (const auto& [name, text] : files) {
    const auto path = (fs::path(out_dir) / name).string();
    std::ofstream f(path, std::ios::binary);
    f << text;
    if (!f) return make_error(errc::io_error, fmt::format("{}: cannot write", path));
  }
  return {};
}

}  // namespace xmr::eval
