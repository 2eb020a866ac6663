#include "cli/commands.h"

#include <CLI/CLI.hpp>

namespace xmr::cli {

int CommandList::run_selected() const {
  for (const auto& c : commands_)
    if (c.sub->parsed()) return c.run();
  return 2;
}

std::string_view version_string() noexcept { return "xmr-ray 0.1.0"; }

}  // namespace xmr::cli
