#pragma once
// Benign look-alike clients of real Debian servers: an MQTT 3.1.1 telemetry sensor (talks to
// mosquitto) and a Redis pub/sub subscriber (talks to redis-server), plus the Redis publisher that
// feeds the subscribers from inside the server namespace (over loopback, so it is not captured).
#include <cstdint>
#include <string>
#include <vector>

#include "lab/live/client_agent.h"

namespace xmr::lab::live {

// MQTT 3.1.1 (OASIS, 2014): CONNECT with keepalive 60 s (3.1.2.10), PUBLISH QoS 1 every ~period
// (each answered by PUBACK), PINGREQ when nothing was sent for the keepalive interval.
class MqttSensor final : public ClientAgent {
 public:
  MqttSensor(AgentContext ctx, double period_s) : ClientAgent(std::move(ctx)), period_s_(period_s) {}

 private:
  void on_connected() override;
  void on_data() override;
  void publish();
  void sent();  // re-arms the keepalive

  double period_s_;
  std::uint16_t next_packet_id_ = 1;
  std::uint64_t keepalive_generation_ = 0;
  static constexpr int keepalive_s = 60;
};

// Redis pub/sub subscriber (RESP, https://redis.io/docs/latest/develop/reference/protocol-spec/):
// SUBSCRIBE one channel, then `message` pushes; PING every 30 s like redis-py's health_check_interval.
class RedisSubscriber final : public ClientAgent {
 public:
  RedisSubscriber(AgentContext ctx, std::string channel) : ClientAgent(std::move(ctx)), channel_(std::move(channel)) {}

 private:
  void on_connected() override;
  void on_data() override;
  void ping();

  std::string channel_;
  static constexpr double ping_s = 30;
};

// Publishes to each channel as a Poisson process (mean `period_s`); runs on the server loop.
class RedisPublisher {
 public:
  RedisPublisher(EventLoop& loop, std::uint64_t seed) : loop_(loop), rng_(seed) {}
  ~RedisPublisher();
  RedisPublisher(const RedisPublisher&) = delete;
  RedisPublisher& operator=(const RedisPublisher&) = delete;
  result<void> start(const Endpoint& redis, std::vector<std::string> channels, double period_s);
  std::uint64_t published() const { return published_; }

 private:
  void schedule(std::size_t channel);
  EventLoop& loop_;
  Rng rng_;
  int fd_ = -1;
  std::vector<std::string> channels_;
  double period_s_ = 20;
  std::uint64_t published_ = 0;
};

// One RESP value at the start of `in`: its length, 0 when incomplete, -1 when malformed. When it is
// an array of bulk strings, `first` receives the first one (the push kind: subscribe, message, pong).
long resp_value_length(const std::string& in, std::size_t from, std::string* first);
std::string resp_command(const std::vector<std::string>& items);

}  // namespace xmr::lab::live
