#include "collector/rotating_archive.h"

#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <system_error>

namespace xmr::collector {

result<std::unique_ptr<RotatingArchive>> RotatingArchive::open(ArchiveOptions options, std::int64_t wall_ms) {
  if (options.interval_s <= 0) return make_error(errc::bad_argument, "archive interval must be positive");
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return make_error(errc::io_error, options.dir + ": " + ec.message());
  std::unique_ptr<RotatingArchive> a(new RotatingArchive(std::move(options)));
  if (auto started = a->start_interval(wall_ms); !started) return tl::unexpected(started.error());
  return a;
}

std::string RotatingArchive::final_name(std::int64_t interval_start_s) const {
  const std::time_t t = static_cast<std::time_t>(interval_start_s);
  std::tm tm{};
  localtime_r(&t, &tm);
  char name[32];
  std::strftime(name, sizeof name, "nfcapd.%Y%m%d%H%M", &tm);
  return (std::filesystem::path(options_.dir) / name).string();
}

result<void> RotatingArchive::start_interval(std::int64_t wall_ms) {
  const std::int64_t now_s = wall_ms / 1000;
  interval_start_s_ = now_s - now_s % options_.interval_s;
  current_path_ = (std::filesystem::path(options_.dir) / ("nfcapd.current." + std::to_string(::getpid()))).string();
  auto w = open_nfcapd_writer(current_path_, options_.writer);
  if (!w) return tl::unexpected(w.error());
  writer_ = std::move(*w);
  return {};
}

result<void> RotatingArchive::finish_interval() {
  if (!writer_) return {};
  auto done = writer_->finish();
  writer_.reset();
  if (!done) return done;
  std::error_code ec;
  const std::string target = final_name(interval_start_s_);
  std::filesystem::rename(current_path_, target, ec);
  if (ec) return make_error(errc::io_error, current_path_ + " -> " + target + ": " + ec.message());
  ++stats_.files;
  return {};
}

result<void> RotatingArchive::rotate_if_due(std::int64_t wall_ms) {
  if (writer_ && wall_ms / 1000 < interval_start_s_ + options_.interval_s) return {};
  auto finished = finish_interval();
  auto started = start_interval(wall_ms);
  if (!finished) return finished;
  return started;
}

result<void> RotatingArchive::write(std::span<const FlowRecord> records, std::int64_t wall_ms) {
  if (auto r = rotate_if_due(wall_ms); !r) {
    stats_.write_errors += records.size();
    return r;
  }
  if (!writer_) {  // the last rotation could not open a file; the next one tries again
    stats_.write_errors += records.size();
    return make_error(errc::io_error, current_path_ + ": no archive file open");
  }
  auto w = writer_->write(records);
  if (!w) {
    stats_.write_errors += records.size();
    return w;
  }
  stats_.records += records.size();
  return {};
}

result<void> RotatingArchive::close() { return finish_interval(); }

}  // namespace xmr::collector
