#include "lab/conversation.h"

#include "lab/payloads.h"

namespace xmr::lab {

std::optional<Message> Conversation::next() {
  for (;;) {
    const std::int64_t proc = next_process_us();
    if (!pending_.empty() && pending_.top().message.time_us <= proc) break;
    if (proc >= ctx_.end_us || !fire_next_process()) break;
  }
  while (!pending_.empty()) {
    Message m = pending_.top().message;
    pending_.pop();
    if (m.time_us < ctx_.end_us) return m;
  }
  return std::nullopt;
}

const char* kind_name(MessageKind k) {
  switch (k) {
    case MessageKind::login: return "login";
    case MessageKind::login_result: return "login_result";
    case MessageKind::job: return "job";
    case MessageKind::submit: return "submit";
    case MessageKind::result: return "result";
    case MessageKind::keepalive: return "keepalive";
    case MessageKind::keepalive_result: return "keepalive_result";
    case MessageKind::other: return "other";
    case MessageKind::none: break;
  }
  return "none";
}

void Conversation::send(std::int64_t time_us, bool from_client, std::string bytes, bool raw) {
  if (ctx_.tls && !raw) bytes = tls_application_record(rng_, bytes.size());
  pending_.push(Pending{Message{time_us, from_client, std::move(bytes), raw ? MessageKind::none : MessageKind::other}, order_++});
}

void Conversation::send(std::int64_t time_us, bool from_client, std::string bytes, MessageKind kind) {
  if (ctx_.tls && kind != MessageKind::none) bytes = tls_application_record(rng_, bytes.size());
  pending_.push(Pending{Message{time_us, from_client, std::move(bytes), kind}, order_++});
}

std::int64_t Conversation::reply_time(std::int64_t t, double processing_ms) {
  return t + ctx_.rtt_us + static_cast<std::int64_t>(processing_ms * 1000.0 * uniform(rng_, 0.5, 1.5));
}

}  // namespace xmr::lab
