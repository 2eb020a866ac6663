#include "lab/live/benign_clients.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "lab/payloads.h"

namespace xmr::lab::live {

namespace {

std::string mqtt_string(const std::string& s) {
  return std::string{static_cast<char>(s.size() >> 8), static_cast<char>(s.size() & 0xff)} + s;
}

// MQTT 3.1.1 section 2.2.3: remaining length, 7 bits per byte, continuation bit 0x80.
std::string mqtt_remaining_length(std::size_t n) {
  std::string out;
  do {
    auto b = static_cast<unsigned char>(n % 128);
    n /= 128;
    if (n > 0) b |= 0x80;
    out.push_back(static_cast<char>(b));
  } while (n > 0);
  return out;
}

void send_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string resp_command(const std::vector<std::string>& items) {
  std::string s = fmt::format("*{}\r\n", items.size());
  for (const auto& i : items) s += fmt::format("${}\r\n{}\r\n", i.size(), i);
  return s;
}

long resp_value_length(const std::string& in, std::size_t from, std::string* first) {
  if (from >= in.size()) return 0;
  const auto eol = in.find("\r\n", from);
  if (eol == std::string::npos) return in.size() - from > 4096 ? -1 : 0;
  const char type = in[from];
  const std::string head = in.substr(from + 1, eol - from - 1);
  char* end = nullptr;
  const long n = std::strtol(head.c_str(), &end, 10);
  const bool numeric = !head.empty() && end == head.c_str() + head.size();
  const std::size_t after = eol + 2;
  switch (type) {
    case '+':
    case '-':
      return static_cast<long>(after - from);
    case ':':
      return numeric ? static_cast<long>(after - from) : -1;
    case '$': {
      if (!numeric || n < -1 || n > 512 * 1024 * 1024) return -1;
      if (n == -1) return static_cast<long>(after - from);
      const std::size_t need = after + static_cast<std::size_t>(n) + 2;
      if (in.size() < need) return 0;
      if (in.compare(need - 2, 2, "\r\n") != 0) return -1;
      if (first) *first = in.substr(after, static_cast<std::size_t>(n));
      return static_cast<long>(need - from);
    }
    case '*': {
      if (!numeric || n < -1 || n > 1024 * 1024) return -1;
      std::size_t at = after;
      for (long i = 0; i < n; ++i) {
        const long len = resp_value_length(in, at, i == 0 ? first : nullptr);
        if (len <= 0) return len;
        at += static_cast<std::size_t>(len);
      }
      return static_cast<long>(at - from);
    }
    default:
      return -1;
  }
}

void MqttSensor::sent() {
  const auto gen = ++keepalive_generation_;
  // PINGREQ only when the keepalive interval passed without any control packet from us (3.1.2.10).
  timer_after(keepalive_s, [this, gen] {
    if (gen != keepalive_generation_) return;
    send_message("pingreq", std::string{static_cast<char>(0xc0), 0x00});
    sent();
  });
}

void MqttSensor::on_connected() {
  // CONNECT: protocol name "MQTT", level 4, flags 0x02 (clean session), keepalive (3.1.2).
  const std::string var = mqtt_string("MQTT") + std::string{4, 0x02, 0, static_cast<char>(keepalive_s)};
  const std::string body = var + mqtt_string("sensor-" + random_hex(rng_, 12));
  send_message("connect", std::string{0x10} + mqtt_remaining_length(body.size()) + body);
  sent();
  timer_after(uniform(rng_, 1, period_s_), [this] { publish(); });
}

void MqttSensor::publish() {
  const std::uint16_t id = next_packet_id_++;
  if (next_packet_id_ == 0) next_packet_id_ = 1;  // packet identifiers are non-zero (2.3.1)
  const std::string payload = fmt::format(R"({{"temp":{:.2f},"hum":{:.1f},"bat":{},"ts":{}}})", uniform(rng_, 15, 30),
                                          uniform(rng_, 20, 80), uniform_int(rng_, 10, 100), now_us() / 1000000);
  const std::string body = mqtt_string("telemetry/" + random_hex(rng_, 6)) +
                           std::string{static_cast<char>(id >> 8), static_cast<char>(id & 0xff)} + payload;
  send_message("publish", std::string{0x32} + mqtt_remaining_length(body.size()) + body);  // PUBLISH, QoS 1
  sent();
  timer_after(period_s_ * uniform(rng_, 0.9, 1.1), [this] { publish(); });
}

void MqttSensor::on_data() {
  while (in_.size() >= 2) {
    // Fixed header: type byte + remaining length (up to 4 bytes).
    std::size_t len = 0, shift = 0, i = 1;
    bool complete = false;
    for (; i < in_.size() && i <= 4; ++i) {
      const auto b = static_cast<unsigned char>(in_[i]);
      len |= static_cast<std::size_t>(b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) {
        complete = true;
        ++i;
        break;
      }
    }
    if (!complete) {
      if (in_.size() > 5) {
        protocol_error("bad MQTT remaining length");
        in_.clear();
      }
      return;
    }
    if (in_.size() < i + len) return;
    const auto type = static_cast<unsigned char>(in_[0]) >> 4;
    const char* kind = type == 2 ? "connack" : type == 4 ? "puback" : type == 13 ? "pingresp" : "unknown";
    log_received(kind, i + len);
    if (type == 2 && (len != 2 || in_[3] != 0)) protocol_error("CONNACK refused");
    if (std::string(kind) == "unknown") protocol_error(fmt::format("unexpected MQTT packet type {}", type));
    in_.erase(0, i + len);
  }
}

void RedisSubscriber::on_connected() {
  send_message("subscribe", resp_command({"SUBSCRIBE", channel_}));
  timer_after(ping_s, [this] { ping(); });
}

void RedisSubscriber::ping() {
  send_message("ping", resp_command({"PING"}));
  timer_after(ping_s, [this] { ping(); });
}

void RedisSubscriber::on_data() {
  for (;;) {
    std::string first;
    const long len = resp_value_length(in_, 0, &first);
    if (len == 0) return;
    if (len < 0) {
      protocol_error("malformed RESP reply");
      in_.clear();
      return;
    }
    const std::string kind = first == "subscribe" ? "subscribe-result" : first == "message" ? "message"
                             : first == "pong"    ? "pong"
                                                  : "unknown";
    log_received(kind, static_cast<std::size_t>(len));
    if (kind == "unknown") protocol_error("unexpected reply: " + in_.substr(0, 60));
    in_.erase(0, static_cast<std::size_t>(len));
  }
}

RedisPublisher::~RedisPublisher() {
  if (fd_ >= 0) {
    loop_.unwatch(fd_);
    close(fd_);
  }
}

result<void> RedisPublisher::start(const Endpoint& redis, std::vector<std::string> channels, double period_s) {
  channels_ = std::move(channels);
  period_s_ = period_s;
  fd_ = make_socket_for(redis.ip);
  sockaddr_storage ss;
  unsigned len = 0;
  (void)fill_sockaddr(redis, ss, len);
  if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0)
    return make_error(errc::io_error, fmt::format("redis publisher: connect {}: {}", endpoint_text(redis), std::strerror(errno)));
  loop_.watch(fd_, [this] {
    char buf[4096];
    if (recv(fd_, buf, sizeof buf, MSG_DONTWAIT) == 0) {  // replies (:N) are not needed; EOF ends it
      loop_.unwatch(fd_);
      close(fd_);
      fd_ = -1;
    }
  });
  for (std::size_t i = 0; i < channels_.size(); ++i) schedule(i);
  return {};
}

void RedisPublisher::schedule(std::size_t channel) {
  loop_.after(exponential(rng_, period_s_), [this, channel] {
    if (fd_ < 0) return;
    const std::string body = fmt::format(R"({{"id":"{}","type":"update","value":{}}})", random_hex(rng_, 16),
                                         uniform_int(rng_, 0, 100000));
    send_all(fd_, resp_command({"PUBLISH", channels_[channel], body}));
    ++published_;
    schedule(channel);
  });
}

}  // namespace xmr::lab::live
