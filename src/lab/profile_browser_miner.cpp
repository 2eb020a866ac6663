// browser-miner: a CoinHive-style JavaScript miner in a browser tab, talking to a WebSocket ->
// Stratum proxy (the npm package coin-hive-stratum, src/Miner.ts). Messages are JSON objects in
// WebSocket text frames (RFC 6455 section 5.6), client frames masked (section 5.3), without the
// newline of TCP Stratum:
//   tab -> proxy  {"type":"auth","params":{"site_key":...,"type":"anonymous","user":null,"goal":0}}
//   proxy -> tab  {"type":"authed","params":{"token":"","hashes":0}}
//   proxy -> tab  {"type":"job","params":{"job_id","blob","target"}}     (the pool's Monero job)
//   tab -> proxy  {"type":"submit","params":{"job_id","nonce","result"}}
//   proxy -> tab  {"type":"hash_accepted","params":{"hashes":N}}
// The proxy keeps the pool connection alive itself (keepalived upstream), so the tab sends nothing
// between shares. Tabs hash at tens of H/s (CryptoNight/RandomX in WebAssembly); the pool's
// vardiff floor then sets the share rate. Each tab is its own WebSocket (group `connections`).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "lab/payloads.h"
#include "lab/profile.h"

namespace xmr::lab {

namespace {

class BrowserMiner final : public TimedConversation {
 public:
  BrowserMiner(const ConversationContext& ctx, const ProfileParams& p, std::uint64_t seed)
      : TimedConversation(ctx, seed, 3), host_(p.server_name.empty() ? "ws.example-cdn.net" : p.server_name) {
    job_mean_s_ = p.job_mean_s > 0 ? p.job_mean_s : 120;  // Monero block time (cryptonote_config.h)
    const double floor = p.min_difficulty > 0 ? p.min_difficulty : 1000;  // nodejs-pool minDiff
    const double target_s = p.share_target_s > 0 ? p.share_target_s : 30;
    const double hs = std::max(ctx.hashrate_hs, 0.1);
    difficulty_ = p.difficulty > 0 ? p.difficulty : std::max(floor, std::round(hs * target_s));
    share_mean_s_ = difficulty_ / hs;
    set_timer(start, ctx.start_us + 500);
  }

 private:
  enum : std::size_t { start, job, submit };
  std::string job_text() {
    const auto t = static_cast<std::uint32_t>(4294967295.0 / std::max(1.0, difficulty_));
    job_id_ = random_hex(rng_, 16);
    return fmt::format(R"({{"type":"job","params":{{"job_id":"{}","blob":"{}","target":"{:02x}{:02x}{:02x}{:02x}"}}}})",
                       job_id_, random_hex(rng_, 152), t & 0xff, (t >> 8) & 0xff, (t >> 16) & 0xff, t >> 24);
  }
  void to_proxy(std::int64_t t, const std::string& text, MessageKind kind) {
    send(t, true, websocket_frame(rng_, 0x1, text, true), kind);
  }
  void to_tab(std::int64_t t, const std::string& text, MessageKind kind) {
    send(t, false, websocket_frame(rng_, 0x1, text, false), kind);
  }
  void on_timer(std::size_t which, std::int64_t now) override {
    if (which == start) {
      std::int64_t t = ctx_.tls ? tls_handshake(now, host_) : now;
      // The browser's Upgrade request (RFC 6455 section 1.3) and the proxy's 101 (ws library).
      send(t, true,
           fmt::format("GET / HTTP/1.1\r\nHost: {}\r\nConnection: Upgrade\r\nPragma: no-cache\r\nCache-Control: no-cache\r\n"
                       "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0\r\n"
                       "Upgrade: websocket\r\nOrigin: https://{}\r\nSec-WebSocket-Version: 13\r\n"
                       "Sec-WebSocket-Key: {}==\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n",
                       host_, "games.example.org", random_hex(rng_, 22)),
           MessageKind::other);
      std::int64_t r = reply_time(t, 1.0);
      send(r, false,
           fmt::format("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       "Sec-WebSocket-Accept: {}=\r\n\r\n", random_hex(rng_, 27)),
           MessageKind::other);
      const std::int64_t a = r + 2000;
      to_proxy(a, fmt::format(R"({{"type":"auth","params":{{"site_key":"{}","type":"anonymous","user":null,"goal":0}}}})",
                              random_hex(rng_, 32)),
               MessageKind::login);
      r = reply_time(a, 20.0);  // the proxy logs in upstream first
      to_tab(r, R"({"type":"authed","params":{"token":"","hashes":0}})", MessageKind::login_result);
      to_tab(r + 300, job_text(), MessageKind::job);
      set_timer(job, r + seconds(exponential(rng_, job_mean_s_)));
      set_timer(submit, r + seconds(exponential(rng_, share_mean_s_)));
    } else if (which == job) {
      to_tab(now, job_text(), MessageKind::job);
      set_timer(job, now + seconds(exponential(rng_, job_mean_s_)));
    } else {
      to_proxy(now, fmt::format(R"({{"type":"submit","params":{{"job_id":"{}","nonce":"{}","result":"{}"}}}})", job_id_,
                                random_hex(rng_, 8), random_hex(rng_, 64)),
               MessageKind::submit);
      to_tab(reply_time(now, 25.0), fmt::format(R"({{"type":"hash_accepted","params":{{"hashes":{}}}}})", ++accepted_),
             MessageKind::result);
      set_timer(submit, now + seconds(exponential(rng_, share_mean_s_)));
    }
  }
  std::string host_, job_id_;
  double job_mean_s_ = 120, difficulty_ = 1000, share_mean_s_ = 30;
  std::uint64_t accepted_ = 0;
};

}  // namespace

std::unique_ptr<Conversation> make_browser_miner(const ConversationContext& ctx, const ProfileParams& params,
                                                 std::uint64_t seed) {
  return std::make_unique<BrowserMiner>(ctx, params, seed);
}

}  // namespace xmr::lab
