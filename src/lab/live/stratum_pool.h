#pragma once
// Our Monero Stratum pool, speaking what XMRig expects from nodejs-pool: `login` answered with a
// session id and the first job, `job` pushes on each new block (one block process per listener,
// exponential with the profile's mean) and on per-miner template refreshes, `submit` answered
// {"status":"OK"} after checking its fields, `keepalived` answered {"status":"KEEPALIVED"}, and
// node-stratum-pool's vardiff (a new job carries the new target).
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "lab/live/client_agent.h"
#include "lab/live/event_loop.h"
#include "lab/live/stratum_params.h"
#include "lab/rng.h"

namespace xmr::lab::live {

struct PoolListenerSpec {
  std::string name;  // the scenario's server name
  Endpoint at;
  MoneroParams params;
};

struct PoolStats {
  std::uint64_t logins = 0, jobs = 0, submits = 0, keepalives = 0, retargets = 0;
  std::uint64_t errors = 0;  // requests the pool rejected (malformed or unknown)
  std::vector<std::string> first_errors;
};

class StratumPool {
 public:
  StratumPool(EventLoop& loop, std::uint64_t seed) : loop_(loop), rng_(seed) {}
  ~StratumPool();
  StratumPool(const StratumPool&) = delete;
  StratumPool& operator=(const StratumPool&) = delete;

  result<void> listen(const std::vector<PoolListenerSpec>& listeners);
  const PoolStats& stats() const { return stats_; }
  std::size_t open_connections() const { return conns_.size(); }

 private:
  struct Listener {
    PoolListenerSpec spec;
    int fd = -1;
    std::uint64_t height = 0;
    std::string seed_hash;
  };
  struct Miner {
    int fd = -1;
    Listener* listener = nullptr;
    std::string in, session;
    bool logged_in = false, fixed = false;
    double difficulty = 0;
    std::int64_t last_share_us = 0, last_retarget_us = 0;
    std::deque<double> intervals_s;  // recent share intervals (vardiff ring buffer)
    EventLoop::TimerId refresh_timer = 0;
  };

  void accept_on(Listener& l);
  void on_readable(int fd);
  void on_line(Miner& m, const std::string& line);
  void push_job(Miner& m);
  void schedule_block(Listener& l);
  void schedule_refresh(Miner& m);
  void reply(Miner& m, const std::string& text);
  void reject(Miner& m, const std::string& id_json, const std::string& why);
  void close_miner(int fd);
  std::string job_json(Miner& m);

  EventLoop& loop_;
  Rng rng_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::map<int, std::unique_ptr<Miner>> conns_;
  PoolStats stats_;
};

}  // namespace xmr::lab::live
