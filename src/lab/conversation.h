#pragma once
// The application layer of one synthetic connection: a Conversation yields messages in capture-time
// order. Profiles (profiles_*.cpp) implement it as a few timing processes (job arrivals, submits,
// keepalives, polls) that push messages into a small per-connection heap, so memory stays bounded by
// the number of active connections, not by the length of the run.
#include <cstdint>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "lab/rng.h"

namespace xmr::lab {

// What an application message is, for the ground-truth file DIR/messages.csv (docs/lab.md).
// `none` marks bytes that are not an application message (TLS handshake records): they flow on
// the wire but get no row.
enum class MessageKind : std::uint8_t { none, login, login_result, job, submit, result, keepalive, keepalive_result, other };
const char* kind_name(MessageKind k);

// One application message as it leaves its sender (capture point at the client's edge).
struct Message {
  std::int64_t time_us = 0;
  bool from_client = true;
  std::string bytes;  // exact payload bytes (TLS/WebSocket framing already applied)
  MessageKind kind = MessageKind::other;
};

// What a conversation knows about its connection.
struct ConversationContext {
  std::int64_t start_us = 0;  // handshake done, first byte may flow
  std::int64_t end_us = 0;    // the run (or the session) ends here: no message at or after it
  std::int64_t rtt_us = 0;
  bool tls = false;
  double hashrate_hs = 0;
};

class Conversation {
 public:
  virtual ~Conversation() = default;
  // Next message, or nullopt when the conversation is over (the connection then closes).
  std::optional<Message> next();

 protected:
  explicit Conversation(ConversationContext ctx, std::uint64_t seed) : ctx_(ctx), rng_(seed) {}
  // Fires the process whose time is earliest (<= every pending message) and reschedules it; returns
  // false when no process is left. Implementations call send() for the messages they cause.
  virtual bool fire_next_process() = 0;
  // Earliest time of any process (INT64_MAX if none).
  virtual std::int64_t next_process_us() const = 0;
  // Queue a message (applies TLS record framing when the connection is TLS and `raw` is false).
  // Raw bytes are handshake bytes (kind none); framed ones are application messages of kind other.
  void send(std::int64_t time_us, bool from_client, std::string bytes, bool raw = false);
  // Queue an application message of a known kind (TLS framing applied on TLS connections).
  void send(std::int64_t time_us, bool from_client, std::string bytes, MessageKind kind);
  // Server answers a client message sent at `t`: one round trip plus processing time.
  std::int64_t reply_time(std::int64_t t, double processing_ms);

  ConversationContext ctx_;
  Rng rng_;

 private:
  struct Pending {
    Message message;
    std::uint64_t order;  // sending order breaks ties: equal times stay in the order sent
  };
  struct Later {
    bool operator()(const Pending& a, const Pending& b) const {
      return a.message.time_us != b.message.time_us ? a.message.time_us > b.message.time_us : a.order > b.order;
    }
  };
  std::priority_queue<Pending, std::vector<Pending>, Later> pending_;
  std::uint64_t order_ = 0;
};

}  // namespace xmr::lab
