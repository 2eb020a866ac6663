#include "model/default_model.h"

#include <cstddef>
#include <string_view>

namespace xmr {

namespace detail {
// Defined in the file cmake/embed_model.cmake generates in the build tree.
extern const std::string_view default_model_chunks[];
extern const std::size_t default_model_chunk_count;
}  // namespace detail

std::string default_model_text() {
  std::string text;
  for (std::size_t i = 0; i < detail::default_model_chunk_count; ++i) text += detail::default_model_chunks[i];
  return text;
}

result<ModelSet> load_default_model() {
  const std::string text = default_model_text();
  if (text.empty())
    return make_error(errc::unsupported, "default model: none compiled in (run scripts/train-default-model, then rebuild)");
  auto m = ModelSet::from_json_text(text);
  if (!m) return make_error(m.error().code, "default model: " + m.error().context);
  return m;
}

}  // namespace xmr
