// The shipped scenarios (scenarios/*.toml) parse, cover every profile where the task needs it, and
// keep the evaluation honest: test's pools share no name, address, port or parameter set with
// train's (the default model is trained on train), nor do validation's.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <tuple>

#include "lab/profile.h"
#include "lab/scenario.h"
#include "support/test_support.h"

namespace xmr::test {
namespace {

lab::Scenario load(const std::string& name) {
  auto s = lab::load_scenario((source_dir() / "scenarios" / (name + ".toml")).string());
  EXPECT_TRUE(s.has_value()) << name << ": " << (s ? "" : s.error().context);
  return s ? *s : lab::Scenario{};
}

const lab::ServerSpec* server(const lab::Scenario& s, const std::string& name) {
  for (const auto& sv : s.servers)
    if (sv.name == name) return &sv;
  return nullptr;
}

// The pools a scenario's mining groups use (primary and backup).
std::set<std::string> pool_names(const lab::Scenario& s) {
  std::set<std::string> out;
  for (const auto& g : s.groups) {
    if (!lab::find_profile(g.profile)->mining) continue;
    out.insert(g.server);
    if (!g.backup_server.empty()) out.insert(g.backup_server);
  }
  return out;
}

using Params = std::tuple<double, double, double, double, double, std::uint32_t>;
std::set<Params> pool_params(const lab::Scenario& s) {
  std::set<Params> out;
  for (const auto& g : s.groups)
    if (lab::find_profile(g.profile)->mining)
      out.insert({g.params.job_mean_s, g.params.share_target_s, g.params.min_difficulty, g.params.difficulty,
                  g.params.refresh_mean_s, g.params.rigs});
  return out;
}

void expect_disjoint_pools(const std::string& a_name, const std::string& b_name) {
  const auto a = load(a_name), b = load(b_name);
  const auto pa = pool_names(a), pb = pool_names(b);
  ASSERT_FALSE(pa.empty());
  ASSERT_FALSE(pb.empty());
  std::set<std::string> addresses;
  std::set<std::uint16_t> ports;
  for (const auto& n : pa) {
    const auto* sv = server(a, n);
    ASSERT_NE(sv, nullptr) << n;
    EXPECT_EQ(pb.count(n), 0u) << a_name << " and " << b_name << " share pool " << n;
    if (sv->ipv4) addresses.insert(sv->ipv4->to_string());
    if (sv->ipv6) addresses.insert(sv->ipv6->to_string());
    ports.insert(sv->port);
    ports.insert(sv->tls_port);
  }
  for (const auto& n : pb) {
    const auto* sv = server(b, n);
    ASSERT_NE(sv, nullptr) << n;
    if (sv->ipv4) {
      EXPECT_EQ(addresses.count(sv->ipv4->to_string()), 0u) << n << " " << sv->ipv4->to_string();
    }
    if (sv->ipv6) {
      EXPECT_EQ(addresses.count(sv->ipv6->to_string()), 0u) << n << " " << sv->ipv6->to_string();
    }
    EXPECT_EQ(ports.count(sv->port), 0u) << n << " port " << sv->port;
    EXPECT_EQ(ports.count(sv->tls_port), 0u) << n << " tls_port " << sv->tls_port;
  }
  const auto qa = pool_params(a), qb = pool_params(b);
  for (const auto& q : qb) EXPECT_EQ(qa.count(q), 0u) << b_name << " reuses a parameter set of " << a_name;
}

TEST(LabScenarios, TestPoolsAreDisjointFromTrain) { expect_disjoint_pools("train", "test"); }
TEST(LabScenarios, ValidationPoolsAreDisjointFromTest) { expect_disjoint_pools("validation", "test"); }
TEST(LabScenarios, CampusPoolsAreDisjointFromTrain) { expect_disjoint_pools("train", "campus"); }

std::set<std::string> profiles_in(const lab::Scenario& s) {
  std::set<std::string> out;
  for (const auto& g : s.groups) out.insert(g.profile);
  return out;
}

TEST(LabScenarios, TrainIsMiningOnlyWithEveryMiningProfileAndSixPools) {
  const auto s = load("train");
  const auto used = profiles_in(s);
  for (const auto& p : lab::profiles()) EXPECT_EQ(used.count(p.name), p.mining ? 1u : 0u) << p.name;
  EXPECT_GE(pool_names(s).size(), 6u);
  EXPECT_GE(pool_params(s).size(), 6u);
}

TEST(LabScenarios, TestAndValidationHaveEveryProfile) {
  for (const char* name : {"test", "validation"}) {
    const auto used = profiles_in(load(name));
    for (const auto& p : lab::profiles()) EXPECT_EQ(used.count(p.name), 1u) << name << " lacks " << p.name;
  }
}

TEST(LabScenarios, CampusIsADayOfAThousandHostsWithAFewMiners) {
  const auto s = load("campus");
  EXPECT_GE(s.hosts, 1000u);
  EXPECT_GE(s.hours, 24.0);
  std::uint32_t miners = 0;
  for (const auto& g : s.groups)
    if (lab::find_profile(g.profile)->mining) miners += g.hosts;
  EXPECT_GE(miners, 3u);
  EXPECT_LE(miners, 10u);
}

TEST(LabScenarios, EveryShippedScenarioLoads) {
  for (const auto& e : std::filesystem::directory_iterator(source_dir() / "scenarios"))
    if (e.path().extension() == ".toml") {
      auto s = lab::load_scenario(e.path().string());
      EXPECT_TRUE(s.has_value()) << e.path() << ": " << (s ? "" : s.error().context);
    }
}

}  // namespace
}  // namespace xmr::test
