#include "sources/pcap/ipv4_reassembly.h"

#include <algorithm>

namespace xmr {

std::size_t Ipv4Reassembly::KeyHash::operator()(const Key& k) const noexcept {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  auto mix = [&h](std::uint8_t b) { h = (h ^ b) * 1099511628211ull; };
  for (std::uint8_t b : k.src.bytes) mix(b);
  for (std::uint8_t b : k.dst.bytes) mix(b);
  mix(static_cast<std::uint8_t>(k.id >> 8));
  mix(static_cast<std::uint8_t>(k.id));
  mix(k.proto);
  return static_cast<std::size_t>(h);
}

void Ipv4Reassembly::evict(std::int64_t now_ms, std::vector<DroppedDatagram>& dropped) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now_ms - it->second.first.time_ms > max_age_ms_) {
      dropped.push_back({it->second.first.packet_number, it->second.fragments, "incomplete fragmented datagram timed out"});
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  while (pending_.size() >= max_datagrams_) {  // still full: give up the oldest
    auto oldest = std::min_element(pending_.begin(), pending_.end(), [](const auto& a, const auto& b) {
      return a.second.first.packet_number < b.second.first.packet_number;
    });
    dropped.push_back({oldest->second.first.packet_number, oldest->second.fragments,
                       "fragment table full: incomplete datagram dropped"});
    pending_.erase(oldest);
  }
}

std::optional<Reassembled> Ipv4Reassembly::add(std::int64_t time_ms, const PacketHeaders& h,
                                               std::uint64_t packet_number, std::vector<DroppedDatagram>& dropped) {
  const Key key{h.src_addr, h.dst_addr, h.ip_id, h.proto};
  const std::uint32_t payload = static_cast<std::uint32_t>(h.l3_bytes - h.ip_header_bytes);
  auto it = pending_.find(key);
  if (h.fragment_offset_bytes == 0) {
    if (it != pending_.end()) {  // a new first fragment restarts the datagram
      dropped.push_back({it->second.first.packet_number, it->second.fragments, "fragmented datagram restarted"});
      pending_.erase(it);
    }
    if (pending_.size() >= max_datagrams_) evict(time_ms, dropped);
    Pending p;
    p.first = Reassembled{time_ms, packet_number, h};
    p.next_offset_bytes = payload;
    p.fragments = 1;
    pending_.emplace(key, p);
    return std::nullopt;
  }
  if (it == pending_.end()) {
    dropped.push_back({packet_number, 1, "fragment without its first fragment (out of order or lost)"});
    return std::nullopt;
  }
  Pending& p = it->second;
  ++p.fragments;
  if (h.fragment_offset_bytes != p.next_offset_bytes) {
    dropped.push_back({p.first.packet_number, p.fragments, "fragments out of order or overlapping"});
    pending_.erase(it);
    return std::nullopt;
  }
  p.next_offset_bytes += payload;
  if (h.more_fragments) return std::nullopt;
  Reassembled done = p.first;
  done.headers.l3_bytes = static_cast<std::uint64_t>(done.headers.ip_header_bytes) + p.next_offset_bytes;
  pending_.erase(it);
  return done;
}

void Ipv4Reassembly::finish(std::vector<DroppedDatagram>& dropped) {
  std::vector<DroppedDatagram> left;
  for (const auto& [key, p] : pending_)
    left.push_back({p.first.packet_number, p.fragments, "incomplete fragmented datagram at end of input"});
  std::sort(left.begin(), left.end(),
            [](const DroppedDatagram& a, const DroppedDatagram& b) { return a.packet_number < b.packet_number; });
  dropped.insert(dropped.end(), left.begin(), left.end());
  pending_.clear();
}

}  // namespace xmr
