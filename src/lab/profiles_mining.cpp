// Mining conversations. Message texts follow XMRig's Monero Stratum client
// (src/base/net/stratum/Client.cpp, XMRig 6.x: login/submit/keepalived requests, "job" notifications,
// {"status":"OK"} results) and Stratum v1 (mining.subscribe/authorize/set_difficulty/notify/submit as
// documented by slush pool / Braiins "Stratum mining protocol"). Timing: Monero block time 120 s
// (Monero DIFFICULTY_TARGET_V2 in cryptonote_config.h), p2pool side-chain block time ~10 s (p2pool
// README), XMRig keepalive after 60 s without a send (Client.cpp kKeepAliveTimeout), vardiff aiming at
// one share per ~30 s (nodejs-pool config targetTime; p2pool auto-diff target).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "lab/payloads.h"
#include "lab/profile.h"

namespace xmr::lab {

namespace {

struct MoneroTiming {
  double job_mean_s = 120;      // new block -> new job
  double refresh_mean_s = 900;  // extra job pushes (vardiff retarget, template refresh)
  double share_target_s = 30;   // vardiff target time per share
  double min_difficulty = 1000; // pool floor
  double fixed_difficulty = 0;  // > 0: no vardiff
  bool proxy = false;           // xmrig-proxy upstream (agent string, `rigs` rigs' shares)
};

class MoneroStratum final : public TimedConversation {
 public:
  MoneroStratum(const ConversationContext& ctx, const ProfileParams& params, MoneroTiming timing, std::uint64_t seed)
      : TimedConversation(ctx, seed, 4), timing_(timing), server_name_(params.server_name) {
    if (params.job_mean_s > 0) timing_.job_mean_s = params.job_mean_s;
    if (params.difficulty > 0) timing_.fixed_difficulty = params.difficulty;
    if (params.share_target_s > 0) timing_.share_target_s = params.share_target_s;
    if (params.min_difficulty > 0) timing_.min_difficulty = params.min_difficulty;
    if (params.refresh_mean_s > 0) timing_.refresh_mean_s = params.refresh_mean_s;
    // ctx.hashrate_hs is one rig's; an xmrig-proxy upstream carries `rigs` of them. The pool's
    // difficulty is the one a single rig gets (the proxy's workers log in with a fixed per-worker
    // difficulty), so the upstream submits `rigs` times as often as one rig.
    const double hs = std::max(ctx.hashrate_hs, 0.1);
    rigs_ = std::max<std::uint32_t>(1, params.rigs);
    if (timing_.proxy) agent_ = "xmrig-proxy/6.22.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0";
    difficulty_ = timing_.fixed_difficulty > 0 ? timing_.fixed_difficulty
                                               : std::max(timing_.min_difficulty, std::round(hs * timing_.share_target_s));
    share_mean_s_ = difficulty_ / (hs * rigs_);
    wallet_ = random_monero_address(rng_);
    session_id_ = random_hex(rng_, 8) + "-" + random_hex(rng_, 4) + "-" + random_hex(rng_, 4) + "-" + random_hex(rng_, 4) +
                  "-" + random_hex(rng_, 12);
    set_timer(login, ctx.start_us + 500);
  }

 private:
  enum : std::size_t { login, job, submit, keepalive };

  std::string job_json() {
    // Blob: 76-byte hashing blob (152 hex) of a Monero block header + tree root + tx count.
    return fmt::format(
        R"({{"blob":"{}","job_id":"{}","target":"{}","algo":"rx/0","height":{},"seed_hash":"{}"}})",
        random_hex(rng_, 152), random_hex(rng_, 16), target_hex(), height_, seed_hash_);
  }
  std::string target_hex() const {
    // XMRig's 32-bit compact target: 0xffffffff / difficulty, little-endian hex.
    const auto t = static_cast<std::uint32_t>(std::min(4294967295.0, 4294967295.0 / std::max(1.0, difficulty_)));
    return fmt::format("{:02x}{:02x}{:02x}{:02x}", t & 0xff, (t >> 8) & 0xff, (t >> 16) & 0xff, t >> 24);
  }
  void client_send(std::int64_t t, std::string text, MessageKind kind) {
    send(t, true, std::move(text), kind);
    set_timer(keepalive, t + seconds(60));
  }
  void on_timer(std::size_t which, std::int64_t now) override {
    switch (which) {
      case login: {
        std::int64_t t = now;
        if (ctx_.tls) t = tls_handshake(now, server_name_);
        height_ = 3000000 + uniform_int(rng_, 0, 200000);
        seed_hash_ = random_hex(rng_, 64);
        client_send(t, fmt::format(
            R"({{"id":1,"jsonrpc":"2.0","method":"login","params":{{"login":"{}","pass":"x","agent":"{}","rigid":"","algo":["cn/1","cn/2","cn/r","cn/fast","cn/half","cn/xao","cn/rto","cn/rwz","cn/zls","cn/double","cn/ccx","cn-lite/1","cn-heavy/0","cn-heavy/tube","cn-heavy/xhv","cn-pico","cn-pico/tlo","cn/upx2","rx/0","rx/wow","rx/arq","rx/graft","rx/sfx","rx/keva","argon2/chukwa","argon2/chukwav2","argon2/ninja","astrobwt","astrobwt/v2","ghostrider"]}}}})"
            "\n",
            wallet_, agent_), MessageKind::login);
        const std::int64_t r = reply_time(t, 5.0);
        send(r, false, fmt::format(
            R"({{"id":1,"jsonrpc":"2.0","error":null,"result":{{"id":"{}","job":{},"extensions":["algo","nicehash","connect","tls","keepalive"],"status":"OK"}}}})"
            "\n",
            session_id_, job_json()), MessageKind::login_result);
        ready_us_ = r;
        set_timer(job, r + seconds(exponential(rng_, timing_.job_mean_s)));
        set_timer(submit, r + seconds(exponential(rng_, share_mean_s_)));
        refresh_at_ = r + seconds(exponential(rng_, timing_.refresh_mean_s));
        break;
      }
      case job: {
        // A pool-side push: new block (mean job_mean_s) or a refresh, whichever comes first.
        if (now >= refresh_at_) {
          refresh_at_ = now + seconds(exponential(rng_, timing_.refresh_mean_s));
        } else {
          ++height_;
        }
        send(now, false, std::string(R"({"jsonrpc":"2.0","method":"job","params":)") + job_json() + "}\n", MessageKind::job);
        set_timer(job, std::min(now + seconds(exponential(rng_, timing_.job_mean_s)), refresh_at_));
        break;
      }
      case submit: {
        const int id = next_id_++;
        client_send(now, fmt::format(
            R"({{"id":{},"jsonrpc":"2.0","method":"submit","params":{{"id":"{}","job_id":"{}","nonce":"{}","result":"{}","algo":"rx/0"}}}})"
            "\n",
            id, session_id_, random_hex(rng_, 16), random_hex(rng_, 8), random_hex(rng_, 64)), MessageKind::submit);
        send(reply_time(now, 3.0), false,
             fmt::format(R"({{"id":{},"jsonrpc":"2.0","error":null,"result":{{"status":"OK"}}}})" "\n", id),
             MessageKind::result);
        set_timer(submit, now + seconds(exponential(rng_, share_mean_s_)));
        break;
      }
      case keepalive: {
        const int id = next_id_++;
        client_send(now, fmt::format(R"({{"id":{},"jsonrpc":"2.0","method":"keepalived","params":{{"id":"{}"}}}})" "\n",
                                     id, session_id_), MessageKind::keepalive);
        send(reply_time(now, 1.0), false,
             fmt::format(R"({{"id":{},"jsonrpc":"2.0","error":null,"result":{{"status":"KEEPALIVED"}}}})" "\n", id),
             MessageKind::keepalive_result);
        break;
      }
      default:
        break;
    }
  }

  MoneroTiming timing_;
  std::string server_name_;
  double difficulty_ = 0;
  double share_mean_s_ = 0;
  std::string wallet_, session_id_, seed_hash_;
  std::string agent_ = "XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0";
  std::uint32_t rigs_ = 1;
  std::uint64_t height_ = 0;
  std::int64_t ready_us_ = 0;
  std::int64_t refresh_at_ = never;
  int next_id_ = 2;
};

class StratumV1 final : public TimedConversation {
 public:
  StratumV1(const ConversationContext& ctx, const ProfileParams& params, std::uint64_t seed)
      : TimedConversation(ctx, seed, 3), server_name_(params.server_name) {
    notify_mean_s_ = params.job_mean_s > 0 ? params.job_mean_s : 30;
    const double hs = std::max(ctx.hashrate_hs, 0.1);
    difficulty_ = params.difficulty > 0 ? params.difficulty : std::max(1.0, std::round(hs * 20 / 4294967296.0));
    share_mean_s_ = std::max(1.0, difficulty_ * 4294967296.0 / hs);  // Bitcoin share: diff * 2^32 hashes
    if (params.difficulty <= 0) share_mean_s_ = 20;  // vardiff holds ~3 shares/min
    worker_ = "rig" + random_hex(rng_, 4) + ".worker1";
    set_timer(start, ctx.start_us + 500);
  }

 private:
  enum : std::size_t { start, notify, submit };
  std::string notify_text(bool clean) {
    std::string branches;
    const auto n = uniform_int(rng_, 8, 12);
    for (std::uint64_t i = 0; i < n; ++i) branches += (i ? ",\"" : "\"") + random_hex(rng_, 64) + "\"";
    return fmt::format(
        R"({{"id":null,"method":"mining.notify","params":["{}","{}","{}","{}",[{}],"20000000","1703a30c","{}",{}]}})" "\n",
        random_hex(rng_, 8), random_hex(rng_, 64), random_hex(rng_, 2 * uniform_int(rng_, 50, 90)), random_hex(rng_, 86),
        branches, random_hex(rng_, 8), clean ? "true" : "false");
  }
  void on_timer(std::size_t which, std::int64_t now) override {
    if (which == start) {
      std::int64_t t = now;
      if (ctx_.tls) t = tls_handshake(now, server_name_);
      send(t, true, R"({"id":1,"method":"mining.subscribe","params":["cgminer/4.12.1"]})" "\n", MessageKind::login);
      std::int64_t r = reply_time(t, 3.0);
      send(r, false, fmt::format(
          R"({{"id":1,"result":[[["mining.set_difficulty","{}"],["mining.notify","{}"]],"{}",4],"error":null}})" "\n",
          random_hex(rng_, 16), random_hex(rng_, 16), random_hex(rng_, 8)), MessageKind::login_result);
      const std::int64_t a = r + 300;
      send(a, true, fmt::format(R"({{"id":2,"method":"mining.authorize","params":["{}","x"]}})" "\n", worker_),
           MessageKind::login);
      r = reply_time(a, 3.0);
      send(r, false, R"({"id":2,"result":true,"error":null})" "\n", MessageKind::login_result);
      send(r + 200, false, fmt::format(R"({{"id":null,"method":"mining.set_difficulty","params":[{}]}})" "\n",
                                       static_cast<std::uint64_t>(std::max(1.0, difficulty_ * 65536))),
           MessageKind::other);
      send(r + 400, false, notify_text(true), MessageKind::job);
      set_timer(notify, r + seconds(exponential(rng_, notify_mean_s_)));
      set_timer(submit, r + seconds(exponential(rng_, share_mean_s_)));
    } else if (which == notify) {
      send(now, false, notify_text(chance(rng_, 0.2)), MessageKind::job);
      set_timer(notify, now + seconds(exponential(rng_, notify_mean_s_)));
    } else {
      const int id = next_id_++;
      send(now, true, fmt::format(R"({{"id":{},"method":"mining.submit","params":["{}","{}","{}","{}","{}"]}})" "\n", id,
                                  worker_, random_hex(rng_, 8), random_hex(rng_, 8), random_hex(rng_, 8),
                                  random_hex(rng_, 8)), MessageKind::submit);
      send(reply_time(now, 3.0), false, fmt::format(R"({{"id":{},"result":true,"error":null}})" "\n", id),
           MessageKind::result);
      set_timer(submit, now + seconds(exponential(rng_, share_mean_s_)));
    }
  }
  std::string server_name_, worker_;
  double notify_mean_s_ = 30, difficulty_ = 1, share_mean_s_ = 20;
  int next_id_ = 3;
};

}  // namespace

std::unique_ptr<Conversation> make_mining_conversation(const ProfileInfo& p, const ConversationContext& ctx,
                                                       const ProfileParams& params, std::uint64_t seed) {
  if (p.family == "stratum-v1") return std::make_unique<StratumV1>(ctx, params, seed);
  if (p.family == "coinhive-websocket") return make_browser_miner(ctx, params, seed);
  if (p.family == "stratum-equihash") return make_equihash_stratum(ctx, params, seed);
  MoneroTiming t;
  t.proxy = p.name == "xmrig-proxy";
  if (p.name == "xmrig-p2pool") {
    t.job_mean_s = 10;
    t.refresh_mean_s = 1e9;
  } else if (p.name == "weak-rig") {
    t.min_difficulty = 10000;  // weak rigs fall to the pool floor: shares are rare
  } else if (p.name == "throttled-malware") {
    t.fixed_difficulty = 120000;  // fixed high difficulty against a throttled CPU: tens of minutes per share
  }
  return std::make_unique<MoneroStratum>(ctx, params, t, seed);
}

}  // namespace xmr::lab
