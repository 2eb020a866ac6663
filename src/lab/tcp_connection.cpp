#include "lab/tcp_connection.h"

#include <algorithm>
#include <limits>

#include "lab/packet_builder.h"

namespace xmr::lab {

namespace {

// Linux defaults: TCP_DELACK_MIN 40 ms (include/net/tcp.h), TCP_RTO_MIN 200 ms, initial cwnd 10
// segments (RFC 6928). Serialisation gap of a full frame at 100 Mbit/s.
constexpr std::int64_t delayed_ack_us = 40000;
constexpr std::int64_t rto_min_us = 200000;
constexpr std::size_t initial_cwnd_segments = 10;
constexpr std::int64_t frame_gap_us = 120;
constexpr std::int64_t local_reaction_us = 30;

void put_u32(std::vector<std::uint8_t>& v, std::uint32_t x) {
  for (int i = 3; i >= 0; --i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}

}  // namespace

TcpConnection::TcpConnection(TcpEndpoint client, TcpEndpoint server, TcpParams params,
                             std::unique_ptr<Conversation> conversation, std::uint64_t seed)
    : client_(client), server_(server), params_(params), conversation_(std::move(conversation)), rng_(seed) {
  // MSS: 1500 MTU - 20 (IPv4) or 40 (IPv6) - 20 TCP; the timestamp option takes 12 more (RFC 7323).
  mss_ = static_cast<std::uint16_t>((client_.ipv6 ? 1440 : 1460) - (params_.timestamps ? 12 : 0));
  for (auto& s : sides_) {
    s.snd_nxt = static_cast<std::uint32_t>(rng_());
    s.snd_sent = s.snd_nxt;
    s.ts_base = static_cast<std::uint32_t>(rng_());
    s.ip_id = static_cast<std::uint16_t>(rng_());
  }
  sides_[0].knows_after_us = local_reaction_us;
  sides_[1].knows_after_us = params_.rtt_us;
  last_us_ = params_.start_us;
  const std::int64_t t0 = params_.start_us;
  push(Segment{t0, 0, Kind::syn, sides_[0].snd_nxt, false, {}});
  sides_[1].inbound.push_back(Received{t0, sides_[0].snd_nxt + 1});
  sides_[0].snd_nxt += 1;
  push(Segment{t0 + params_.rtt_us, 1, Kind::syn_ack, sides_[1].snd_nxt, false, {}});
  sides_[0].inbound.push_back(Received{t0 + params_.rtt_us, sides_[1].snd_nxt + 1});
  sides_[1].snd_nxt += 1;
  push(Segment{t0 + params_.rtt_us + local_reaction_us, 0, Kind::ack_candidate, 0, false, {}});
}

void TcpConnection::push(Segment s) {
  auto it = std::upper_bound(pending_.begin(), pending_.end(), s.time_us,
                             [](std::int64_t t, const Segment& x) { return t < x.time_us; });
  pending_.insert(it, std::move(s));
}

void TcpConnection::ingest(Message m) {
  const int side = m.from_client ? 0 : 1;
  const int peer = 1 - side;
  Side& s = sides_[static_cast<std::size_t>(side)];
  Side& r = sides_[static_cast<std::size_t>(peer)];
  const std::size_t n = m.bytes.size();
  std::size_t index = 0;
  std::int64_t last_effective = m.time_us;
  std::int64_t first_captured = -1;  // capture time of the message's first segment
  for (std::size_t off = 0; off < n; off += mss_, ++index) {
    const std::size_t len = std::min<std::size_t>(mss_, n - off);
    // Beyond the initial window the sender waits one RTT per window of segments.
    const auto t = m.time_us + static_cast<std::int64_t>(index / initial_cwnd_segments) * params_.rtt_us +
                   static_cast<std::int64_t>(index % initial_cwnd_segments) * frame_gap_us;
    const bool last = off + len >= n;
    Segment seg{t, side, Kind::data, s.snd_nxt, last, m.bytes.substr(off, len)};
    std::int64_t effective = t;
    if (params_.loss > 0 && chance(rng_, params_.loss)) {
      const std::int64_t rto = rto_min_us + params_.rtt_us;
      effective = t + rto;
      Segment again = seg;
      again.time_us = effective;
      // The capture sits at the client's edge: a client segment lost beyond it is seen twice, a
      // server segment lost before it is seen only as the retransmission.
      if (side == 0) push(seg);
      if (index == 0) first_captured = side == 0 ? t : effective;
      push(std::move(again));
    } else {
      if (index == 0) first_captured = t;
      push(std::move(seg));
    }
    s.snd_nxt += static_cast<std::uint32_t>(len);
    r.inbound.push_back(Received{effective, s.snd_nxt});
    last_effective = std::max(last_effective, effective);
    // Quick ACK for every second full segment (RFC 9293 section 3.8.6.3 / RFC 1122 4.2.3.2).
    if (index % 2 == 1) push(Segment{effective + r.knows_after_us, peer, Kind::ack_candidate, 0, false, {}});
  }
  if (index % 2 == 1 || n == 0)
    push(Segment{last_effective + r.knows_after_us + delayed_ack_us, peer, Kind::ack_candidate, 0, false, {}});
  if (params_.record_messages && m.kind != MessageKind::none && n > 0)
    messages_.push_back(MessageRecord{first_captured, m.from_client, m.kind, n});
}

void TcpConnection::schedule_fin(std::int64_t t) {
  fin_scheduled_ = true;
  Side& c = sides_[0];
  Side& s = sides_[1];
  push(Segment{t, 0, Kind::fin, c.snd_nxt, false, {}});
  s.inbound.push_back(Received{t, c.snd_nxt + 1});
  c.snd_nxt += 1;
  const std::int64_t t_server = t + params_.rtt_us;
  push(Segment{t_server, 1, Kind::fin, s.snd_nxt, false, {}});
  c.inbound.push_back(Received{t_server, s.snd_nxt + 1});
  s.snd_nxt += 1;
  push(Segment{t_server + local_reaction_us, 0, Kind::ack_candidate, 0, false, {}});
}

void TcpConnection::refill() {
  for (;;) {
    if (!next_message_ && !conversation_done_) {
      next_message_ = conversation_->next();
      if (!next_message_) conversation_done_ = true;
    }
    if (next_message_ && (pending_.empty() || next_message_->time_us <= pending_.front().time_us)) {
      ingest(std::move(*next_message_));
      next_message_.reset();
      continue;
    }
    if (conversation_done_ && pending_.empty() && params_.fin_at_end && !fin_scheduled_) {
      schedule_fin(last_us_ + static_cast<std::int64_t>(uniform(rng_, 1000, 50000)));
      continue;
    }
    return;
  }
}

std::optional<std::int64_t> TcpConnection::next_time_us() {
  refill();
  if (pending_.empty()) return std::nullopt;
  return pending_.front().time_us;
}

std::uint32_t TcpConnection::ack_at(int side, std::int64_t t) {
  Side& s = sides_[static_cast<std::size_t>(side)];
  while (!s.inbound.empty() && s.inbound.front().effective_us + s.knows_after_us <= t) {
    s.ack = s.inbound.front().end_seq;
    s.inbound.pop_front();
  }
  return s.ack;
}

std::optional<std::int64_t> TcpConnection::emit(std::vector<std::uint8_t>& frame) {
  for (;;) {
    refill();
    if (pending_.empty()) return std::nullopt;
    Segment seg = std::move(pending_.front());
    pending_.pop_front();
    Side& s = sides_[static_cast<std::size_t>(seg.side)];
    const Side& peer = sides_[static_cast<std::size_t>(1 - seg.side)];
    const std::uint32_t ack = ack_at(seg.side, seg.time_us);
    if (seg.kind == Kind::ack_candidate) {
      if (s.sent_any_ack && ack == s.last_ack_sent) continue;  // already carried by a data segment
      seg.seq = s.snd_sent;
    }
    const bool client_side = seg.side == 0;
    TcpSegmentSpec spec;
    spec.ipv6 = client_.ipv6;
    spec.src_ip = client_side ? client_.ip : server_.ip;
    spec.dst_ip = client_side ? server_.ip : client_.ip;
    spec.src_mac = client_side ? client_.mac : server_.mac;
    spec.dst_mac = client_side ? server_.mac : client_.mac;
    spec.src_port = client_side ? client_.port : server_.port;
    spec.dst_port = client_side ? server_.port : client_.port;
    spec.seq = seg.seq;
    spec.ttl = client_side ? 64 : params_.server_ttl;
    spec.ip_id = s.ip_id++;
    const auto tsval = static_cast<std::uint32_t>(s.ts_base + static_cast<std::uint32_t>(seg.time_us / 1000));
    const auto tsecr =
        static_cast<std::uint32_t>(peer.ts_base + static_cast<std::uint32_t>((seg.time_us - s.knows_after_us) / 1000));
    std::vector<std::uint8_t>& o = spec.options;
    if (seg.kind == Kind::syn || seg.kind == Kind::syn_ack) {
      // Linux SYN options: MSS, SACK permitted, timestamps, NOP, window scale 7 (RFC 9293, 2018, 7323).
      spec.flags = seg.kind == Kind::syn ? tcp_syn : (tcp_syn | tcp_ack);
      spec.ack = seg.kind == Kind::syn ? 0 : ack;
      spec.window = seg.kind == Kind::syn ? 64240 : 65160;
      const std::uint16_t syn_mss = client_.ipv6 ? 1440 : 1460;
      o = {2, 4, static_cast<std::uint8_t>(syn_mss >> 8), static_cast<std::uint8_t>(syn_mss & 0xff)};
      if (params_.timestamps) {
        for (std::uint8_t b : {4, 2, 8, 10}) o.push_back(b);  // push_back: GCC 12 -O2 false -Warray-bounds on insert
        put_u32(o, tsval);
        put_u32(o, seg.kind == Kind::syn ? 0 : tsecr);
        for (std::uint8_t b : {1, 3, 3, 7}) o.push_back(b);
      } else {
        for (std::uint8_t b : {1, 1, 4, 2, 1, 3, 3, 7}) o.push_back(b);
      }
    } else {
      spec.flags = tcp_ack;
      if (seg.kind == Kind::fin) spec.flags |= tcp_fin;
      if (seg.psh) spec.flags |= tcp_psh;
      spec.ack = ack;
      spec.window = client_side ? 502 : 509;
      if (params_.timestamps) {
        o = {1, 1, 8, 10};
        put_u32(o, tsval);
        put_u32(o, tsecr);
      }
    }
    {
      std::uint32_t end_seq = seg.seq + static_cast<std::uint32_t>(seg.payload.size());
      if (seg.kind == Kind::syn || seg.kind == Kind::syn_ack || seg.kind == Kind::fin) ++end_seq;
      if (static_cast<std::int32_t>(end_seq - s.snd_sent) > 0) s.snd_sent = end_seq;
    }
    if (spec.flags & tcp_ack) {
      s.last_ack_sent = ack;
      s.sent_any_ack = true;
    }
    spec.payload = reinterpret_cast<const std::uint8_t*>(seg.payload.data());
    spec.payload_len = seg.payload.size();
    build_tcp_frame(spec, frame);
    last_us_ = std::max(last_us_, seg.time_us);
    ++packets_;
    return seg.time_us;
  }
}

}  // namespace xmr::lab
