#pragma once
// Typed access to fields of one parsed JSON object, shared by the nfdump JSON and goflow2 sources.
// A present field of the wrong type is an error (reported by the caller), an absent one is not.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/ip_address.h"

namespace xmr::text {

struct JsonFields {
  const nlohmann::json& obj;
  std::string problem;  // first problem found; empty = fine

  // Unsigned integer field; also accepts a decimal string. Absent -> fallback.
  std::uint64_t u64(const char* key, std::uint64_t fallback = 0, std::uint64_t max = ~std::uint64_t{0});
  std::optional<std::string> str(const char* key);
  std::optional<IpAddress> addr(const char* key);
  bool has(const char* key) const { return obj.contains(key); }
  bool ok() const { return problem.empty(); }
  void fail(std::string what) {
    if (problem.empty()) problem = std::move(what);
  }
};

}  // namespace xmr::text
