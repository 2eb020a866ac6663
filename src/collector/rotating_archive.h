#pragma once
// RotatingArchive: the received flows as nfcapd files, rotated like nfcapd does, so a site can
// replace its collector and keep its nfdump tooling. While an interval is open its file is
// DIR/nfcapd.current.<pid>; at the interval's end it is finished (stat record written) and
// renamed to DIR/nfcapd.YYYYmmddHHMM, named by the interval's start in local time (nfdump 1.7.1
// nfcapd: "nfcapd.current.%d" and the rename in its flush/rotate path; -t 300 by default).
// A file is written for every interval, empty or not, so readers can count on the sequence.
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "sinks/nfcapd_writer.h"

namespace xmr::collector {

struct ArchiveOptions {
  std::string dir;
  std::int64_t interval_s = 300;
  NfcapdWriterOptions writer;
};

struct ArchiveStats {
  std::uint64_t files = 0;          // completed (renamed) files
  std::uint64_t records = 0;
  std::uint64_t write_errors = 0;   // records lost to a failed write (disk full, ...)
};

class RotatingArchive {
 public:
  // Checks that the directory is writable by opening the first file.
  [[nodiscard]] static result<std::unique_ptr<RotatingArchive>> open(ArchiveOptions options, std::int64_t wall_ms);

  // Rotates first if `wall_ms` is past the open interval.
  [[nodiscard]] result<void> write(std::span<const FlowRecord> records, std::int64_t wall_ms);
  [[nodiscard]] result<void> rotate_if_due(std::int64_t wall_ms);
  // Finishes and renames the open file (shutdown).
  [[nodiscard]] result<void> close();
  const ArchiveStats& stats() const noexcept { return stats_; }
  std::string final_name(std::int64_t interval_start_s) const;

 private:
  explicit RotatingArchive(ArchiveOptions options) : options_(std::move(options)) {}
  result<void> start_interval(std::int64_t wall_ms);
  result<void> finish_interval();

  ArchiveOptions options_;
  std::string current_path_;
  std::unique_ptr<FlowSink> writer_;
  std::int64_t interval_start_s_ = 0;
  ArchiveStats stats_;
};

}  // namespace xmr::collector
