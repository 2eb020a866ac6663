#include "lab/profile.h"

#include "lab/payloads.h"

namespace xmr::lab {

const std::vector<ProfileInfo>& profiles() {
  // Ports: 3333 (common Stratum plaintext), 443 (stratum+ssl on many pools), p2pool stratum 3333,
  // MQTT 1883/8883 (IANA), Redis 6379/6380, HTTP 80/443, SSH 22.
  static const std::vector<ProfileInfo> all = {
      {"xmrig-nodejs-pool", true, "monero-stratum", 3333, 443, true},
      {"xmrig-p2pool", true, "monero-stratum", 3333, 3334, true},
      {"weak-rig", true, "monero-stratum", 3333, 443, true},
      {"strong-rig", true, "monero-stratum", 3333, 443, true},
      {"throttled-malware", true, "monero-stratum", 3333, 443, true},
      {"stratum-v1", true, "stratum-v1", 3333, 443, true},
      // xmrig-proxy: the upstream to the pool (many rigs' shares) and the LAN side (rigs -> proxy;
      // xmrig-proxy's default bind port 3333, README "bind").
      {"xmrig-proxy", true, "monero-stratum", 3333, 443, true},
      {"xmrig-proxy-lan", true, "monero-stratum", 3333, 443, true},
      // A miner whose connection drops and comes back (network drop, pool restart), mean 30 min.
      {"xmrig-failover", true, "monero-stratum", 3333, 443, true, 1800},
      // CoinHive-style browser miner: WebSocket (ws, 80) / WSS (443) to a coin-hive-stratum proxy.
      {"browser-miner", true, "coinhive-websocket", 80, 443, true},
      // Stratum for Equihash coins (Zcash ZIP 301); the port is this lab's choice (no registered port).
      {"stratum-equihash", true, "stratum-equihash", 3357, 443, true},
      {"mqtt-telemetry", false, "mqtt", 1883, 8883, true},
      {"redis-pubsub", false, "redis", 6379, 6380, true},
      {"http-polling", false, "http", 80, 443, true},
      {"websocket-heartbeat", false, "websocket", 80, 443, true},
      {"ssh-keepalive", false, "ssh", 22, 22, true},
      {"web-browsing", false, "web", 443, 443, false},
      // IMAP 143/993, IRC 6667/6697 (RFC 7194), DNS 53 (RFC 7766), HTTPS 443.
      {"imap-idle", false, "imap", 143, 993, true},
      {"irc-ping", false, "irc", 6667, 6697, true},
      {"dns-tcp", false, "dns", 53, 853, false},
      {"bulk-transfer", false, "bulk", 443, 443, false},
      {"streaming", false, "streaming", 443, 443, false},
  };
  return all;
}

const ProfileInfo* find_profile(const std::string& name) {
  for (const auto& p : profiles())
    if (p.name == name) return &p;
  return nullptr;
}

std::unique_ptr<Conversation> make_conversation(const ProfileInfo& profile, const ConversationContext& ctx,
                                                const ProfileParams& params, std::uint64_t seed) {
  return profile.mining ? make_mining_conversation(profile, ctx, params, seed)
                        : make_benign_conversation(profile, ctx, params, seed);
}

bool TimedConversation::fire_next_process() {
  std::size_t best = timers_.size();
  for (std::size_t i = 0; i < timers_.size(); ++i)
    if (timers_[i] != never && (best == timers_.size() || timers_[i] < timers_[best])) best = i;
  if (best == timers_.size()) return false;
  const std::int64_t t = timers_[best];
  timers_[best] = never;
  on_timer(best, t);
  return true;
}

std::int64_t TimedConversation::next_process_us() const {
  std::int64_t best = never;
  for (auto t : timers_) best = std::min(best, t);
  return best;
}

std::int64_t TimedConversation::tls_handshake(std::int64_t t, const std::string& server_name) {
  send(t, true, tls_client_hello(rng_, server_name), true);
  const std::int64_t flight = reply_time(t, 2.0);
  send(flight, false, tls_server_flight(rng_, static_cast<std::size_t>(uniform(rng_, 1800, 4200))), true);
  const std::int64_t fin = flight + 1000;
  send(fin, true, tls_client_finished(rng_), true);
  return fin + 500;
}

}  // namespace xmr::lab
