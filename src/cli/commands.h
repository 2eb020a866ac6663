#pragma once
// Each subcommand lives in its own file and registers itself on the CLI11 app with the function
// it runs. Only src/cli prints or exits.
#include <functional>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace xmr::cli {

class CommandList {
 public:
  void add(CLI::App* sub, std::function<int()> run) { commands_.push_back({sub, std::move(run)}); }
  int run_selected() const;

 private:
  struct Entry {
    CLI::App* sub;
    std::function<int()> run;
  };
  std::vector<Entry> commands_;
};

std::string_view version_string() noexcept;

void register_flows(CLI::App& app, CommandList& commands);
void register_detect(CLI::App& app, CommandList& commands);
void register_train(CLI::App& app, CommandList& commands);
void register_lab(CLI::App& app, CommandList& commands);
void register_eval(CLI::App& app, CommandList& commands);
void register_explain(CLI::App& app, CommandList& commands);
void register_collect(CLI::App& app, CommandList& commands);
void register_replay(CLI::App& app, CommandList& commands);

}  // namespace xmr::cli
