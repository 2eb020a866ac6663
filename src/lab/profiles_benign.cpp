// Benign look-alikes: long-lived, small periodic messages, like a miner's connection.
// Formats: MQTT 3.1.1 (OASIS, sections 2-3: CONNECT/CONNACK/PUBLISH/PUBACK/PINGREQ/PINGRESP), RESP
// (Redis protocol spec: SUBSCRIBE/PING in subscribed mode, "message" pushes), HTTP/1.1 (RFC 9112),
// WebSocket (RFC 6455 sections 1.3, 5.2, 5.5.2-3), SSH (RFC 4253 sections 4.2, 6, 7; OpenSSH
// ServerAliveInterval keepalive@openssh.com global requests), web browsing over TLS 1.3.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "lab/payloads.h"
#include "lab/profile.h"

namespace xmr::lab {

namespace {

std::string mqtt_remaining_length(std::size_t n) {  // MQTT 3.1.1 section 2.2.3
  std::string s;
  do {
    auto b = static_cast<std::uint8_t>(n % 128);
    n /= 128;
    if (n > 0) b |= 0x80;
    s.push_back(static_cast<char>(b));
  } while (n > 0);
  return s;
}
std::string mqtt_string(const std::string& v) {
  return std::string{static_cast<char>(v.size() >> 8), static_cast<char>(v.size() & 0xff)} + v;
}

class Mqtt final : public TimedConversation {
 public:
  Mqtt(const ConversationContext& ctx, const ProfileParams& p, std::uint64_t seed)
      : TimedConversation(ctx, seed, 3), server_name_(p.server_name), period_s_(p.period_s > 0 ? p.period_s : 30) {
    set_timer(start, ctx.start_us + 500);
  }

 private:
  enum : std::size_t { start, publish, ping };
  static constexpr double keepalive_s = 60;
  void client_send(std::int64_t t, std::string b) {
    send(t, true, std::move(b));
    set_timer(ping, t + seconds(keepalive_s));  // PINGREQ only when nothing else was sent (section 3.1.2.10)
  }
  void on_timer(std::size_t which, std::int64_t now) override {
    if (which == start) {
      std::int64_t t = ctx_.tls ? tls_handshake(now, server_name_) : now;
      std::string var = mqtt_string("MQTT") + std::string{4, 0x02, 0, static_cast<char>(keepalive_s)};
      std::string body = var + mqtt_string("sensor-" + random_hex(rng_, 12));
      client_send(t, std::string{0x10} + mqtt_remaining_length(body.size()) + body);
      send(reply_time(t, 2.0), false, std::string{0x20, 0x02, 0x00, 0x00});
      set_timer(publish, t + seconds(uniform(rng_, 1, period_s_)));
    } else if (which == publish) {
      const std::uint16_t id = next_id_++;
      std::string payload = fmt::format(R"({{"temp":{:.2f},"hum":{:.1f},"bat":{},"ts":{}}})", uniform(rng_, 15, 30),
                                        uniform(rng_, 20, 80), uniform_int(rng_, 10, 100), now / 1000000);
      std::string body = mqtt_string("telemetry/" + random_hex(rng_, 6)) +
                         std::string{static_cast<char>(id >> 8), static_cast<char>(id & 0xff)} + payload;
      client_send(now, std::string{0x32} + mqtt_remaining_length(body.size()) + body);  // PUBLISH QoS 1
      send(reply_time(now, 1.0), false,
           std::string{0x40, 0x02, static_cast<char>(id >> 8), static_cast<char>(id & 0xff)});  // PUBACK
      set_timer(publish, now + seconds(period_s_ * uniform(rng_, 0.9, 1.1)));
    } else {
      client_send(now, std::string{static_cast<char>(0xc0), 0x00});
      send(reply_time(now, 0.5), false, std::string{static_cast<char>(0xd0), 0x00});
    }
  }
  std::string server_name_;
  double period_s_;
  std::uint16_t next_id_ = 1;
};

std::string resp_array(const std::vector<std::string>& items) {
  std::string s = fmt::format("*{}\r\n", items.size());
  for (const auto& i : items) s += fmt::format("${}\r\n{}\r\n", i.size(), i);
  return s;
}

class RedisPubSub final : public TimedConversation {
 public:
  RedisPubSub(const ConversationContext& ctx, const ProfileParams& p, std::uint64_t seed)
      : TimedConversation(ctx, seed, 3), server_name_(p.server_name), period_s_(p.period_s > 0 ? p.period_s : 20) {
    channel_ = "events:" + random_hex(rng_, 6);
    set_timer(start, ctx.start_us + 500);
  }

 private:
  enum : std::size_t { start, message, ping };
  void on_timer(std::size_t which, std::int64_t now) override {
    if (which == start) {
      std::int64_t t = ctx_.tls ? tls_handshake(now, server_name_) : now;
      send(t, true, resp_array({"SUBSCRIBE", channel_}));
      send(reply_time(t, 1.0), false, fmt::format("*3\r\n$9\r\nsubscribe\r\n${}\r\n{}\r\n:1\r\n", channel_.size(), channel_));
      set_timer(message, t + seconds(exponential(rng_, period_s_)));
      set_timer(ping, t + seconds(30));
    } else if (which == message) {
      const std::string body = fmt::format(R"({{"id":"{}","type":"update","value":{}}})", random_hex(rng_, 16),
                                           uniform_int(rng_, 0, 100000));
      send(now, false, fmt::format("*3\r\n$7\r\nmessage\r\n${}\r\n{}\r\n${}\r\n{}\r\n", channel_.size(), channel_,
                                   body.size(), body));
      set_timer(message, now + seconds(exponential(rng_, period_s_)));
    } else {
      // redis-py health_check_interval style PING; in subscribed mode the reply is ["pong", ""].
      send(now, true, resp_array({"PING"}));
      send(reply_time(now, 0.5), false, "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
      set_timer(ping, now + seconds(30));
    }
  }
  std::string server_name_, channel_;
  double period_s_;
};

class HttpPolling final : public TimedConversation {
 public:
  HttpPolling(const ConversationContext& ctx, const ProfileParams& p, std::uint64_t seed)
      : TimedConversation(ctx, seed, 2), host_(p.server_name.empty() ? "api.example.net" : p.server_name),
        period_s_(p.period_s > 0 ? p.period_s : 30) {
    set_timer(start, ctx.start_us + 500);
  }

 private:
  enum : std::size_t { start, poll };
  void on_timer(std::size_t which, std::int64_t now) override {
    std::int64_t t = now;
    if (which == start && ctx_.tls) t = tls_handshake(now, host_);
    send(t, true, fmt::format("GET /v1/status?since={} HTTP/1.1\r\nHost: {}\r\nUser-Agent: poller/2.3\r\n"
                              "Accept: application/json\r\nConnection: keep-alive\r\n\r\n",
                              now / 1000000, host_));
    std::string body = fmt::format(R"({{"status":"ok","changed":{},"etag":"{}","items":[{}]}})",
                                   chance(rng_, 0.2) ? "true" : "false", random_hex(rng_, 32),
                                   std::string(uniform_int(rng_, 0, 3), '1'));
    send(reply_time(t, 15.0), false, fmt::format("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                                 "Content-Length: {}\r\nConnection: keep-alive\r\n\r\n{}",
                                                 body.size(), body));
    set_timer(poll, t + seconds(period_s_ * uniform(rng_, 0.95, 1.05)));
  }
  std::string host_;
  double period_s_;
};

class WebSocketHeartbeat final : public TimedConversation {
 public:
  WebSocketHeartbeat(const ConversationContext& ctx, const ProfileParams& p, std::uint64_t seed)
      : TimedConversation(ctx, seed, 3), host_(p.server_name.empty() ? "push.example.net" : p.server_name),
        period_s_(p.period_s > 0 ? p.period_s : 30) {
    set_timer(start, ctx.start_us + 500);
  }

 private:
  enum : std::size_t { start, ping, push };
  void on_timer(std::size_t which, std::int64_t now) override {
    if (which == start) {
      std::int64_t t = ctx_.tls ? tls_handshake(now, host_) : now;
      send(t, true, fmt::format("GET /ws HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                "Sec-WebSocket-Key: {}==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                                host_, random_hex(rng_, 22)));
      send(reply_time(t, 2.0), false, fmt::format("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                                  "Connection: Upgrade\r\nSec-WebSocket-Accept: {}=\r\n\r\n",
                                                  random_hex(rng_, 27)));
      set_timer(ping, t + seconds(period_s_));
      set_timer(push, t + seconds(exponential(rng_, 45)));
    } else if (which == ping) {
      send(now, true, websocket_frame(rng_, 0x9, "hb", true));
      send(reply_time(now, 0.5), false, websocket_frame(rng_, 0xA, "hb", false));
      set_timer(ping, now + seconds(period_s_));
    } else {
      const std::string text = fmt::format(R"({{"type":"tick","symbol":"{}","price":{:.4f},"seq":{}}})",
                                           random_hex(rng_, 3), uniform(rng_, 1, 1000), uniform_int(rng_, 1, 1u << 30));
      send(now, false, websocket_frame(rng_, 0x1, text, false));
      set_timer(push, now + seconds(exponential(rng_, 45)));
    }
  }
  std::string host_;
  double period_s_;
};

// SSH binary packet (RFC 4253 section 6) without MAC, padding to a multiple of 8, >= 4 bytes.
std::string ssh_packet(Rng& rng, const std::string& payload) {
  std::size_t pad = 8 - (5 + payload.size()) % 8;
  if (pad < 4) pad += 8;
  const std::size_t len = 1 + payload.size() + pad;
  std::string s{static_cast<char>(len >> 24), static_cast<char>(len >> 16), static_cast<char>(len >> 8),
                static_cast<char>(len & 0xff), static_cast<char>(pad)};
  return s + payload + random_bytes(rng, pad);
}
std::string ssh_string(const std::string& v) {
  const std::size_t n = v.size();
  return std::string{static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                     static_cast<char>(n & 0xff)} + v;
}

class SshKeepalive final : public TimedConversation {
 public:
  SshKeepalive(const ConversationContext& ctx, const ProfileParams& p, std::uint64_t seed)
      : TimedConversation(ctx, seed, 3), period_s_(p.period_s > 0 ? p.period_s : 60) {
    set_timer(start, ctx.start_us + 500);
  }

 private:
  enum : std::size_t { start, keepalive, typing };
  std::string kexinit() {
    std::string p{20};  // SSH_MSG_KEXINIT
    p += random_bytes(rng_, 16);
    for (const char* list : {"curve25519-sha256,ext-info-c", "ssh-ed25519,rsa-sha2-512", "chacha20-poly1305@openssh.com",
                             "chacha20-poly1305@openssh.com", "umac-64-etm@openssh.com", "umac-64-etm@openssh.com",
                             "none,zlib@openssh.com", "none,zlib@openssh.com", "", ""})
      p += ssh_string(list);
    p += std::string(5, '\0');  // first_kex_packet_follows, reserved
    return ssh_packet(rng_, p);
  }
  // RFC 8709 section 4/6: ssh-ed25519 key = string "ssh-ed25519" + string key(32); signature =
  // string "ssh-ed25519" + string sig(64). Typed blobs so dissectors parse the KEX reply.
  std::string host_key_blob() { return ssh_string(ssh_string("ssh-ed25519") + ssh_string(random_bytes(rng_, 32))); }
  std::string signature_blob() { return ssh_string(ssh_string("ssh-ed25519") + ssh_string(random_bytes(rng_, 64))); }
  // chacha20-poly1305@openssh.com: 4-byte encrypted length + padded payload + 16-byte tag.
  std::string encrypted(std::size_t payload) {
    std::size_t pad = 8 - (1 + payload) % 8;
    if (pad < 4) pad += 8;
    return random_bytes(rng_, 4 + 1 + payload + pad + 16);
  }
  void on_timer(std::size_t which, std::int64_t now) override {
    if (which == start) {
      send(now, true, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
      std::int64_t r = reply_time(now, 2.0);
      send(r, false, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
      send(r + 200, true, kexinit());
      send(r + 400, false, kexinit());
      std::int64_t t = r + 1000;
      send(t, true, ssh_packet(rng_, std::string{30} + ssh_string(random_bytes(rng_, 32))));  // KEX_ECDH_INIT
      r = reply_time(t, 3.0);
      send(r, false, ssh_packet(rng_, std::string{31} + host_key_blob() +
                                          ssh_string(random_bytes(rng_, 32)) + signature_blob()) +
                         ssh_packet(rng_, std::string{21}));  // KEX_ECDH_REPLY + NEWKEYS
      t = r + 500;
      send(t, true, ssh_packet(rng_, std::string{21}) + encrypted(17));  // NEWKEYS + SERVICE_REQUEST
      r = reply_time(t, 1.0);
      send(r, false, encrypted(17));
      t = r + seconds(uniform(rng_, 0.5, 3));  // userauth exchange
      send(t, true, encrypted(400));
      r = reply_time(t, 20.0);
      send(r, false, encrypted(1));
      send(r + 2000, true, encrypted(60));  // channel open + pty + shell
      send(reply_time(r + 2000, 5.0), false, encrypted(700));
      set_timer(keepalive, r + seconds(period_s_));
      set_timer(typing, r + seconds(exponential(rng_, 600)));
    } else if (which == keepalive) {
      send(now, true, encrypted(27));  // SSH_MSG_GLOBAL_REQUEST "keepalive@openssh.com", want-reply
      send(reply_time(now, 0.5), false, encrypted(1));  // SSH_MSG_REQUEST_FAILURE
      set_timer(keepalive, now + seconds(period_s_));
    } else {
      // A short burst of keystrokes, each echoed (interactive session).
      std::int64_t t = now;
      const auto keys = uniform_int(rng_, 3, 30);
      for (std::uint64_t i = 0; i < keys; ++i) {
        send(t, true, encrypted(9));
        send(reply_time(t, 0.3), false, encrypted(9));
        t += seconds(uniform(rng_, 0.08, 0.4));
      }
      send(t, false, encrypted(static_cast<std::size_t>(uniform(rng_, 50, 3000))));
      set_timer(typing, t + seconds(exponential(rng_, 600)));
    }
  }
  double period_s_;
};

// A short HTTPS connection: TLS handshake, 1-4 request/response pairs, closed after a few seconds.
class WebBrowsing final : public TimedConversation {
 public:
  WebBrowsing(const ConversationContext& ctx, const ProfileParams& p, std::uint64_t seed)
      : TimedConversation(ctx, seed, 2), host_(p.server_name.empty() ? "www.example.org" : p.server_name) {
    requests_left_ = static_cast<int>(uniform_int(rng_, 1, 4));
    set_timer(start, ctx.start_us + 500);
  }

 private:
  enum : std::size_t { start, request };
  void on_timer(std::size_t which, std::int64_t now) override {
    std::int64_t t = which == start ? tls_handshake(now, host_) : now;
    send(t, true, random_bytes(rng_, 0) + std::string(static_cast<std::size_t>(uniform(rng_, 300, 900)), 'x'));
    // Response sizes: lognormal, median ~8 kB (HTTP Archive page-weight distributions, order of magnitude).
    const double bytes = std::min(2e6, std::exp(std::normal_distribution<double>(9.0, 1.3)(rng_)));
    const std::int64_t r = reply_time(t, uniform(rng_, 10, 120));
    send(r, false, std::string(static_cast<std::size_t>(bytes), 'y'));
    if (--requests_left_ > 0) set_timer(request, r + seconds(uniform(rng_, 0.05, 2.0)));
  }
  std::string host_;
  int requests_left_ = 1;
};

}  // namespace

std::unique_ptr<Conversation> make_benign_conversation(const ProfileInfo& p, const ConversationContext& ctx,
                                                       const ProfileParams& params, std::uint64_t seed) {
  if (p.family == "mqtt") return std::make_unique<Mqtt>(ctx, params, seed);
  if (p.family == "redis") return std::make_unique<RedisPubSub>(ctx, params, seed);
  if (p.family == "http") return std::make_unique<HttpPolling>(ctx, params, seed);
  if (p.family == "websocket") return std::make_unique<WebSocketHeartbeat>(ctx, params, seed);
  if (p.family == "ssh") return std::make_unique<SshKeepalive>(ctx, params, seed);
  if (p.family != "web") return make_background_conversation(p, ctx, params, seed);
  return std::make_unique<WebBrowsing>(ctx, params, seed);
}

}  // namespace xmr::lab
