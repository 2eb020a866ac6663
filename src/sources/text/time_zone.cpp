#include "sources/text/time_zone.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <fmt/format.h>

#include "core/byte_reader.h"

namespace xmr::text {

namespace {

constexpr std::size_t max_tzif_bytes = 1u << 20;  // real zone files are a few KiB

struct Counts {
  std::uint32_t isut, isstd, leap, time, type, chars;
};

bool read_header(ByteReader& r, char& version, Counts& c) {
  // RFC 8536 section 3.1: magic "TZif", version, 15 unused bytes, six 32-bit big-endian counts.
  char magic[4];
  if (!r.bytes(magic, 4) || std::string_view(magic, 4) != "TZif") return false;
  auto v = r.u8();
  if (!v) return false;
  version = static_cast<char>(*v);
  if (!r.skip(15)) return false;
  std::uint32_t* fields[6] = {&c.isut, &c.isstd, &c.leap, &c.time, &c.type, &c.chars};
  for (auto* f : fields) {
    auto x = r.be32();
    if (!x) return false;
    *f = *x;
  }
  return true;
}

}  // namespace

result<TimeZone> TimeZone::load(const std::string& requested) {
  std::string name = requested;
  if (name.empty()) {
    const char* env = std::getenv("TZ");  // read only; we never set it
    if (env != nullptr) name = env;
  }
  if (!name.empty() && name[0] == ':') name.erase(0, 1);
  if (name == "UTC" || name == "UTC0" || name == "GMT" || name == "Etc/UTC" || name == "Z") return utc();
  std::string path;
  if (name.empty()) {
    path = "/etc/localtime";
  } else {
    if (name.find("..") != std::string::npos)
      return make_error(errc::bad_argument, fmt::format("time zone '{}': not a zone name", name));
    path = name[0] == '/' ? name : "/usr/share/zoneinfo/" + name;
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr)
    return make_error(errc::bad_argument,
                      fmt::format("unknown time zone '{}' (no {})", name.empty() ? "local" : name, path));
  std::vector<std::uint8_t> data(max_tzif_bytes + 1);
  const std::size_t n = std::fread(data.data(), 1, data.size(), f);
  std::fclose(f);
  data.resize(n);
  const auto bad = [&] { return make_error(errc::bad_header, fmt::format("time zone file {}: not valid TZif", path)); };
  if (n > max_tzif_bytes) return bad();

  ByteReader r(std::span<const std::uint8_t>(data.data(), data.size()));
  char version = 0;
  Counts c{};
  if (!read_header(r, version, c)) return bad();
  int time_size = 4;
  if (version >= '2') {
    // Skip the 32-bit block; use the 64-bit one after the second header (RFC 8536 3.2).
    const std::uint64_t v1 = std::uint64_t{c.time} * 5 + std::uint64_t{c.type} * 6 + c.chars +
                             std::uint64_t{c.leap} * 8 + c.isstd + c.isut;
    if (v1 > r.remaining() || !r.skip(static_cast<std::size_t>(v1)) || !read_header(r, version, c)) return bad();
    time_size = 8;
  }
  if (c.type == 0 || std::uint64_t{c.time} * (time_size + 1) + std::uint64_t{c.type} * 6 > r.remaining()) return bad();
  TimeZone tz;
  tz.name_ = name.empty() ? "local" : name;
  std::vector<std::int64_t> times(c.time);
  for (auto& t : times) {
    if (time_size == 8) t = static_cast<std::int64_t>(r.be64().value_or(0));
    else t = static_cast<std::int32_t>(r.be32().value_or(0));
  }
  std::vector<std::uint8_t> idx(c.time);
  for (auto& i : idx) i = r.u8().value_or(0);
  std::vector<std::int32_t> offsets(c.type);
  std::vector<bool> is_dst(c.type);
  for (std::uint32_t i = 0; i < c.type; ++i) {
    offsets[i] = static_cast<std::int32_t>(r.be32().value_or(0));
    is_dst[i] = r.u8().value_or(0) != 0;
    (void)r.u8();
  }
  tz.initial_offset_ = offsets[0];
  for (std::uint32_t i = 0; i < c.type; ++i)
    if (!is_dst[i]) {
      tz.initial_offset_ = offsets[i];
      break;
    }
  for (std::uint32_t i = 0; i < c.time; ++i) {
    if (idx[i] >= c.type) return bad();
    if (!tz.transitions_.empty() && times[i] <= tz.transitions_.back()) return bad();
    tz.transitions_.push_back(times[i]);
    tz.offset_after_.push_back(offsets[idx[i]]);
  }
  return tz;
}

std::int32_t TimeZone::offset_at(std::int64_t utc_s) const noexcept {
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc_s);
  if (it == transitions_.begin()) return initial_offset_;
  return offset_after_[static_cast<std::size_t>(it - transitions_.begin() - 1)];
}

std::int64_t TimeZone::to_utc(std::int64_t local_s) const noexcept {
  // Two fixed-point steps find the offset in force at the resulting instant.
  std::int64_t u = local_s - offset_at(local_s);
  u = local_s - offset_at(u);
  return u;
}

}  // namespace xmr::text
