#include "core/source_catalog.h"

#include <fmt/format.h>

namespace xmr {

std::string SourceCatalog::describe(const Origin& origin) const {
  if (origin.source >= entries_.size()) return fmt::format("source#{} {}", origin.source, origin.position);
  const auto& e = entries_[origin.source];
  return fmt::format("{} {} {}", e.name, to_string(e.kind), origin.position);
}

}  // namespace xmr
