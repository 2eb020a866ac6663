#pragma once
// The model of detect, collect and explain: --model FILE, else the one compiled in; a file may
// hold one model or a set trained at several slice lengths, and the commands take the one
// trained nearest their input's slice length.
#include <cstdint>
#include <string>

#include "core/error.h"
#include "model/model.h"

namespace xmr::cli {

struct LoadedModel {
  ModelSet models;
  std::string name;  // "default" or the file name: goes into each alert
  // The model for input sliced at `slice_s`; `note` gets a warning when the nearest model was
  // trained at another slice length (its detection degrades: docs/model.md), else is cleared.
  const Model& for_slice(std::uint32_t slice_s, std::string& note) const;
};

result<LoadedModel> load_model_option(const std::string& path);

}  // namespace xmr::cli
