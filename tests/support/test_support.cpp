#include "support/test_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "sources/open_source.h"

namespace xmr::test {

namespace fs = std::filesystem;

fs::path source_dir() { return fs::path(XMR_SOURCE_DIR); }
fs::path xmr_binary() { return fs::path(XMR_BINARY); }

fs::path shared_dir() {
  if (const char* s = std::getenv("XMR_SHARED"); s && *s) return fs::path(s);
  return source_dir() / ".." / "shared";
}

fs::path shared_pcap(const std::string& name) { return shared_dir() / "data" / "pcap" / name; }

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto p = fs::temp_directory_path() / ("xmr-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::error_code ec;
    if (fs::create_directory(p, ec)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> v;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) v.push_back(l);
  std::sort(v.begin(), v.end());
  return v;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary);
  out << content;
}

std::string sh_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q += c;
  }
  return q + "'";
}

CommandResult run(const std::string& command) {
  TempDir tmp;
  const auto out = tmp / "stdout", err = tmp / "stderr";
  const std::string full = "(" + command + ") >" + sh_quote(out.string()) + " 2>" + sh_quote(err.string());
  const int status = std::system(full.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

ReadAll read_all(const std::string& path, SourceOptions options) {
  ReadAll r;
  Diagnostics diag([&](const Problem& p) { r.problems.push_back(format_problem(p)); });
  SourceCatalog catalog;
  auto files = expand_inputs({path});  // a directory reads like `flows -R`
  if (!files) {
    r.problems.push_back(files.error().context);
    r.errors = 1;
    return r;
  }
  auto src = open_inputs(*files, options, catalog, diag);
  while (true) {
    auto n = src->read(r.records, 4096);
    if (!n || *n == 0) break;
  }
  r.errors = diag.errors();
  r.skipped = diag.skipped();
  return r;
}

}  // namespace xmr::test
