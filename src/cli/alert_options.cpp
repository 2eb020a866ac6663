#include "cli/alert_options.h"

#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace xmr::cli {

namespace {

result<std::string> read_text(const std::string& path, const char* option) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(errc::io_error, fmt::format("{} {}: cannot open", option, path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Not inlined: GCC 12 at -O3 reports a false -Wfree-nonheap-object when the destructor of
// result<Suppressions> is inlined into its caller.
template <typename List>
[[gnu::noinline]] result<std::unique_ptr<List>> load_list(const std::string& path, const char* option) {
  auto text = read_text(path, option);
  if (!text) return tl::unexpected(text.error());
  auto list = List::parse(*text, path);
  if (!list) return make_error(list.error().code, fmt::format("{}: {}", option, list.error().context));
  return std::make_unique<List>(std::move(*list));
}

}  // namespace

void add_alert_options(CLI::App& sub, AlertOptions& o, const std::string& alerts_help) {
  sub.add_option("-w,--alerts", o.outputs.alerts_path, alerts_help);
  sub.add_option("--alert-format", o.outputs.format, "Format of the --alerts lines: eve (Suricata EVE) or ecs (Elastic Common Schema)")
      ->check(CLI::IsMember({"eve", "ecs"}));
  sub.add_option("--syslog", o.outputs.syslog,
                 "Also send each alert as RFC 5424 syslog to udp://HOST[:PORT] or unix:/PATH (e.g. unix:/dev/log)");
  sub.add_option("--syslog-facility", o.outputs.syslog_facility, "Syslog facility: a name (daemon, local0..local7, ...) or 0-23");
  sub.add_option("--syslog-severity", o.outputs.syslog_severity, "Syslog severity: a name (err, warning, notice, info, ...) or 0-7");
  sub.add_option("--allowlist", o.allowlist_path, "Never alert on these hosts, pools, CIDRs, host:port (docs/alerts.md)");
  sub.add_option("--suppress", o.suppress_path, "Silence known alerts: Community IDs or 'MINER POOL' pairs (docs/alerts.md)");
}

result<AlertLists> load_alert_lists(const AlertOptions& o) {
  AlertLists lists;
  if (!o.allowlist_path.empty()) {
    auto allow = load_list<Allowlist>(o.allowlist_path, "--allowlist");
    if (!allow) return tl::unexpected(allow.error());
    lists.allow = std::move(*allow);
  }
  if (!o.suppress_path.empty()) {
    auto suppress = load_list<Suppressions>(o.suppress_path, "--suppress");
    if (!suppress) return tl::unexpected(suppress.error());
    lists.suppress = std::move(*suppress);
  }
  return lists;
}

}  // namespace xmr::cli
