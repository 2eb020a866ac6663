#pragma once
// TimeZone: converts wall-clock times of a named zone to UTC without touching the process-wide
// TZ (no setenv/tzset, no global state), by reading the zone's TZif file (RFC 8536) from
// /usr/share/zoneinfo. GCC 12's libstdc++ has no std::chrono::tzdb, hence this small reader.
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"

namespace xmr::text {

class TimeZone {
 public:
  // name: "UTC", "Europe/Rome", ...; empty = $TZ, else /etc/localtime. A leading ':' is ignored.
  static result<TimeZone> load(const std::string& name);
  static TimeZone utc() { return TimeZone{}; }
  // Offset (seconds east of UTC) in force at the UTC instant `utc_s`.
  std::int32_t offset_at(std::int64_t utc_s) const noexcept;
  // UTC seconds of the local wall time `local_s` (seconds since 1970-01-01 of the wall clock).
  // Ambiguous times (autumn hour) resolve to the earlier offset's reading; skipped ones shift.
  std::int64_t to_utc(std::int64_t local_s) const noexcept;
  const std::string& name() const noexcept { return name_; }

 private:
  std::string name_ = "UTC";
  std::vector<std::int64_t> transitions_;      // UTC seconds, ascending
  std::vector<std::int32_t> offset_after_;     // offset in force from transitions_[i]
  std::int32_t initial_offset_ = 0;            // before the first transition
};

}  // namespace xmr::text
