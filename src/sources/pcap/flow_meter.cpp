#include "sources/pcap/flow_meter.h"

#include <algorithm>
#include <cstring>

namespace xmr {

std::size_t FlowMeter::KeyHash::operator()(const Key& k) const noexcept {
  // FNV-1a over the key bytes: cheap, deterministic across runs (no per-process seed needed).
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const std::uint8_t* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  };
  mix(k.src.bytes.data(), 16);
  mix(k.dst.bytes.data(), 16);
  const std::uint8_t tail[5] = {static_cast<std::uint8_t>(k.src_port >> 8), static_cast<std::uint8_t>(k.src_port),
                                static_cast<std::uint8_t>(k.dst_port >> 8), static_cast<std::uint8_t>(k.dst_port),
                                k.proto};
  mix(tail, sizeof tail);
  return static_cast<std::size_t>(h);
}

FlowMeter::FlowMeter(MeterOptions options, std::uint32_t source_index)
    : options_(options), source_index_(source_index), clock_ms_(0) {}

std::int64_t FlowMeter::deadline_of(const FlowRecord& r) const noexcept {
  return std::min(r.last_ms + options_.inactive_timeout_ms, r.first_ms + options_.active_timeout_ms);
}

void FlowMeter::expire(std::int64_t now_ms) {
  if (!clock_set_ || now_ms > clock_ms_) clock_ms_ = now_ms;
  clock_set_ = true;
  expire_due();
}

void FlowMeter::expire_due() {
  while (!heap_.empty() && heap_.front().at_ms <= clock_ms_) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    Deadline d = heap_.back();
    heap_.pop_back();
    auto it = flows_.find(d.key);
    if (it == flows_.end() || it->second.id != d.id) continue;  // cannot happen: one slot per flow
    const std::int64_t real = deadline_of(it->second.record);
    if (real > clock_ms_) {  // the flow saw packets since: reschedule
      heap_.push_back({real, d.id, d.key});
      std::push_heap(heap_.begin(), heap_.end(), Later{});
      continue;
    }
    ready_.push_back(it->second.record);
    flows_.erase(it);
  }
}

void FlowMeter::add_packet(std::int64_t time_ms, const PacketHeaders& h, std::uint64_t packet_number) {
  expire(time_ms);
  const Key key{h.src_addr, h.dst_addr, h.src_port, h.dst_port, h.proto};
  auto [it, inserted] = flows_.try_emplace(key);
  FlowRecord& r = it->second.record;
  if (inserted) {
    it->second.id = next_id_++;
    r.src_addr = h.src_addr;
    r.dst_addr = h.dst_addr;
    r.src_port = h.src_port;
    r.dst_port = h.dst_port;
    r.proto = h.proto;
    r.src_tos = h.tos;
    r.first_ms = r.last_ms = time_ms;
    r.origin = Origin{source_index_, packet_number};
    heap_.push_back({deadline_of(r), it->second.id, key});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
  }
  // Out-of-order timestamps (merged captures) widen the interval instead of shrinking it.
  r.first_ms = std::min(r.first_ms, time_ms);
  r.last_ms = std::max(r.last_ms, time_ms);
  r.pkts += 1;
  r.bytes += h.l3_bytes;
  r.tcp_flags |= h.tcp_flags;
}

void FlowMeter::flush() {
  std::vector<Flow*> open;
  open.reserve(flows_.size());
  for (auto& [key, flow] : flows_) open.push_back(&flow);
  std::sort(open.begin(), open.end(), [](const Flow* a, const Flow* b) { return a->id < b->id; });
  for (const Flow* f : open) ready_.push_back(f->record);
  flows_.clear();
  heap_.clear();
}

FlowRecord FlowMeter::pop_ready() {
  FlowRecord r = ready_.front();
  ready_.pop_front();
  return r;
}

}  // namespace xmr
