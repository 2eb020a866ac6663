#include "sources/open_source.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "sources/nfcapd/nfcapd_source.h"
#include "sources/pcap/pcap_source.h"
#include "sources/text/text_sources.h"

namespace xmr {

namespace fs = std::filesystem;

result<InputFormat> detect_format(const std::string& path) {
  if (path == "-") return make_error(errc::bad_argument, "standard input: give --format, it cannot be sniffed");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return make_error(errc::io_error, fmt::format("{}: {}", path, std::strerror(errno)));
  std::uint8_t head[4096];
  const std::size_t n = std::fread(head, 1, sizeof head, f);
  std::fclose(f);
  const std::span<const std::uint8_t> h(head, n);
  if (looks_like_nfcapd(h)) return InputFormat::nfcapd;
  if (looks_like_pcap(h)) return InputFormat::pcap;
  if (auto t = detect_text_format(h)) return *t;
  return make_error(errc::unknown_format,
                    fmt::format("{}: not an nfcapd, pcap, nfdump CSV/JSON, goflow2 or XMR-Ray CSV file "
                                "(use --format to force one)",
                                path));
}

result<std::vector<std::string>> expand_inputs(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (p == "-" || !fs::is_directory(p, ec)) {
      files.push_back(p);
      continue;
    }
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const auto name = it->path().filename().string();
      if (!name.empty() && name[0] == '.') {
        if (it->is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file(ec)) found.push_back(it->path().string());
    }
    if (ec) return make_error(errc::io_error, fmt::format("{}: {}", p, ec.message()));
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

namespace {

result<std::unique_ptr<FlowSource>> open_one(InputFormat format, const std::string& path, const SourceContext& ctx) {
  switch (format) {
    case InputFormat::nfcapd: return open_nfcapd_source(path, ctx);
    case InputFormat::nfdump_csv: return open_nfdump_csv_source(path, ctx);
    case InputFormat::nfdump_json: return open_nfdump_json_source(path, ctx);
    case InputFormat::goflow2_json: return open_goflow2_source(path, ctx);
    case InputFormat::xmr_csv: return open_xmr_csv_source(path, ctx);
    case InputFormat::pcap: return open_pcap_source(path, ctx);
  }
  return make_error(errc::bad_argument, "unknown format");
}

PositionKind position_kind(InputFormat f) {
  switch (f) {
    case InputFormat::nfcapd: return PositionKind::byte_offset;
    case InputFormat::pcap: return PositionKind::packet;
    default: return PositionKind::line;
  }
}

// Diagnostics already name the source; drop a leading "path: " from an error's context so that
// messages do not say the file name twice.
std::string_view without_path(std::string_view context, std::string_view path) {
  if (context.size() > path.size() + 2 && context.substr(0, path.size()) == path &&
      context.substr(path.size(), 2) == ": ")
    context.remove_prefix(path.size() + 2);
  return context;
}

// Reads the inputs one after the other; opens each lazily so that memory and file handles stay
// constant however many files a directory holds.
class ChainedSource final : public FlowSource {
 public:
  ChainedSource(std::vector<std::string> files, SourceOptions options, SourceCatalog& catalog, Diagnostics& diag)
      : files_(std::move(files)), options_(std::move(options)), catalog_(catalog), diag_(diag) {}

  result<std::size_t> read(std::vector<FlowRecord>& out, std::size_t max) override {
    while (true) {
      if (!current_ && !open_next()) return 0;
      auto n = current_->read(out, max);
      if (!n) {
        // An unrecoverable failure ends this input only; the others are still read.
        diag_.report(n.error().code, files_[next_ - 1], PositionKind::byte_offset, 0,
                     without_path(n.error().context, files_[next_ - 1]));
        current_.reset();
        continue;
      }
      if (*n > 0) {
        diag_.add_read(*n);
        return *n;
      }
      current_.reset();
    }
  }

 private:
  bool open_next() {
    while (next_ < files_.size()) {
      const std::string& path = files_[next_++];
      InputFormat format;
      if (options_.format) {
        format = *options_.format;
      } else {
        auto detected = detect_format(path);
        if (!detected) {
          diag_.report(detected.error().code, path, PositionKind::byte_offset, 0,
                       without_path(detected.error().context, path));
          continue;
        }
        format = *detected;
      }
      SourceContext ctx{path, catalog_.add(path, position_kind(format)), &diag_, options_};
      auto src = open_one(format, path, ctx);
      if (!src) {
        diag_.report(src.error().code, path, PositionKind::byte_offset, 0, without_path(src.error().context, path));
        continue;
      }
      current_ = std::move(*src);
      return true;
    }
    return false;
  }

  std::vector<std::string> files_;
  SourceOptions options_;
  SourceCatalog& catalog_;
  Diagnostics& diag_;
  std::size_t next_ = 0;
  std::unique_ptr<FlowSource> current_;
};

}  // namespace

std::unique_ptr<FlowSource> open_inputs(const std::vector<std::string>& files, const SourceOptions& options,
                                        SourceCatalog& catalog, Diagnostics& diagnostics) {
  return std::make_unique<ChainedSource>(files, options, catalog, diagnostics);
}

}  // namespace xmr
