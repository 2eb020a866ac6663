// One-class learners and the model file. Trained on miner windows only.
#include "model/model.h"

#include <gtest/gtest.h>

#include <random>

#include "support/synthetic_windows.h"

namespace xmr {

namespace {

std::vector<FeatureVector> windows(bool miner, std::uint64_t seed, int count) {
  std::mt19937_64 rng(seed);
  std::vector<FeatureVector> out;
  for (int i = 0; i < count; ++i) {
    // Shares per slice vary across miners (weak to strong rigs under vardiff).
    const double rate = 0.5 + static_cast<double>(rng() % 40) / 10.0;
    auto w = miner ? test::miner_window(rng, 20, rate) : test::mqtt_window(rng, 20);
    const auto sizes = learn_sizes(w, false);
    out.push_back(window_features(WindowInput{w, 60'000, &sizes}));
  }
  return out;
}

double alert_rate(const Model& m, const std::vector<FeatureVector>& rows) {
  double n = 0;
  for (const auto& r : rows) n += m.alerts(m.score(r));
  return n / static_cast<double>(rows.size());
}

class EveryLearner : public ::testing::TestWithParam<LearnerKind> {};

}  // namespace

TEST_P(EveryLearner, DetectsUnseenMinersAndStaysQuietOnMqtt) {
  const auto train = windows(true, 1, 300);
  TrainOptions o;
  o.learner = GetParam();
  o.detection_quantile = 0.99;
  auto m = Model::train(train, o);
  ASSERT_TRUE(m) << m.error().context;
  const double dr = alert_rate(*m, windows(true, 2, 200));
  const double fa = alert_rate(*m, windows(false, 3, 200));
  std::printf("%s: detection %.3f, false alarms on MQTT %.3f\n", std::string(to_string(GetParam())).c_str(), dr, fa);
  EXPECT_GE(dr, 0.9);
  EXPECT_LE(fa, 0.05);
}

TEST_P(EveryLearner, TrainingIsDeterministicAndTheFileRoundTrips) {
  const auto train = windows(true, 4, 100);
  TrainOptions o;
  o.learner = GetParam();
  auto a = Model::train(train, o), b = Model::train(train, o);
  ASSERT_TRUE(a && b);
  const auto text = a->to_json_text();
  EXPECT_EQ(text, b->to_json_text());
  auto loaded = Model::from_json_text(text);
  ASSERT_TRUE(loaded) << loaded.error().context;
  for (const auto& r : windows(false, 5, 20)) EXPECT_DOUBLE_EQ(loaded->score(r), a->score(r));
  EXPECT_DOUBLE_EQ(loaded->threshold(), a->threshold());
}

INSTANTIATE_TEST_SUITE_P(Learners, EveryLearner,
                         ::testing::Values(LearnerKind::isolation_forest, LearnerKind::knn_distance, LearnerKind::ocsvm),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(ModelFile, RefusesAnotherSchemaVersionOrGarbage) {
  auto m = Model::train(windows(true, 6, 50), TrainOptions{});
  ASSERT_TRUE(m);
  auto j = nlohmann::json::parse(m->to_json_text());
  auto other_schema = j;
  other_schema["feature_schema_hash"] = "0000000000000000";
  auto r = Model::from_json_text(other_schema.dump());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unsupported);
  EXPECT_NE(r.error().context.find("retrain"), std::string::npos);
  auto other_version = j;
  other_version["version"] = 99;
  EXPECT_FALSE(Model::from_json_text(other_version.dump()));
  EXPECT_FALSE(Model::from_json_text("{not json"));
  EXPECT_FALSE(Model::from_json_text("[]"));
  // A node pointing outside the table (or back up the tree) must not be followed when scoring.
  auto hostile = j;
  hostile["learner"]["nodes"][0][2] = 1 << 30;
  EXPECT_FALSE(Model::from_json_text(hostile.dump()));
  auto cycle = j;
  cycle["learner"]["nodes"][0][2] = 0;
  EXPECT_FALSE(Model::from_json_text(cycle.dump()));
}

TEST(ModelTrain, RejectsTooFewWindowsAndBadQuantiles) {
  EXPECT_FALSE(Model::train(windows(true, 7, 5), TrainOptions{}));
  TrainOptions o;
  o.detection_quantile = 1.5;
  EXPECT_FALSE(Model::train(windows(true, 7, 50), o));
}

}  // namespace xmr
