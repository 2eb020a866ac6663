#pragma once
// The default model: models/default-model.json, trained by scripts/train-default-model from the
// lab's `train` scenario and compiled into the binary by cmake/embed_model.cmake, so detection
// works without a model file and no file is read at run time (docs/model.md).
#include <string>

#include "core/error.h"
#include "model/model.h"

namespace xmr {

// The embedded model set (one model per slice length), parsed and checked like a model file (version, feature-schema hash): a
// build whose features changed after the model was trained gets the mismatch error, not a model.
[[nodiscard]] result<ModelSet> load_default_model();

// The embedded JSON text as compiled in (empty if the build had no models/default-model.json).
std::string default_model_text();

}  // namespace xmr
