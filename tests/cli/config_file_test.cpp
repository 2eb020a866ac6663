// `--config FILE` and `--check-config` through the real binary with real TOML files: every long
// option is a key, the command line wins, unknown keys and bad values are errors naming the file
// and line, and the shipped packaging/xmr-ray.toml is valid. Detection with options from a file
// gives the alerts the same options on the command line give.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "support/test_support.h"

namespace xmr {
namespace {

using test::run;
using test::sh_quote;

std::string bin() { return sh_quote(test::xmr_binary().string()); }

test::CommandResult check(const std::string& command, const std::filesystem::path& config, const std::string& args = "") {
  return run(bin() + " " + command + " --config " + sh_quote(config.string()) + " --check-config " + args);
}

TEST(ConfigFile, ValidFileChecksOk) {
  test::TempDir d;
  const auto config = d / "collect.toml";
  test::write_file(config,
                   "# every kind of value\n"
                   "listen = [\"udp://127.0.0.1:2055\", \"udp://[::1]:4739\"]\n"
                   "slice = 60\n"
                   "window = 5\n"
                   "home-net = [\"10.0.0.0/8\", \"192.168.0.0/16\"]\n"
                   "alerts = \"" + (d / "alerts.json").string() + "\"\n"
                   "alert-format = \"ecs\"\n"
                   "syslog = \"udp://127.0.0.1:5514\"\n"
                   "syslog-facility = \"local3\"\n"
                   "syslog-severity = \"notice\"\n"
                   "quiet = true\n"
                   "stats-interval = 0\n"
                   "archive = \"" + d.path().string() + "\"\n"
                   "archive-compression = \"zstd\"\n");
  const auto r = check("collect", config);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("configuration OK (" + config.string() + ")"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(d / "alerts.json")) << "--check-config must not open outputs";
}

TEST(ConfigFile, ErrorsNameTheFileAndLine) {
  test::TempDir d;
  const auto config = d / "bad.toml";
  struct Case {
    std::string line;    // put on line 3
    std::string expect;  // in the message besides "bad.toml:3:"
  };
  const Case cases[] = {
      {"home_net = [\"10.0.0.0/8\"]", "did you mean 'home-net'"},
      {"no-such-option = 1", "unknown key"},
      {"slice = 0", "slice"},
      {"window = \"ten\"", "window"},
      {"quiet = \"yes\"", "true or false"},
      {"slice = [60, 300]", "one value"},
      {"alert-format = \"cef\"", "alert-format"},
      {"config = \"other.toml\"", "command line"},
      {"listen = \"udp://127.0.0.1:2055", ""},  // TOML syntax: unterminated string
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.line);
    test::write_file(config, "# line 1\nlisten = [\"udp://127.0.0.1:2055\"]\n" + c.line + "\n");
    if (c.line.starts_with("listen")) test::write_file(config, "# line 1\n\n" + c.line + "\n");
    const auto r = check("collect", config);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find(config.string() + ":3:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
    // Without --check-config the same file is a usage error: exit 2, nothing started.
    const auto started = run(bin() + " collect --config " + sh_quote(config.string()) + " --stats-interval 0");
    EXPECT_EQ(started.exit_code, 2) << started.err;
  }
}

TEST(ConfigFile, CommandLineWinsOverTheFile) {
  test::TempDir d;
  const auto config = d / "collect.toml";
  test::write_file(config, "listen = [\"udp://127.0.0.1:2055\"]\narchive = \"" + d.path().string() +
                               "\"\narchive-compression = \"bogus\"\n");
  const auto from_file = check("collect", config);
  EXPECT_EQ(from_file.exit_code, 1) << from_file.err;
  EXPECT_NE(from_file.err.find("bogus"), std::string::npos) << from_file.err;
  const auto overridden = check("collect", config, "--archive-compression lz4");
  EXPECT_EQ(overridden.exit_code, 0) << overridden.err;
  // A repeatable option given on the command line replaces the file's list, not appends to it.
  const auto listen = check("collect", config, "--archive-compression lz4 --listen not-an-endpoint");
  EXPECT_EQ(listen.exit_code, 1) << listen.err;
  EXPECT_NE(listen.err.find("not-an-endpoint"), std::string::npos) << listen.err;
}

TEST(ConfigFile, CheckConfigReadsTheFilesItNames) {
  test::TempDir d;
  const auto config = d / "collect.toml";
  test::write_file(d / "allow.txt", "10.0.0.0/8\nnot a pattern\n");
  test::write_file(d / "model.json", "{ \"not\": \"a model\" }");
  const std::pair<std::string, std::string> cases[] = {
      {"allowlist = \"" + (d / "allow.txt").string() + "\"", "allow.txt"},
      {"suppress = \"" + (d / "missing.txt").string() + "\"", "missing.txt"},
      {"model = \"" + (d / "model.json").string() + "\"", "model.json"},
      {"syslog = \"tcp://127.0.0.1:514\"", "--syslog"},
      {"home-net = [\"10.0.0.0/33\"]", "--home-net"},
      {"", "--listen is required"},
  };
  for (const auto& [line, expect] : cases) {
    SCOPED_TRACE(line);
    test::write_file(config, (expect.find("--listen") == std::string::npos ? "listen = [\"udp://127.0.0.1:2055\"]\n" : "") + line + "\n");
    const auto r = check("collect", config);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("configuration error"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(expect), std::string::npos) << r.err;
  }
}

TEST(ConfigFile, ShippedConfigIsValid) {
  const auto shipped = test::source_dir() / "packaging" / "xmr-ray.toml";
  const auto r = check("collect", shipped);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Every key it sets is one `collect --help` lists (the check would fail otherwise, but this
  // also catches a key that is only in a comment and misspelt).
  const auto help = run(bin() + " collect --help").out;
  const std::regex key(R"(^#?\s*([a-z][a-z-]+) = )", std::regex::multiline);
  const std::string text = test::read_file(shipped);
  int keys = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), key); it != std::sregex_iterator(); ++it, ++keys)
    EXPECT_NE(help.find("--" + (*it)[1].str()), std::string::npos) << (*it)[1].str();
  EXPECT_GT(keys, 10);
}

TEST(ConfigFile, DetectTakesItsOptionsFromTheFile) {
  test::TempDir d;
  const std::string pcap = test::shared_pcap("peafowl_monero_xmrstak.pcap").string();
  const auto config = d / "detect.toml";
  test::write_file(config, "read = [\"" + pcap + "\"]\nslice = 60\nwindow = 5\nalerts = \"-\"\nalert-format = \"ecs\"\n" +
                               "quiet = true\n");
  EXPECT_EQ(check("detect", config).exit_code, 0);
  const auto from_file = run(bin() + " detect --config " + sh_quote(config.string()));
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  const auto from_flags = run(bin() + " detect -r " + sh_quote(pcap) + " --slice 60 --window 5 --alerts - --alert-format ecs -q");
  ASSERT_EQ(from_flags.exit_code, 0) << from_flags.err;
  EXPECT_EQ(from_file.out, from_flags.out);
  EXPECT_NE(from_file.out.find("\"@timestamp\""), std::string::npos) << "ECS lines expected:\n" << from_file.out;
  // And the command line still wins: EVE instead of the file's ECS.
  const auto overridden = run(bin() + " detect --config " + sh_quote(config.string()) + " --alert-format eve");
  ASSERT_EQ(overridden.exit_code, 0) << overridden.err;
  EXPECT_EQ(overridden.out.find("\"@timestamp\""), std::string::npos);
  EXPECT_NE(overridden.out.find("\"event_type\":\"alert\""), std::string::npos) << overridden.out;
}

}  // namespace
}  // namespace xmr
