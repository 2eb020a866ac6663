// ECS alerts: every field read back from the JSON equals what the Alert says, and ECS and EVE
// agree on what they share (addresses, ports, Community ID, the xmr_ray object).
#include <gtest/gtest.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "alert_outputs/alert_fixture.h"
#include "alert_outputs/ecs_alerts.h"
#include "detect/community_id.h"
#include "detect/eve_alerts.h"

namespace xmr {
namespace {

using nlohmann::json;

// "2025-11-24T16:00:00.123Z" back to milliseconds since the epoch.
std::int64_t parse_ecs_time(const std::string& s) {
  std::tm tm{};
  int ms = -1;
  char z = 0;
  EXPECT_EQ(std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                        &tm.tm_min, &tm.tm_sec, &ms, &z),
            8)
      << s;
  EXPECT_EQ(z, 'Z') << s;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + ms;
}

TEST(EcsAlerts, TimeRoundTrips) {
  for (std::int64_t ms : {0LL, 999LL, 1'700'000'123'456LL, 4'102'444'800'001LL}) EXPECT_EQ(parse_ecs_time(ecs_time(ms)), ms);
}

TEST(EcsAlerts, FieldsComeFromTheAlert) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(seed);
    const Alert a = test::seeded_alert(seed, seed % 3 == 0);
    const json j = json::parse(ecs_alert_json(a));
    const auto& miner = a.connection.client();
    const auto& pool = a.connection.server();
    EXPECT_EQ(parse_ecs_time(j.at("@timestamp")), std::min(a.window_end_ms, std::max(a.connection.last_ms, a.window_start_ms)));
    EXPECT_EQ(j.at("event").at("kind"), "alert");
    EXPECT_EQ(j.at("event").at("category"), json::array({"network", "intrusion_detection"}));
    EXPECT_EQ(parse_ecs_time(j.at("event").at("start")), a.window_start_ms);
    EXPECT_EQ(parse_ecs_time(j.at("event").at("end")), a.window_end_ms);
    EXPECT_EQ(j.at("source").at("ip"), miner.addr.to_string());
    EXPECT_EQ(j.at("source").at("port"), miner.port);
    EXPECT_EQ(j.at("destination").at("ip"), pool.addr.to_string());
    EXPECT_EQ(j.at("destination").at("port"), pool.port);
    EXPECT_EQ(j.at("network").at("type"), seed % 3 == 0 ? "ipv6" : "ipv4");
    EXPECT_EQ(j.at("network").at("transport"), "tcp");
    EXPECT_EQ(j.at("network").at("community_id"), community_id_v1(miner.addr, miner.port, pool.addr, pool.port, 6));
    EXPECT_EQ(j.at("rule").at("id"), std::to_string(xmr_ray_signature_id));
    EXPECT_FALSE(j.at("rule").at("name").get<std::string>().empty());
    EXPECT_EQ(j.at("threat").at("technique").at("id"), json::array({"T1496"}));
    EXPECT_EQ(j.at("xmr_ray").at("score"), a.score);
    EXPECT_EQ(j.at("xmr_ray").at("model"), a.model);
    EXPECT_EQ(j.at("xmr_ray").at("update"), a.update);
  }
}

TEST(EcsAlerts, AgreesWithEve) {
  for (std::uint32_t seed = 100; seed < 110; ++seed) {
    const Alert a = test::seeded_alert(seed, seed % 2 == 0);
    const json ecs = json::parse(ecs_alert_json(a));
    const json eve = json::parse(eve_alert_json(a));
    EXPECT_EQ(ecs["source"]["ip"], eve["src_ip"]);
    EXPECT_EQ(ecs["source"]["port"], eve["src_port"]);
    EXPECT_EQ(ecs["destination"]["ip"], eve["dest_ip"]);
    EXPECT_EQ(ecs["destination"]["port"], eve["dest_port"]);
    EXPECT_EQ(ecs["network"]["community_id"], eve["community_id"]);
    EXPECT_EQ(ecs["rule"]["name"], eve["alert"]["signature"]);
    EXPECT_EQ(ecs["xmr_ray"], eve["xmr_ray"]);
  }
}

}  // namespace
}  // namespace xmr
