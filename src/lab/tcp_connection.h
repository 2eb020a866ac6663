#pragma once
// The TCP layer of one synthetic connection, as a capture point at the client's network edge sees
// it: 3-way handshake, MSS segmentation, PSH on each message's last segment, cumulative ACKs that
// ride on data when the receiver answers within the delayed-ACK time (piggybacking) and otherwise
// come as pure ACKs (every second full segment at once, else after ~40 ms), the timestamp option on
// or off, occasional loss with a retransmission after the RTO, FIN teardown.
// Packets are produced lazily in time order; memory is a few pending segments per connection.
#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lab/conversation.h"
#include "lab/rng.h"

namespace xmr::lab {

struct TcpEndpoint {
  bool ipv6 = false;
  std::array<std::uint8_t, 16> ip{};
  std::uint16_t port = 0;
  std::array<std::uint8_t, 6> mac{};
};

struct TcpParams {
  std::int64_t start_us = 0;  // the SYN
  std::int64_t rtt_us = 50000;
  bool timestamps = true;     // RFC 7323 timestamp option on every segment
  double loss = 0.0;          // per data segment
  bool fin_at_end = true;     // false: still open when the capture stops
  std::uint8_t server_ttl = 52;
  bool record_messages = false;  // keep a MessageRecord per application message (messages.csv)
};

// One application message as the capture shows it: the time of its first captured segment and the
// TCP payload bytes it occupies (framing included).
struct MessageRecord {
  std::int64_t time_us = 0;
  bool from_client = true;
  MessageKind kind = MessageKind::other;
  std::size_t tcp_payload_bytes = 0;
};

class TcpConnection {
 public:
  TcpConnection(TcpEndpoint client, TcpEndpoint server, TcpParams params, std::unique_ptr<Conversation> conversation,
                std::uint64_t seed);
  // Time of the next packet; nullopt when the connection has nothing more to send.
  std::optional<std::int64_t> next_time_us();
  // Builds the next packet into `frame` and returns its time; nullopt when done.
  std::optional<std::int64_t> emit(std::vector<std::uint8_t>& frame);

  const TcpEndpoint& client() const { return client_; }
  const TcpEndpoint& server() const { return server_; }
  std::int64_t first_us() const { return params_.start_us; }
  std::int64_t last_us() const { return last_us_; }
  std::uint64_t packets() const { return packets_; }
  // Application messages taken from the conversation so far (when params.record_messages); the
  // caller drains it.
  std::vector<MessageRecord>& messages() { return messages_; }

 private:
  enum class Kind { syn, syn_ack, data, ack_candidate, fin };
  struct Segment {
    std::int64_t time_us;
    int side;  // 0 client, 1 server
    Kind kind;
    std::uint32_t seq;
    bool psh;
    std::string payload;
  };
  struct Received {
    std::int64_t effective_us;  // when the receiver has it (capture clock)
    std::uint32_t end_seq;
  };
  struct Side {
    std::uint32_t snd_nxt = 0;       // next new sequence number (data queued, maybe not yet sent)
    std::uint32_t snd_sent = 0;      // end of the highest sequence already on the wire
    std::uint32_t ack = 0;            // cumulative ACK this side would send now
    std::uint32_t last_ack_sent = 0;
    bool sent_any_ack = false;
    std::deque<Received> inbound;     // peer's data not yet covered by `ack`
    std::uint32_t ts_base = 0;
    std::uint16_t ip_id = 0;
    std::int64_t knows_after_us = 0;  // capture-clock delay until this side learns of the peer's packets
  };

  void refill();
  void push(Segment s);
  void ingest(Message m);
  void schedule_fin(std::int64_t t);
  std::uint32_t ack_at(int side, std::int64_t t);

  TcpEndpoint client_, server_;
  TcpParams params_;
  std::unique_ptr<Conversation> conversation_;
  Rng rng_;
  std::array<Side, 2> sides_{};
  std::deque<Segment> pending_;  // sorted by time
  std::optional<Message> next_message_;
  bool conversation_done_ = false;
  bool fin_scheduled_ = false;
  std::int64_t last_us_ = 0;
  std::uint64_t packets_ = 0;
  std::uint16_t mss_ = 1460;
  std::vector<MessageRecord> messages_;
};

}  // namespace xmr::lab
