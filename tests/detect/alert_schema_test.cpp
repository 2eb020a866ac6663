// Real alerts, produced by the detector on a hand-built miner, validated against the JSON
// Schema in docs/alert.schema.json with a small validator for the subset of JSON Schema that
// file uses (type, const, enum, required, properties, additionalProperties, minProperties,
// minimum, maximum, minLength, pattern). The validator is checked to reject broken alerts too.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "detect/detect_fixtures.h"
#include "detect/eve_alerts.h"
#include "support/test_support.h"

namespace xmr {

namespace {
using nlohmann::json;

bool has_type(const json& v, const std::string& t) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "integer") return v.is_number_integer() || (v.is_number_float() && v.get<double>() == static_cast<double>(static_cast<long long>(v.get<double>())));
  if (t == "number") return v.is_number();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  return false;
}

const std::set<std::string> supported = {"$schema", "$id", "title", "description", "type", "const", "enum", "required",
                                         "properties", "additionalProperties", "minProperties", "minimum", "maximum",
                                         "minLength", "pattern"};

// Appends one message per violation, with the JSON pointer of the value.
void validate(const json& schema, const json& v, const std::string& at, std::vector<std::string>& errors) {
  for (const auto& [k, _] : schema.items())
    if (!supported.count(k)) errors.push_back(at + ": schema keyword '" + k + "' not supported by this validator");
  if (schema.contains("type") && !has_type(v, schema["type"])) {
    errors.push_back(at + ": expected " + schema["type"].get<std::string>() + ", got " + v.dump());
    return;
  }
  if (schema.contains("const") && v != schema["const"]) errors.push_back(at + ": expected " + schema["const"].dump() + ", got " + v.dump());
  if (schema.contains("enum")) {
    bool found = false;
    for (const auto& e : schema["enum"]) found |= e == v;
    if (!found) errors.push_back(at + ": " + v.dump() + " not in " + schema["enum"].dump());
  }
  if (v.is_number()) {
    if (schema.contains("minimum") && v.get<double>() < schema["minimum"].get<double>()) errors.push_back(at + ": below minimum");
    if (schema.contains("maximum") && v.get<double>() > schema["maximum"].get<double>()) errors.push_back(at + ": above maximum");
  }
  if (v.is_string()) {
    const auto s = v.get<std::string>();
    if (schema.contains("minLength") && s.size() < schema["minLength"].get<std::size_t>()) errors.push_back(at + ": too short");
    if (schema.contains("pattern") && !std::regex_search(s, std::regex(schema["pattern"].get<std::string>(), std::regex::ECMAScript)))
      errors.push_back(at + ": '" + s + "' does not match " + schema["pattern"].get<std::string>());
  }
  if (v.is_object()) {
    if (schema.contains("required"))
      for (const auto& r : schema["required"])
        if (!v.contains(r.get<std::string>())) errors.push_back(at + ": missing '" + r.get<std::string>() + "'");
    if (schema.contains("minProperties") && v.size() < schema["minProperties"].get<std::size_t>()) errors.push_back(at + ": too few properties");
    for (const auto& [k, sub] : v.items()) {
      if (schema.contains("properties") && schema["properties"].contains(k)) {
        validate(schema["properties"][k], sub, at + "/" + k, errors);
      } else if (schema.contains("additionalProperties")) {
        const auto& ap = schema["additionalProperties"];
        if (ap.is_boolean()) {
          if (!ap.get<bool>()) errors.push_back(at + ": unexpected property '" + k + "'");
        } else {
          validate(ap, sub, at + "/" + k, errors);
        }
      }
    }
  }
}

json load_schema() {
  return json::parse(test::read_file(test::source_dir() / "docs" / "alert.schema.json"));
}

std::vector<Alert> real_alerts() {
  static const Model model = test::train_model();
  Detector d(model, test::detector_options());
  test::CollectAlerts sink;
  std::mt19937_64 rng(7);
  for (const auto& r : test::records_of(test::miner_window(rng, 30, 2.0), "10.1.2.3", 50123, "198.51.100.9", 3333)) d.add(r, sink);
  std::mt19937_64 rng6(8);
  for (const auto& r : test::records_of(test::miner_window(rng6, 30, 2.0), "2001:db8::5", 50124, "2001:db8:1::9", 443)) d.add(r, sink);
  d.finish(sink);
  return sink.alerts;
}
}  // namespace

TEST(AlertSchema, RealAlertsValidate) {
  const auto schema = load_schema();
  const auto alerts = real_alerts();
  ASSERT_GE(alerts.size(), 2u);  // an IPv4 and an IPv6 miner
  for (const auto& a : alerts) {
    const auto line = eve_alert_json(a);
    EXPECT_EQ(line.find('\n'), std::string::npos);  // one object per line (NDJSON)
    const auto j = json::parse(line);
    std::vector<std::string> errors;
    validate(schema, j, "", errors);
    EXPECT_TRUE(errors.empty()) << line << "\n" << ::testing::PrintToString(errors);
    // The features object carries exactly the model's feature schema.
    ASSERT_EQ(j["xmr_ray"]["features"].size(), feature_count);
    for (std::size_t i = 0; i < feature_count; ++i)
      EXPECT_TRUE(j["xmr_ray"]["features"].contains(std::string(feature_name(static_cast<Feature>(i)))));
    // Miner is src, pool is dest; the Community ID is the connection's, direction-free.
    EXPECT_EQ(j["src_port"].get<int>() / 10, 5012);
  }
}

TEST(AlertSchema, TheValidatorRejectsBrokenAlerts) {
  const auto schema = load_schema();
  const auto good = json::parse(eve_alert_json(real_alerts().front()));
  auto expect_invalid = [&](json bad, const char* what) {
    std::vector<std::string> errors;
    validate(schema, bad, "", errors);
    EXPECT_FALSE(errors.empty()) << what;
  };
  auto a = good;
  a.erase("community_id");
  expect_invalid(a, "missing community_id");
  a = good;
  a["event_type"] = "flow";
  expect_invalid(a, "wrong event_type");
  a = good;
  a["src_port"] = 70000;
  expect_invalid(a, "port out of range");
  a = good;
  a["timestamp"] = "2025-11-24 16:00:00";
  expect_invalid(a, "timestamp format");
  a = good;
  a["xmr_ray"]["rates"]["jobs_per_min"] = "many";
  expect_invalid(a, "rate not a number");
  a = good;
  a["xmr_ray"]["surprise"] = 1;
  expect_invalid(a, "unknown field");
  a = good;
  a["community_id"] = "1:abc";
  expect_invalid(a, "community id shape");
}

}  // namespace xmr
