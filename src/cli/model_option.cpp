#include "cli/model_option.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "model/default_model.h"

namespace xmr::cli {

const Model& LoadedModel::for_slice(std::uint32_t slice_s, std::string& note) const {
  const Model& m = models.select(slice_s);
  note.clear();
  if (m.slice_s() != 0 && slice_s != 0 && m.slice_s() != slice_s)
    note = fmt::format("model {} has no model trained at {} s slices; using the one trained at {} s, which detects "
                       "less (train one: xmr-ray train --slices {})",
                       name, slice_s, m.slice_s(), slice_s);
  return m;
}

result<LoadedModel> load_model_option(const std::string& path) {
  if (path.empty()) {
    auto m = load_default_model();
    if (!m) return make_error(m.error().code, m.error().context + "; give --model FILE (train one with `xmr-ray train`)");
    return LoadedModel{std::move(*m), "default"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(errc::io_error, fmt::format("model {}: cannot open", path));
  std::ostringstream text;
  text << in.rdbuf();
  auto m = ModelSet::from_json_text(text.str());
  if (!m) return make_error(m.error().code, fmt::format("{}: {}", path, m.error().context));
  const auto slash = path.find_last_of('/');
  return LoadedModel{std::move(*m), slash == std::string::npos ? path : path.substr(slash + 1)};
}

}  // namespace xmr::cli
