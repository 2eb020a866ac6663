#pragma once
// Our Monero Stratum miner as XMRig 6.x speaks it (src/base/net/stratum/Client.cpp): a `login`
// request with agent string and algorithm list, jobs from the login result and from `job` pushes,
// shares found as a Poisson process at hashrate / difficulty (difficulty = 0xffffffff / the job's
// 32-bit target), each sent as `submit`, and `keepalived` after 60 s without a send.
#include "lab/live/client_agent.h"
#include "lab/live/stratum_params.h"

namespace xmr::lab::live {

class StratumMiner final : public ClientAgent {
 public:
  StratumMiner(AgentContext ctx, MoneroParams params, double hashrate_hs)
      : ClientAgent(std::move(ctx)), params_(params), hashrate_hs_(hashrate_hs) {}

 private:
  void on_connected() override;
  void on_data() override;
  void on_line(const std::string& line, std::size_t bytes);
  void set_job(const std::string& job_id, const std::string& target_hex);
  void schedule_share();
  void submit();
  void arm_keepalive();
  void send_request(const std::string& kind, const std::string& text);

  MoneroParams params_;
  double hashrate_hs_;
  std::string session_id_, job_id_;
  double difficulty_ = 0;
  int next_id_ = 2;
  std::uint64_t share_generation_ = 0;     // a new job restarts the share process (memoryless)
  std::uint64_t keepalive_generation_ = 0; // every send re-arms the keepalive timer
};

}  // namespace xmr::lab::live
