#include "sources/text/json_fields.h"

#include "sources/text/text_common.h"

namespace xmr::text {

std::uint64_t JsonFields::u64(const char* key, std::uint64_t fallback, std::uint64_t max) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  std::optional<std::uint64_t> v;
  if (it->is_number_unsigned()) v = it->get<std::uint64_t>();
  else if (it->is_number_integer() && it->get<std::int64_t>() >= 0) v = static_cast<std::uint64_t>(it->get<std::int64_t>());
  else if (it->is_string()) v = parse_u64(it->get_ref<const std::string&>());
  if (!v || *v > max) {
    fail(std::string("field '") + key + "' is not an unsigned integer in range");
    return fallback;
  }
  return *v;
}

std::optional<std::string> JsonFields::str(const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    fail(std::string("field '") + key + "' is not a string");
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::optional<IpAddress> JsonFields::addr(const char* key) {
  auto s = str(key);
  if (!s) return std::nullopt;
  auto a = IpAddress::parse(*s);
  if (!a) fail(std::string("field '") + key + "' is not an IP address");
  return a;
}

}  // namespace xmr::text
