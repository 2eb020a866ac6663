#pragma once
// Client side of the live lab: one agent per TCP connection (a miner, an MQTT sensor, a Redis
// subscriber). Agents run on the client thread's EventLoop (inside the client namespace), log every
// application message they send or receive (messages.csv) and close with a FIN at the end of the run.
#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/error.h"
#include "core/ip_address.h"
#include "lab/live/event_loop.h"
#include "lab/rng.h"

namespace xmr::lab::live {

struct Endpoint {
  IpAddress ip;
  std::uint16_t port = 0;
};

// One application message as seen at the client (the capture point); time in simulated µs.
struct MessageRecord {
  std::size_t connection = 0;  // index into the run's connection list
  std::int64_t time_us = 0;
  bool from_client = true;
  std::string kind;            // login, job, submit, result, keepalived, connect, publish, ...
  std::size_t bytes = 0;       // TCP payload bytes of the message
};

struct RunCounters {
  std::uint64_t protocol_errors = 0;  // a reply we could not parse, or an error reply
  std::uint64_t early_closes = 0;     // the server closed before the end of the run
  std::vector<std::string> first_errors;  // the first few, with connection and position
  void error(std::string text) {
    ++protocol_errors;
    if (first_errors.size() < 8) first_errors.push_back(std::move(text));
  }
};

struct AgentContext {
  EventLoop* loop = nullptr;
  std::vector<MessageRecord>* log = nullptr;
  RunCounters* counters = nullptr;
  std::size_t connection = 0;
  Endpoint client, server;  // client.port is filled in by connect()
  std::int64_t end_us = 0;  // simulated end of the run: the agent closes then
  std::uint64_t seed = 0;
};

class ClientAgent {
 public:
  explicit ClientAgent(AgentContext ctx) : ctx_(std::move(ctx)), rng_(ctx_.seed) {}
  virtual ~ClientAgent();
  ClientAgent(const ClientAgent&) = delete;
  ClientAgent& operator=(const ClientAgent&) = delete;

  // Connects from the client address (kernel-chosen ephemeral port), then calls on_connected().
  result<void> connect();
  // Half-closes (FIN) and keeps reading until the server's FIN; then the agent is done.
  void finish();
  bool done() const { return done_; }
  const AgentContext& context() const { return ctx_; }

 protected:
  virtual void on_connected() = 0;
  // Consume complete messages from `in_` (leave a partial one); called after each read.
  virtual void on_data() = 0;
  void send_message(const std::string& kind, const std::string& bytes);
  void log_received(const std::string& kind, std::size_t bytes);
  void protocol_error(const std::string& what);
  // A timer that is dropped once the agent finishes.
  void timer_after(double sim_seconds, std::function<void()> fn);
  void cancel_timers();
  std::int64_t now_us() const { return ctx_.loop->now_us(); }

  AgentContext ctx_;
  Rng rng_;
  std::string in_;
  bool finishing_ = false;

 private:
  void on_readable();
  int fd_ = -1;
  bool done_ = false;
  std::unordered_set<EventLoop::TimerId> timers_;  // pending ones only: memory stays bounded
};

// Socket helpers shared with the server side.
int make_socket_for(const IpAddress& ip);
result<void> fill_sockaddr(const Endpoint& e, sockaddr_storage& ss, unsigned& len);
// A listening socket bound to e (SO_REUSEADDR), non-blocking.
result<int> listen_on(const Endpoint& e);
std::string endpoint_text(const Endpoint& e);

}  // namespace xmr::lab::live
