#pragma once
// Where alerts go, as `detect` and `collect` are told by --alerts, --alert-format, --syslog,
// --syslog-facility and --syslog-severity: an alert file (or stdout) as EVE or ECS JSON lines,
// and/or RFC 5424 syslog. AlertOutputs is one AlertSink that writes each alert to all of them
// and owns what it opened (the file is closed, everything flushed, when it is destroyed).
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "alert_outputs/syslog_message.h"
#include "alert_outputs/syslog_sender.h"
#include "core/error.h"
#include "detect/detector.h"

namespace xmr {

enum class AlertFormat { eve, ecs };
[[nodiscard]] result<AlertFormat> parse_alert_format(std::string_view text);  // "eve", "ecs"

struct AlertOutputOptions {
  std::string alerts_path;     // "": no alert file; "-": stdout
  bool append = false;         // collect appends (a daemon restarts); detect rewrites
  std::string format = "eve";  // of the alert file
  std::string syslog;          // "": none; udp://HOST[:PORT] or unix:/PATH
  std::string syslog_facility = "local5";
  std::string syslog_severity = "warning";
};

// Checks the options without opening anything (for --check-config and before a reload).
[[nodiscard]] result<void> validate_alert_outputs(const AlertOutputOptions& options);

class AlertOutputs final : public AlertSink {
 public:
  // A failed send to syslog is reported here (the first one of a run of failures, and the
  // recovery), never thrown: the other outputs still get the alert.
  using ErrorReporter = std::function<void(const std::string&)>;

  // Opens the file and the syslog socket; an error names the option.
  [[nodiscard]] static result<std::unique_ptr<AlertOutputs>> open(const AlertOutputOptions& options,
                                                                  ErrorReporter report_error = {});
  ~AlertOutputs() override;
  AlertOutputs(const AlertOutputs&) = delete;
  AlertOutputs& operator=(const AlertOutputs&) = delete;

  void on_alert(const Alert& alert) override;
  bool writes_stdout() const noexcept { return file_ == stdout; }
  bool has_outputs() const noexcept { return file_ != nullptr || syslog_.has_value(); }
  std::uint64_t syslog_errors() const noexcept { return syslog_errors_; }

 private:
  AlertOutputs() = default;

  std::FILE* file_ = nullptr;
  AlertFormat format_ = AlertFormat::eve;
  std::optional<SyslogSender> syslog_;
  SyslogPriority priority_;
  SyslogOrigin origin_;
  ErrorReporter report_error_;
  bool syslog_failing_ = false;
  std::uint64_t syslog_errors_ = 0;
};

}  // namespace xmr
