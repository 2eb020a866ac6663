#include "cli/config_file.h"

#include <algorithm>
#include <set>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <toml++/toml.h>

namespace xmr::cli {

namespace {

// Set on the command line only: a file cannot name another file, or ask for a check of itself.
const std::set<std::string, std::less<>> command_line_only = {"config", "check-config", "help", "version"};

std::string long_name(const CLI::Option& o) { return o.get_lnames().empty() ? std::string() : o.get_lnames().front(); }

// A TOML scalar as the text CLI11 would have received on the command line.
result<std::string> scalar_text(const toml::node& n, bool flag) {
  if (flag && !n.is_boolean()) return make_error(errc::bad_argument, "is a switch: true or false");
  if (const auto* s = n.as_string()) return s->get();
  if (const auto* i = n.as_integer()) return std::to_string(i->get());
  if (const auto* f = n.as_floating_point()) return fmt::format("{}", f->get());
  if (const auto* b = n.as_boolean()) {
    if (!flag) return make_error(errc::bad_argument, "takes a value, not true/false");
    return std::string(b->get() ? "true" : "false");
  }
  return make_error(errc::bad_argument, "must be a string or a number");
}

result<std::vector<std::string>> values_of(const toml::node& n, const CLI::Option& o) {
  const bool flag = o.get_expected_min() == 0;
  std::vector<std::string> out;
  if (const auto* array = n.as_array()) {
    if (flag || o.get_items_expected_max() <= 1)
      return make_error(errc::bad_argument, "takes one value, not an array");
    for (const auto& element : *array) {
      auto text = scalar_text(element, false);
      if (!text) return make_error(errc::bad_argument, "array elements " + text.error().context);
      out.push_back(std::move(*text));
    }
    return out;
  }
  if (n.is_table()) return make_error(errc::bad_argument, "must be a value, not a table");
  auto text = scalar_text(n, flag);
  if (!text) return tl::unexpected(text.error());
  out.push_back(std::move(*text));
  return out;
}

}  // namespace

void add_config_options(CLI::App& sub, ConfigOptions& o) {
  sub.add_option("--config", o.path,
                 "Read options from this TOML file: keys are the long options without '--'; the command line wins");
  sub.add_flag("--check-config", o.check, "Check the options (and --config file) and exit: 0 if valid, 1 if not");
}

CommandLineValues command_line_values(const CLI::App& sub) {
  CommandLineValues given;
  for (const CLI::Option* o : sub.get_options())
    if (o->count() > 0 && !long_name(*o).empty() && !command_line_only.count(long_name(*o)))
      given.values.emplace_back(long_name(*o), o->results());
  return given;
}

result<void> apply_command_line(CLI::App& fresh, const CommandLineValues& given) {
  for (const auto& [name, values] : given.values) {
    CLI::Option* o = fresh.get_option_no_throw("--" + name);
    if (o == nullptr) return make_error(errc::bad_argument, fmt::format("--{}: not an option here", name));
    try {
      o->add_result(values);
      o->run_callback();
    } catch (const CLI::Error& e) {
      return make_error(errc::bad_argument, fmt::format("--{}: {}", name, e.what()));
    }
  }
  return {};
}

result<void> apply_config_file(CLI::App& fresh, const std::string& path) {
  toml::table file;
  try {
    file = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    if (where.line == 0) return make_error(errc::io_error, fmt::format("{}: {}", path, e.description()));
    return make_error(errc::bad_argument, fmt::format("{}:{}: {}", path, where.line, e.description()));
  }
  for (const auto& [key, node] : file) {
    const std::string name(key.str());
    const auto line = key.source().begin.line;
    const auto fail = [&](const std::string& why) {
      return make_error(errc::bad_argument, fmt::format("{}:{}: {}: {}", path, line, name, why));
    };
    if (command_line_only.count(name)) return fail("can only be given on the command line");
    CLI::Option* o = name.empty() || name.front() == '-' ? nullptr : fresh.get_option_no_throw("--" + name);
    if (o == nullptr || long_name(*o) != name) {
      std::string hint;
      std::string dashed = name;
      std::replace(dashed.begin(), dashed.end(), '_', '-');
      if (dashed != name && fresh.get_option_no_throw("--" + dashed) != nullptr) hint = fmt::format(" (did you mean '{}'?)", dashed);
      return fail("unknown key" + hint + "; keys are this command's long options without '--' (see --help)");
    }
    if (o->count() > 0) continue;  // given on the command line: it wins
    auto values = values_of(node, *o);
    if (!values) return fail(values.error().context);
    try {
      o->add_result(*values);
      o->run_callback();
    } catch (const CLI::Error& e) {
      return fail(e.what());
    }
  }
  return {};
}

}  // namespace xmr::cli
