#include "alert_outputs/alert_outputs.h"

#include <unistd.h>

#include <chrono>
#include <climits>

#include <fmt/format.h>

#include "alert_outputs/ecs_alerts.h"
#include "detect/eve_alerts.h"

namespace xmr {

namespace {

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "-";
  return name[0] ? std::string(name) : "-";
}

}  // namespace

result<AlertFormat> parse_alert_format(std::string_view text) {
  if (text == "eve") return AlertFormat::eve;
  if (text == "ecs") return AlertFormat::ecs;
  return make_error(errc::bad_argument, fmt::format("--alert-format: unknown '{}' (eve or ecs)", text));
}

result<void> validate_alert_outputs(const AlertOutputOptions& o) {
  if (auto f = parse_alert_format(o.format); !f) return tl::unexpected(f.error());
  if (!o.syslog.empty()) {
    if (auto t = parse_syslog_target(o.syslog); !t)
      return make_error(t.error().code, "--syslog: " + t.error().context);
  }
  if (auto f = parse_syslog_facility(o.syslog_facility); !f)
    return make_error(f.error().code, "--syslog-facility: " + f.error().context);
  if (auto s = parse_syslog_severity(o.syslog_severity); !s)
    return make_error(s.error().code, "--syslog-severity: " + s.error().context);
  return {};
}

result<std::unique_ptr<AlertOutputs>> AlertOutputs::open(const AlertOutputOptions& o, ErrorReporter report_error) {
  if (auto v = validate_alert_outputs(o); !v) return tl::unexpected(v.error());
  std::unique_ptr<AlertOutputs> out(new AlertOutputs());
  out->format_ = *parse_alert_format(o.format);
  out->priority_ = {*parse_syslog_facility(o.syslog_facility), *parse_syslog_severity(o.syslog_severity)};
  out->report_error_ = std::move(report_error);
  if (!o.syslog.empty()) {
    auto sender = SyslogSender::open(*parse_syslog_target(o.syslog));
    if (!sender) return make_error(sender.error().code, "--syslog: " + sender.error().context);
    out->syslog_.emplace(std::move(*sender));
    out->origin_.hostname = host_name();
    out->origin_.procid = std::to_string(::getpid());
  }
  if (o.alerts_path == "-") {
    out->file_ = stdout;
  } else if (!o.alerts_path.empty()) {
    out->file_ = std::fopen(o.alerts_path.c_str(), o.append ? "a" : "w");
    if (!out->file_) return make_error(errc::io_error, fmt::format("--alerts {}: cannot write", o.alerts_path));
  }
  return out;
}

AlertOutputs::~AlertOutputs() {
  if (file_ == stdout) std::fflush(stdout);
  else if (file_ != nullptr) std::fclose(file_);
}

void AlertOutputs::on_alert(const Alert& alert) {
  if (file_ != nullptr) {
    const std::string line = (format_ == AlertFormat::ecs ? ecs_alert_json(alert) : eve_alert_json(alert)) + "\n";
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fflush(file_);  // alerts are rare and must not sit in a buffer
  }
  if (syslog_) {
    const auto sent = syslog_->send(syslog_alert_message(alert, priority_, origin_, wall_clock_ms()));
    if (!sent) {
      ++syslog_errors_;
      // One report per run of failures: a syslog server that is down must not flood stderr.
      if (!syslog_failing_ && report_error_) report_error_(sent.error().context + " (reported once until it recovers)");
      syslog_failing_ = true;
    } else if (syslog_failing_) {
      syslog_failing_ = false;
      if (report_error_) report_error_(fmt::format("syslog {}: sending again", syslog_->target().text));
    }
  }
}

}  // namespace xmr
