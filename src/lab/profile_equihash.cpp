// stratum-equihash: Stratum for Equihash coins as Zcash specifies it (ZIP 301 "Zcash Stratum
// Protocol"): mining.subscribe [agent, session, host, port] -> [session_id, nonce1];
// mining.authorize; mining.set_target [256-bit target]; mining.notify [job_id, version, prevhash,
// merkleroot, reserved, time, bits, clean_jobs]; mining.submit [worker, job_id, time, nonce_2,
// solution]. The solution of Equihash(200,9) is 1344 bytes plus its 3-byte CompactSize length
// (Zcash protocol specification section 7.6, "Equihash"), hex-encoded in the submit: ~2.8 kB of
// JSON per share, the large submits that set these miners apart from Monero's ~200-byte ones.
// Timing: Zcash block target 75 s after Blossom (ZIP 208); vardiff holding ~20 s per share.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "lab/payloads.h"
#include "lab/profile.h"

namespace xmr::lab {

namespace {

constexpr std::size_t equihash_solution_bytes = 1344 + 3;  // Equihash(200,9) + CompactSize prefix

class EquihashStratum final : public TimedConversation {
 public:
  EquihashStratum(const ConversationContext& ctx, const ProfileParams& p, std::uint64_t seed)
      : TimedConversation(ctx, seed, 3), server_name_(p.server_name) {
    notify_mean_s_ = p.job_mean_s > 0 ? p.job_mean_s : 75;
    // Shares: vardiff holds share_target_s (default 20 s) unless the pool fixes the difficulty;
    // Equihash rigs run at tens to thousands of Sol/s (hashrate_hs), so a fixed difficulty in
    // "solutions per share" gives difficulty / rate seconds per share.
    const double sols = std::max(ctx.hashrate_hs, 0.1);
    share_mean_s_ = p.difficulty > 0 ? p.difficulty / sols : (p.share_target_s > 0 ? p.share_target_s : 20);
    worker_ = "t1" + random_hex(rng_, 33) + ".rig" + std::to_string(uniform_int(rng_, 1, 99));
    set_timer(start, ctx.start_us + 500);
  }

 private:
  enum : std::size_t { start, notify, submit };
  std::string notify_text(bool clean) {
    job_id_ = random_hex(rng_, 8);
    return fmt::format(R"({{"id":null,"method":"mining.notify","params":["{}","04000000","{}","{}","{}","{}","{}",{}]}})"
                       "\n",
                       job_id_, random_hex(rng_, 64), random_hex(rng_, 64), random_hex(rng_, 64), random_hex(rng_, 8),
                       random_hex(rng_, 8), clean ? "true" : "false");
  }
  void on_timer(std::size_t which, std::int64_t now) override {
    if (which == start) {
      std::int64_t t = ctx_.tls ? tls_handshake(now, server_name_) : now;
      send(t, true,
           fmt::format(R"({{"id":1,"method":"mining.subscribe","params":["nheqminer/0.5c",null,"{}",3357]}})" "\n",
                       server_name_.empty() ? "zec.example-pool.net" : server_name_),
           MessageKind::login);
      std::int64_t r = reply_time(t, 3.0);
      send(r, false, fmt::format(R"({{"id":1,"result":["{}","{}"],"error":null}})" "\n", random_hex(rng_, 16), random_hex(rng_, 8)),
           MessageKind::login_result);
      const std::int64_t a = r + 300;
      send(a, true, fmt::format(R"({{"id":2,"method":"mining.authorize","params":["{}","x"]}})" "\n", worker_),
           MessageKind::login);
      r = reply_time(a, 3.0);
      send(r, false, R"({"id":2,"result":true,"error":null})" "\n", MessageKind::login_result);
      send(r + 200, false, fmt::format(R"({{"id":null,"method":"mining.set_target","params":["{}"]}})" "\n",
                                       "0000" + random_hex(rng_, 60)),
           MessageKind::other);
      send(r + 400, false, notify_text(true), MessageKind::job);
      set_timer(notify, r + seconds(exponential(rng_, notify_mean_s_)));
      set_timer(submit, r + seconds(exponential(rng_, share_mean_s_)));
    } else if (which == notify) {
      send(now, false, notify_text(chance(rng_, 0.9)), MessageKind::job);
      set_timer(notify, now + seconds(exponential(rng_, notify_mean_s_)));
    } else {
      const int id = next_id_++;
      send(now, true,
           fmt::format(R"({{"id":{},"method":"mining.submit","params":["{}","{}","{}","{}","fd4005{}"]}})" "\n", id, worker_,
                       job_id_, random_hex(rng_, 8), random_hex(rng_, 56), random_hex(rng_, 2 * (equihash_solution_bytes - 3))),
           MessageKind::submit);
      send(reply_time(now, 5.0), false, fmt::format(R"({{"id":{},"result":true,"error":null}})" "\n", id),
           MessageKind::result);
      set_timer(submit, now + seconds(exponential(rng_, share_mean_s_)));
    }
  }
  std::string server_name_, worker_, job_id_;
  double notify_mean_s_ = 75, share_mean_s_ = 20;
  int next_id_ = 3;
};

}  // namespace

std::unique_ptr<Conversation> make_equihash_stratum(const ConversationContext& ctx, const ProfileParams& params,
                                                    std::uint64_t seed) {
  return std::make_unique<EquihashStratum>(ctx, params, seed);
}

}  // namespace xmr::lab
