#pragma once
// Helpers every test folder uses: where the shared captures are, scratch directories, running
// the real tools (nfdump, nfpcapd, the xmr-ray binary) and reading whole sources.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/flow_record.h"
#include "sources/flow_source.h"

namespace xmr::test {

// $XMR_SHARED, else <source dir>/../shared.
std::filesystem::path shared_dir();
std::filesystem::path shared_pcap(const std::string& name);  // shared_dir()/data/pcap/name
std::filesystem::path source_dir();                           // the repository root
std::filesystem::path xmr_binary();                           // build/xmr-ray

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};
// Runs `command` through /bin/sh; captures stdout and stderr.
CommandResult run(const std::string& command);
// Quotes a path or argument for /bin/sh.
std::string sh_quote(const std::string& s);

std::string read_file(const std::filesystem::path& p);
void write_file(const std::filesystem::path& p, const std::string& content);
// The non-empty lines of `text`, sorted (alert files compared regardless of order).
std::vector<std::string> sorted_lines(const std::string& text);

// Reads every record of `path` through open_inputs (format detected unless given).
struct ReadAll {
  std::vector<FlowRecord> records;
  std::vector<std::string> problems;  // format_problem() of each reported problem
  std::uint64_t errors = 0;
  std::uint64_t skipped = 0;
};
ReadAll read_all(const std::string& path, SourceOptions options = {});

}  // namespace xmr::test
