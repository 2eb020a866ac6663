#pragma once
// The alert options `detect` and `collect` share: where alerts go (--alerts, --alert-format,
// --syslog, --syslog-facility, --syslog-severity) and which ones are silenced (--allowlist,
// --suppress; docs/alerts.md).
#include <memory>
#include <string>

#include "alert_outputs/alert_outputs.h"
#include "core/error.h"
#include "detect/alert_controls.h"

namespace CLI {
class App;
}

namespace xmr::cli {

struct AlertOptions {
  AlertOutputOptions outputs;
  std::string allowlist_path, suppress_path;
};

// `alerts_help` describes -w/--alerts, whose default differs between the commands.
void add_alert_options(CLI::App& sub, AlertOptions& o, const std::string& alerts_help);

// The lists, read and parsed; null when not asked for. Errors name the option and the file.
struct AlertLists {
  std::unique_ptr<Allowlist> allow;
  std::unique_ptr<Suppressions> suppress;
};
[[nodiscard]] result<AlertLists> load_alert_lists(const AlertOptions& o);

}  // namespace xmr::cli
