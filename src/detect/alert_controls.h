#pragma once
// Analyst controls (docs/alerts.md): an allowlist of sanctioned hosts, pools, networks and
// endpoints, and a suppression list of known alerts (by Community ID or miner/pool pair), so a
// site can silence its own sanctioned miners without retraining. Applied to alerts, counted.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/error.h"
#include "detect/detector.h"
#include "flow/home_net.h"

namespace xmr {

// One address pattern: a CIDR (a bare address is a /32 or /128), optionally with a port.
struct EndpointPattern {
  Cidr net;
  int port = -1;  // -1: any
  bool matches(const Endpoint& e) const noexcept { return net.contains(e.addr) && (port < 0 || port == e.port); }
  // "10.0.0.0/8", "192.0.2.7", "192.0.2.7:3333", "2001:db8::/32", "[2001:db8::7]:443"
  static result<EndpointPattern> parse(std::string_view text);
};

// Allowlist lines: PATTERN (either end of the connection), "miner PATTERN" or "pool PATTERN".
class Allowlist {
 public:
  // `name` is used in error messages ("allow.txt:3: ..."); '#' starts a comment.
  static result<Allowlist> parse(std::string_view text, std::string_view name);
  bool allows(const ConnectionInfo& c) const noexcept;
  std::size_t size() const noexcept { return entries_.size(); }

 private:
  enum class Role { any, miner, pool };
  struct Entry {
    Role role;
    EndpointPattern pattern;
  };
  std::vector<Entry> entries_;
};

// Suppression lines: a Community ID ("1:..."), or "MINER POOL" where each is a pattern
// ("10.1.2.3 198.51.100.7:3333", "10.1.2.3 198.51.100.7").
class Suppressions {
 public:
  static result<Suppressions> parse(std::string_view text, std::string_view name);
  bool suppresses(const ConnectionInfo& c, const std::string& community_id) const;
  std::size_t size() const noexcept { return ids_.size() + pairs_.size(); }

 private:
  std::unordered_set<std::string> ids_;
  std::vector<std::pair<EndpointPattern, EndpointPattern>> pairs_;
};

struct AlertControlStats {
  std::uint64_t allowlisted = 0;  // alerts dropped by the allowlist
  std::uint64_t suppressed = 0;   // alerts dropped by the suppression list
  std::uint64_t passed = 0;
};

// Passes on only the alerts neither list silences.
class AlertFilter final : public AlertSink {
 public:
  AlertFilter(const Allowlist* allow, const Suppressions* suppress, AlertSink& next)
      : allow_(allow), suppress_(suppress), next_(next) {}
  void on_alert(const Alert& alert) override;
  const AlertControlStats& stats() const noexcept { return stats_; }

 private:
  const Allowlist* allow_;
  const Suppressions* suppress_;
  AlertSink& next_;
  AlertControlStats stats_;
};

}  // namespace xmr
