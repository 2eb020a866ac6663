// The default model compiled into the binary (models/default-model.json, docs/model.md): the
// embedded bytes are the committed file, it loads under this build's feature schema, and
// retraining with the recipe in models/default-model.args reproduces it byte for byte (so its
// decisions too). The lab run is the recipe's own (no reduction): see docs/model.md for its time.
#include "model/default_model.h"

#include <gtest/gtest.h>

#include <sstream>

#include "support/test_support.h"

namespace xmr {

namespace {

// The value of `key=` in models/default-model.args.
std::string recipe(const std::string& key) {
  std::istringstream in(test::read_file(test::source_dir() / "models" / "default-model.args"));
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key + "=", 0) == 0) return line.substr(key.size() + 1);
  ADD_FAILURE() << "models/default-model.args has no " << key << "= line";
  return {};
}

}  // namespace

TEST(DefaultModel, EmbeddedBytesAreTheCommittedFileAndLoad) {
  const auto committed = test::read_file(test::source_dir() / "models" / "default-model.json");
  ASSERT_FALSE(committed.empty()) << "models/default-model.json missing: run scripts/train-default-model";
  EXPECT_EQ(default_model_text(), committed) << "rebuild: the binary embeds an older models/default-model.json";
  auto m = load_default_model();
  ASSERT_TRUE(m) << m.error().context;
  ASSERT_GE(m->size(), 1u);
  for (std::size_t i = 0; i < m->size(); ++i) EXPECT_GT((*m)[i].threshold(), 0.0);
}

TEST(DefaultModel, RetrainingReproducesTheCommittedModel) {
  test::TempDir tmp;
  const auto bin = test::sh_quote(test::xmr_binary().string());
  const auto lab_dir = test::sh_quote((tmp / "lab").string());
  // Scenario paths in the recipe are relative to the repository, as scripts/train-default-model runs it.
  auto lab = test::run("cd " + test::sh_quote(test::source_dir().string()) + " && " + bin + " lab --engine synth " +
                       recipe("lab") + " --out " + lab_dir + " -q");
  ASSERT_EQ(lab.exit_code, 0) << lab.err;
  auto a = test::run(bin + " train --data " + lab_dir + " " + recipe("train") + " -o " +
                     test::sh_quote((tmp / "a.json").string()));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  // The committed model was trained by another process (scripts/train-default-model, a Release
  // build): equal bytes show both that `xmr-ray train` is deterministic and that the committed
  // model is what its recipe gives today. A change to the lab, the features or the learners that
  // changes the model fails here until scripts/train-default-model is re-run.
  EXPECT_TRUE(test::read_file(tmp / "a.json") == test::read_file(test::source_dir() / "models" / "default-model.json"))
      << "models/default-model.json is stale: run scripts/train-default-model and rebuild";
}

}  // namespace xmr
