#pragma once
// A profile is a named conversation model (docs/lab.md lists each with its parameters and sources).
// `make_conversation` is the one registry: a scenario names a profile, the engine asks for one
// conversation per connection.
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "lab/conversation.h"

namespace xmr::lab {

struct ProfileInfo {
  std::string name;
  bool mining = false;
  std::string family;          // monero-stratum, stratum-v1, mqtt, redis, http, websocket, ssh, web
  std::uint16_t default_port = 0;
  std::uint16_t default_tls_port = 0;
  bool long_lived = true;      // one connection per host for the whole run; else short sessions
  double default_session_mean_s = 0;  // long-lived: mean connection lifetime before a reconnect (0: none)
};

// Per-connection knobs a scenario group may set (0 = the profile's default).
struct ProfileParams {
  double difficulty = 0;        // fixed pool difficulty (throttled-malware); 0 = vardiff
  double job_mean_s = 0;        // mean time between new-block jobs
  double period_s = 0;          // poll / publish / heartbeat period
  double share_target_s = 0;    // vardiff target time per share
  double min_difficulty = 0;    // pool difficulty floor
  double refresh_mean_s = 0;    // extra job pushes (template refresh), mean seconds
  std::uint32_t rigs = 0;       // xmrig-proxy: rigs behind the upstream connection
  double mean_bytes = 0;        // bulk-transfer: median object size; streaming: bytes per media segment
  double session_s = 0;         // streaming / short sessions: mean session length
  std::string server_name;      // SNI / Host header
};

const std::vector<ProfileInfo>& profiles();
const ProfileInfo* find_profile(const std::string& name);
std::unique_ptr<Conversation> make_conversation(const ProfileInfo& profile, const ConversationContext& ctx,
                                                const ProfileParams& params, std::uint64_t seed);

// Base for profiles built from a few timers: each timer holds the time of its next firing.
class TimedConversation : public Conversation {
 protected:
  static constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();
  TimedConversation(ConversationContext ctx, std::uint64_t seed, std::size_t timer_count)
      : Conversation(ctx, seed), timers_(timer_count, never) {}
  virtual void on_timer(std::size_t which, std::int64_t now) = 0;
  bool fire_next_process() override;
  std::int64_t next_process_us() const override;
  void set_timer(std::size_t which, std::int64_t at) { timers_[which] = at; }
  static std::int64_t seconds(double s) { return static_cast<std::int64_t>(s * 1e6); }
  // TLS handshake (ClientHello, server flight, client Finished) at the start of the connection;
  // returns the time application data may start.
  std::int64_t tls_handshake(std::int64_t t, const std::string& server_name);

 private:
  std::vector<std::int64_t> timers_;
};

std::unique_ptr<Conversation> make_mining_conversation(const ProfileInfo& p, const ConversationContext& ctx,
                                                       const ProfileParams& params, std::uint64_t seed);
// Separate files, one protocol each: profile_browser_miner.cpp, profile_equihash.cpp,
// profiles_background.cpp.
std::unique_ptr<Conversation> make_browser_miner(const ConversationContext& ctx, const ProfileParams& params,
                                                 std::uint64_t seed);
std::unique_ptr<Conversation> make_equihash_stratum(const ConversationContext& ctx, const ProfileParams& params,
                                                    std::uint64_t seed);
std::unique_ptr<Conversation> make_background_conversation(const ProfileInfo& p, const ConversationContext& ctx,
                                                           const ProfileParams& params, std::uint64_t seed);
std::unique_ptr<Conversation> make_benign_conversation(const ProfileInfo& p, const ConversationContext& ctx,
                                                       const ProfileParams& params, std::uint64_t seed);

}  // namespace xmr::lab
