#include "lab/live/stratum_miner.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lab/payloads.h"

namespace xmr::lab::live {

namespace {
std::string string_field(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return {};
  return j[key].get<std::string>();
}
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

void StratumMiner::send_request(const std::string& kind, const std::string& text) {
  send_message(kind, text);
  arm_keepalive();
}

void StratumMiner::arm_keepalive() {
  const auto gen = ++keepalive_generation_;
  timer_after(params_.keepalive_s, [this, gen] {
    if (gen != keepalive_generation_ || session_id_.empty()) return;
    send_request("keepalived", fmt::format(R"({{"id":{},"jsonrpc":"2.0","method":"keepalived","params":{{"id":"{}"}}}})" "\n",
                                           next_id_++, session_id_));
  });
}

void StratumMiner::on_connected() {
  std::string login = random_monero_address(rng_);
  // Fixed difficulty the way Monero pools take it: "<wallet>+<difficulty>" (cryptonote-nodejs-pool
  // config fixedDiff.addressSeparator "+", nodejs-pool the same).
  if (params_.fixed_difficulty > 0) login += fmt::format("+{}", static_cast<std::uint64_t>(params_.fixed_difficulty));
  // The algorithm list XMRig 6.21 sends with a CPU build (Client::login, Algorithm names).
  send_request("login", fmt::format(
      R"({{"id":1,"jsonrpc":"2.0","method":"login","params":{{"login":"{}","pass":"x","agent":"XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0","rigid":"","algo":["cn/1","cn/2","cn/r","cn/fast","cn/half","cn/xao","cn/rto","cn/rwz","cn/zls","cn/double","cn/ccx","cn-lite/1","cn-heavy/0","cn-heavy/tube","cn-heavy/xhv","cn-pico","cn-pico/tlo","cn/upx2","rx/0","rx/wow","rx/arq","rx/graft","rx/sfx","rx/keva","argon2/chukwa","argon2/chukwav2","argon2/ninja","astrobwt","astrobwt/v2","ghostrider"]}}}})"
      "\n",
      login));
}

void StratumMiner::on_data() {
  // Stratum is newline-delimited JSON-RPC.
  std::size_t pos;
  while ((pos = in_.find('\n')) != std::string::npos) {
    const std::string line = in_.substr(0, pos);
    in_.erase(0, pos + 1);
    on_line(line, pos + 1);
  }
  if (in_.size() > 1 << 20) {
    protocol_error("over 1 MiB without a newline");
    in_.clear();
  }
}

void StratumMiner::on_line(const std::string& line, std::size_t bytes) {
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    log_received("invalid", bytes);
    protocol_error("not JSON: " + line.substr(0, 80));
    return;
  }
  if (j.contains("method")) {
    const auto& params = j.contains("params") ? j["params"] : nlohmann::json();
    if (string_field(j, "method") == "job" && !string_field(params, "job_id").empty()) {
      log_received("job", bytes);
      set_job(string_field(params, "job_id"), string_field(params, "target"));
    } else {
      log_received("unknown", bytes);
      protocol_error("unexpected push: " + line.substr(0, 80));
    }
    return;
  }
  // A reply: the login result carries the session and the first job; others are {"status":"OK"} /
  // {"status":"KEEPALIVED"}.
  const bool is_error = j.contains("error") && !j["error"].is_null();
  const auto& r = j.contains("result") ? j["result"] : nlohmann::json();
  if (is_error || !r.is_object()) {
    log_received("error", bytes);
    protocol_error("error reply: " + line.substr(0, 120));
    return;
  }
  if (j.contains("id") && j["id"] == 1 && !string_field(r, "id").empty() && r.contains("job")) {
    log_received("login-result", bytes);
    session_id_ = string_field(r, "id");
    const auto& job = r["job"];
    if (string_field(job, "job_id").empty()) {
      protocol_error("login result without job");
      return;
    }
    set_job(string_field(job, "job_id"), string_field(job, "target"));
    return;
  }
  const std::string status = string_field(r, "status");
  log_received(status == "KEEPALIVED" ? "keepalived-result" : "submit-result", bytes);
  if (status != "OK" && status != "KEEPALIVED") protocol_error("unexpected status: " + line.substr(0, 120));
}

void StratumMiner::set_job(const std::string& job_id, const std::string& target_hex) {
  job_id_ = job_id;
  // XMRig's compact target: 8 hex digits, a little-endian uint32; difficulty = 0xffffffff / target
  // (Job::setTarget / toDiff in XMRig src/base/net/stratum/Job.cpp).
  std::uint32_t target = 0;
  if (target_hex.size() == 8) {
    for (int i = 3; i >= 0; --i) {
      const int hi = hex_digit(target_hex[static_cast<std::size_t>(2 * i)]);
      const int lo = hex_digit(target_hex[static_cast<std::size_t>(2 * i + 1)]);
      if (hi < 0 || lo < 0) {
        target = 0;
        break;
      }
      target = (target << 8) | static_cast<std::uint32_t>(hi * 16 + lo);
    }
  }
  if (target == 0) {
    protocol_error("bad target '" + target_hex + "'");
    return;
  }
  difficulty_ = 4294967295.0 / target;
  schedule_share();
}

void StratumMiner::schedule_share() {
  const auto gen = ++share_generation_;
  const double mean_s = difficulty_ / std::max(hashrate_hs_, 0.1);
  timer_after(exponential(rng_, mean_s), [this, gen] {
    if (gen != share_generation_) return;
    submit();
    schedule_share();
  });
}

void StratumMiner::submit() {
  send_request("submit", fmt::format(
      R"({{"id":{},"jsonrpc":"2.0","method":"submit","params":{{"id":"{}","job_id":"{}","nonce":"{}","result":"{}","algo":"rx/0"}}}})"
      "\n",
      next_id_++, session_id_, job_id_, random_hex(rng_, 8), random_hex(rng_, 64)));
}

}  // namespace xmr::lab::live
