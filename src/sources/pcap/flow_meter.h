#pragma once
// FlowMeter: packets -> unidirectional flow records, as a NetFlow exporter (or nfpcapd) does.
// It knows nothing about files or link layers: the pcap source feeds it decoded headers, and the
// lab engine can feed synthetic packets the same way.
//
// API
//   FlowMeter meter({.active_timeout_ms = 1'800'000, .inactive_timeout_ms = 15'000}, source_index);
//   meter.add_packet(time_ms, headers, packet_number);  // in capture order
//   while (meter.has_ready()) use(meter.pop_ready());  // records whose timeout expired
//   meter.flush();                                       // end of input: everything still open
//   while (meter.has_ready()) use(meter.pop_ready());
//
// Semantics (docs/formats/pcap.md):
//  - key = (src addr, dst addr, src port, dst port, proto), one direction; ICMP type/code are
//    in the dst port (decoder). Counters: packets, bytes = PacketHeaders::l3_bytes (IP length),
//    OR of TCP flags, first/last packet time, TOS of the first packet.
//  - A flow's deadline is min(last + inactive, first + active). The meter's clock is the
//    largest packet time seen; add_packet(t) and expire(t) first export, into the ready queue,
//    every flow whose deadline <= clock, ordered by (deadline, creation order). Exported flows
//    are closed: a later packet with the same key starts a new record.
//  - FIN and RST do not close a flow (nfpcapd 1.7.1 also keeps the final ACK after a FIN in
//    the same record); the inactive timeout ends it.
//  - flush() exports every open flow in creation order (the order of their first packets).
//  - Origin.position = packet_number of the flow's first packet.
//  - Memory: one entry per open flow plus one heap slot per open flow; nothing grows with the
//    input size. Records wait in the ready queue only until the caller pops them.
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "core/flow_record.h"
#include "sources/pcap/packet_decoder.h"

namespace xmr {

struct MeterOptions {
  std::int64_t active_timeout_ms = 1'800'000;
  std::int64_t inactive_timeout_ms = 15'000;
};

class FlowMeter {
 public:
  FlowMeter(MeterOptions options, std::uint32_t source_index);

  void add_packet(std::int64_t time_ms, const PacketHeaders& headers, std::uint64_t packet_number);
  // Advances the clock to `now_ms` (never backwards) and exports flows whose deadline passed.
  void expire(std::int64_t now_ms);
  // Exports all open flows (end of input).
  void flush();

  bool has_ready() const noexcept { return !ready_.empty(); }
  FlowRecord pop_ready();
  std::size_t ready_count() const noexcept { return ready_.size(); }
  std::size_t open_flows() const noexcept { return flows_.size(); }

 private:
  struct Key {
    IpAddress src, dst;
    std::uint16_t src_port, dst_port;
    std::uint8_t proto;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept;
  };
  struct Flow {
    FlowRecord record;
    std::uint64_t id;  // creation order
  };
  struct Deadline {  // heap entry; may be stale (the flow's real deadline only grows)
    std::int64_t at_ms;
    std::uint64_t id;
    Key key;
  };
  struct Later {
    bool operator()(const Deadline& a, const Deadline& b) const noexcept {
      return a.at_ms != b.at_ms ? a.at_ms > b.at_ms : a.id > b.id;
    }
  };

  std::int64_t deadline_of(const FlowRecord& r) const noexcept;
  void expire_due();

  MeterOptions options_;
  std::uint32_t source_index_;
  std::int64_t clock_ms_;
  bool clock_set_ = false;
  std::uint64_t next_id_ = 0;
  std::unordered_map<Key, Flow, KeyHash> flows_;
  std::vector<Deadline> heap_;  // std::push_heap/pop_heap with Later: earliest on top
  std::deque<FlowRecord> ready_;
};

}  // namespace xmr
