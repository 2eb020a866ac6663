#pragma once
// Ipv4Reassembly: counts a fragmented IPv4 datagram the way nfpcapd 1.7.1 does, without
// keeping payload: the fragments of one datagram (src, dst, protocol, IP id; RFC 791 3.2)
// become ONE packet whose bytes are the reassembled IP length (first fragment's header +
// all fragment payloads), timed at the first fragment and numbered by it, with the ports and
// flags of the first fragment.
//
// Like nfpcapd (checked with nfpcapd -r on hand-made captures, see docs/formats/pcap.md) only a
// datagram whose fragments arrive in order, starting with offset 0, is counted; a datagram
// that is out of order, incomplete at end of input, or older than `max_age_ms` is dropped and
// reported. Memory: at most `max_datagrams` pending datagrams (oldest dropped first).
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "sources/pcap/packet_decoder.h"

namespace xmr {

struct Reassembled {
  std::int64_t time_ms;
  std::uint64_t packet_number;
  PacketHeaders headers;  // l3_bytes = reassembled IP length
};

struct DroppedDatagram {
  std::uint64_t packet_number;  // of its first fragment seen
  std::uint32_t fragments;
  const char* reason;
};

class Ipv4Reassembly {
 public:
  explicit Ipv4Reassembly(std::size_t max_datagrams = 4096, std::int64_t max_age_ms = 30'000)
      : max_datagrams_(max_datagrams), max_age_ms_(max_age_ms) {}

  // For a fragment (h.fragment && h.ipv4): returns the whole datagram when this fragment
  // completes it. Datagrams given up on are appended to `dropped`.
  std::optional<Reassembled> add(std::int64_t time_ms, const PacketHeaders& h, std::uint64_t packet_number,
                                 std::vector<DroppedDatagram>& dropped);
  // End of input: every pending datagram is incomplete.
  void finish(std::vector<DroppedDatagram>& dropped);
  std::size_t pending() const noexcept { return pending_.size(); }

 private:
  struct Key {
    IpAddress src, dst;
    std::uint16_t id;
    std::uint8_t proto;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept;
  };
  struct Pending {
    Reassembled first;
    std::uint32_t next_offset_bytes = 0;  // payload bytes received so far, in order
    std::uint32_t fragments = 0;
  };
  void evict(std::int64_t now_ms, std::vector<DroppedDatagram>& dropped);

  std::size_t max_datagrams_;
  std::int64_t max_age_ms_;
  std::unordered_map<Key, Pending, KeyHash> pending_;
};

}  // namespace xmr
