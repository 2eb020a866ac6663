// AlertOutputs with real files: the format chosen is the format written, detect rewrites and
// collect appends, and bad options are refused with the option's name before anything opens.
#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "alert_outputs/alert_fixture.h"
#include "alert_outputs/alert_outputs.h"
#include "support/test_support.h"

namespace xmr {
namespace {

std::vector<nlohmann::json> json_lines(const std::filesystem::path& p) {
  std::vector<nlohmann::json> v;
  std::istringstream in(test::read_file(p));
  for (std::string l; std::getline(in, l);) v.push_back(nlohmann::json::parse(l));
  return v;
}

void write_alerts(const AlertOutputOptions& o, std::uint32_t first_seed, int n) {
  auto out = AlertOutputs::open(o);
  ASSERT_TRUE(out.has_value()) << out.error().context;
  for (int i = 0; i < n; ++i) (*out)->on_alert(test::seeded_alert(first_seed + i));
}

TEST(AlertOutputs, WritesTheChosenFormat) {
  test::TempDir d;
  for (const std::string format : {"eve", "ecs"}) {
    AlertOutputOptions o;
    o.alerts_path = (d / (format + ".json")).string();
    o.format = format;
    write_alerts(o, 10, 3);
    const auto lines = json_lines(o.alerts_path);
    ASSERT_EQ(lines.size(), 3u);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const Alert a = test::seeded_alert(10 + static_cast<std::uint32_t>(i));
      if (format == "eve") {
        EXPECT_EQ(lines[i]["event_type"], "alert");
        EXPECT_EQ(lines[i]["src_ip"], a.connection.client().addr.to_string());
        EXPECT_FALSE(lines[i].contains("@timestamp"));
      } else {
        EXPECT_EQ(lines[i]["event"]["kind"], "alert");
        EXPECT_EQ(lines[i]["source"]["ip"], a.connection.client().addr.to_string());
        EXPECT_FALSE(lines[i].contains("event_type"));
      }
    }
  }
}

TEST(AlertOutputs, AppendKeepsEarlierAlertsRewriteDoesNot) {
  test::TempDir d;
  AlertOutputOptions o;
  o.alerts_path = (d / "alerts.json").string();
  o.append = true;
  write_alerts(o, 1, 2);
  write_alerts(o, 3, 2);
  EXPECT_EQ(json_lines(o.alerts_path).size(), 4u);
  o.append = false;
  write_alerts(o, 5, 1);
  const auto lines = json_lines(o.alerts_path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["xmr_ray"]["model"], test::seeded_alert(5).model);
}

TEST(AlertOutputs, BadOptionsNameTheOption) {
  const std::pair<AlertOutputOptions, std::string> cases[] = {
      {{.format = "cef"}, "--alert-format"},
      {{.syslog = "tcp://127.0.0.1:514"}, "--syslog"},
      {{.syslog_facility = "local9"}, "--syslog-facility"},
      {{.syslog_severity = "loud"}, "--syslog-severity"},
      {{.alerts_path = "/nonexistent-dir/alerts.json"}, "--alerts"},
  };
  for (const auto& [o, option] : cases) {
    auto out = AlertOutputs::open(o);
    ASSERT_FALSE(out.has_value()) << option;
    EXPECT_NE(out.error().context.find(option), std::string::npos) << out.error().context;
  }
  EXPECT_TRUE(validate_alert_outputs({.alerts_path = "/nonexistent-dir/x"}).has_value())
      << "validation opens nothing";
}

}  // namespace
}  // namespace xmr
