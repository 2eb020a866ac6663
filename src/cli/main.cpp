// xmr-ray: one executable, one file per subcommand (docs/cli.md).
#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"XMR-Ray: detect cryptocurrency mining from flow records (NetFlow, IPFIX, nfdump, pcap)"};
  app.set_version_flag("--version", std::string(xmr::cli::version_string()));
  app.require_subcommand(1);
  xmr::cli::CommandList commands;
  xmr::cli::register_flows(app, commands);
  xmr::cli::register_detect(app, commands);
  xmr::cli::register_train(app, commands);
  xmr::cli::register_lab(app, commands);
  xmr::cli::register_eval(app, commands);
  xmr::cli::register_explain(app, commands);
  xmr::cli::register_collect(app, commands);
  xmr::cli::register_replay(app, commands);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return commands.run_selected();
}
