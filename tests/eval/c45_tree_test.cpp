// Our C4.5 against hand-computed error estimates and trees whose right answer is known.
#include "eval/baselines/c45_tree.h"

#include <cmath>
#include <random>
#include <regex>

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace xmr::eval {

TEST(C45, PessimisticErrorEstimates) {
  // No error among n: the exact upper limit 1 - CF^(1/n) (Quinlan 1993, ch. 4: U25%(0,6) = 0.206).
  EXPECT_NEAR(c45_added_errors(6, 0, 0.25) / 6, 0.2063, 1e-4);
  EXPECT_NEAR(c45_added_errors(1, 0, 0.25), 0.75, 1e-12);
  // 1 error among 16, normal approximation with continuity correction, z(0.75) = 0.67449:
  // f = 1.5/16; (f + z^2/32 + z sqrt(f/16 - f^2/16 + z^2/1024)) / (1 + z^2/16) = 0.154730.
  EXPECT_NEAR((1 + c45_added_errors(16, 1, 0.25)) / 16, 0.154730, 2e-5);
  // All wrong: nothing to add.
  EXPECT_DOUBLE_EQ(c45_added_errors(4, 4, 0.25), 0);
}

TEST(C45, FindsAThresholdOnOneAttribute) {
  std::vector<std::vector<double>> rows;
  std::vector<bool> y;
  for (int i = 0; i < 100; ++i) {
    rows.push_back({double(i), double((i * 37) % 11)});  // the second attribute is noise
    y.push_back(i >= 60);
  }
  C45Tree t;
  t.fit(rows, y);
  EXPECT_EQ(t.leaves(), 2u);
  const std::vector<double> low{59.0, 3.0}, high{60.0, 3.0};
  EXPECT_LT(t.probability(low), 0.05);
  EXPECT_GT(t.probability(high), 0.95);
}

TEST(C45, LearnsAnInteractionAndPrunesNoise) {
  // Positive iff x > 0.5 and z > 0.5: needs two levels.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::vector<double>> rows;
  std::vector<bool> y;
  for (int i = 0; i < 400; ++i) {
    const double x = u(rng), z = u(rng);
    rows.push_back({x, z});
    y.push_back(x > 0.5 && z > 0.5);
  }
  C45Tree t;
  t.fit(rows, y);
  const std::vector<double> both{0.9, 0.9}, one{0.9, 0.1}, other{0.1, 0.9};
  EXPECT_GT(t.probability(both), 0.9);
  EXPECT_LT(t.probability(one), 0.1);
  EXPECT_LT(t.probability(other), 0.1);
  EXPECT_LE(t.leaves(), 4u);

  // Pure noise labels: pruning leaves (almost) nothing.
  std::vector<bool> noise;
  for (int i = 0; i < 400; ++i) noise.push_back(u(rng) < 0.5);
  C45Tree n;
  n.fit(rows, noise);
  EXPECT_LE(n.leaves(), 6u) << "depth " << n.depth();
}

}  // namespace xmr::eval

namespace xmr::eval {

// Weka's J48 (Debian `weka`) is the reference C4.5: on the same data, with its defaults, our tree
// must have the same number of leaves and classify the training data as well (J48 also raises
// subtrees, which we do not, so a difference of a couple of instances is allowed).
TEST(C45, AgreesWithWekaJ48) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0, 1);
  for (int dataset = 0; dataset < 3; ++dataset) {
    std::vector<std::vector<double>> rows;
    std::vector<bool> y;
    std::string arff = "@relation t\n@attribute x numeric\n@attribute z numeric\n@attribute n numeric\n@attribute class {neg,pos}\n@data\n";
    for (int i = 0; i < 400; ++i) {
      // Values on a 1e-4 grid so the ARFF text is exact.
      const double x = std::round(u(rng) * 1e4) / 1e4, z = std::round(u(rng) * 1e4) / 1e4, n = std::round(u(rng) * 1e4) / 1e4;
      const bool noisy = u(rng) < 0.03 * dataset;
      const bool pos = dataset == 2 ? ((x > 0.3 && z < 0.7) || n > 0.9) != noisy : (x > 0.5 && z > 0.3) != noisy;
      rows.push_back({x, z, n});
      y.push_back(pos);
      arff += fmt::format("{},{},{},{}\n", x, z, n, pos ? "pos" : "neg");
    }
    test::TempDir d;
    test::write_file(d / "d.arff", arff);
    const auto r = test::run("java -cp /usr/share/java/weka.jar weka.classifiers.trees.J48 -C 0.25 -M 2 -no-cv -t " +
                             test::sh_quote((d / "d.arff").string()));
    ASSERT_EQ(r.exit_code, 0) << "Weka J48 (Debian package weka) is required: " << r.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m, std::regex(R"(Number of Leaves\s*:\s*(\d+))"))) << r.out;
    const int weka_leaves = std::stoi(m[1]);
    ASSERT_TRUE(std::regex_search(r.out, m, std::regex(R"(Correctly Classified Instances\s+(\d+))"))) << r.out;
    const int weka_correct = std::stoi(m[1]);

    C45Tree t;
    t.fit(rows, y);
    int correct = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) correct += (t.probability(rows[i]) > 0.5) == y[i];
    EXPECT_EQ(int(t.leaves()), weka_leaves) << "data set " << dataset << "\n" << r.out;
    EXPECT_NEAR(correct, weka_correct, 2) << "data set " << dataset;
  }
}

}  // namespace xmr::eval
