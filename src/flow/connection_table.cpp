#include "flow/connection_table.h"

#include <algorithm>

#include "flow/client_side.h"

namespace xmr {

namespace {
std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
}  // namespace

std::string_view to_string(ClientBasis b) noexcept {
  switch (b) {
    case ClientBasis::home_net: return "home-net";
    case ClientBasis::syn_order: return "syn-order";
    case ClientBasis::ports: return "ports";
    case ClientBasis::fallback: return "fallback";
  }
  return "?";
}

ConnectionTable::ConnectionTable(ConnectionTableOptions options) : options_(std::move(options)) {
  if (options_.slice_ms <= 0) options_.slice_ms = 300'000;
  if (options_.lateness_ms < 0) options_.lateness_ms = 2 * options_.slice_ms;
  if (options_.idle_timeout_ms < 0) options_.idle_timeout_ms = 3 * options_.slice_ms;
  if (options_.max_connections == 0) options_.max_connections = 1;
  if (options_.max_spread_slices < 1) options_.max_spread_slices = 1;
  if (options_.exporter_failover_ms < 0) options_.exporter_failover_ms = options_.slice_ms;
}

namespace {
// 0 when the record names no exporter (pcap meter, CSV): such records are never deduplicated.
std::uint64_t exporter_identity(const FlowRecord& r) noexcept {
  if (r.exporter_id == 0 && r.exporter_addr.is_unspecified()) return 0;
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a over id and address
  auto eat = [&](std::uint8_t b) { h = (h ^ b) * 0x100000001b3ull; };
  for (int i = 0; i < 4; ++i) eat(static_cast<std::uint8_t>(r.exporter_id >> (8 * i)));
  for (auto b : r.exporter_addr.bytes) eat(b);
  return h | 1;
}
}  // namespace

bool ConnectionTable::duplicate(Connection& c, const FlowRecord& r, bool from_low) {
  const std::uint64_t id = exporter_identity(r);
  if (id == 0) return false;
  const int d = from_low ? 0 : 1;
  if (c.exporter[d] == 0 || c.exporter[d] == id) {
    c.exporter[d] = id;
    c.exporter_last_ms[d] = std::max(c.exporter_last_ms[d], r.last_ms);
    return false;
  }
  if (c.exporter_last_ms[d] >= r.first_ms - options_.exporter_failover_ms) {
    ++stats_.duplicate_records;
    return true;
  }
  // The first exporter has gone quiet for this direction (a route change): follow the new one.
  ++stats_.exporter_failovers;
  c.exporter[d] = id;
  c.exporter_last_ms[d] = r.last_ms;
  return false;
}

void ConnectionTable::add(const FlowRecord& record, SliceSink& sink) {
  ++stats_.records;
  if (record.proto != proto_tcp) {
    ++stats_.not_tcp;
    return;
  }
  const auto keyed = key_of(record);
  auto found = index_.find(keyed.key);
  List::iterator it;
  if (found == index_.end()) {
    if (index_.size() >= options_.max_connections) {
      ++stats_.evicted_full;
      retire(std::prev(lru_.end()), sink);
    }
    Connection fresh;
    fresh.key = keyed.key;
    fresh.first_ms = record.first_ms;
    fresh.last_ms = record.last_ms;
    lru_.push_front(std::move(fresh));
    it = lru_.begin();
    index_.emplace(keyed.key, it);
    ++stats_.connections_opened;
  } else {
    it = found->second;
    lru_.splice(lru_.begin(), lru_, it);  // most recently updated first: O(1)
  }
  Connection& c = *it;
  if (duplicate(c, record, keyed.from_low)) return;
  ++c.records_dir[keyed.from_low ? 0 : 1];
  c.first_ms = std::min(c.first_ms, record.first_ms);
  c.last_ms = std::max(c.last_ms, record.last_ms);
  if (record.tcp_flags & tcp_flag::syn) {
    auto& syn = c.first_syn_ms[keyed.from_low ? 0 : 1];
    if (syn < 0 || record.first_ms < syn) syn = record.first_ms;
  }
  spread(c, record, keyed.from_low);
  now_ms_ = std::max(now_ms_, record.last_ms);
  maybe_advance(sink);
}

void ConnectionTable::observe_time(std::int64_t now_ms, SliceSink& sink) {
  if (now_ms <= now_ms_) return;
  now_ms_ = now_ms;
  maybe_advance(sink);
}

void ConnectionTable::maybe_advance(SliceSink& sink) {
  // Close slices whenever the data time has moved into a new slice: once per slice, not per record.
  const std::int64_t idx = floor_div(now_ms_, options_.slice_ms);
  if (idx != last_advance_index_) {
    last_advance_index_ = idx;
    advance(sink);
  }
}

void ConnectionTable::spread(Connection& c, const FlowRecord& r, bool from_low) {
  const std::int64_t s = options_.slice_ms;
  const std::int64_t first = r.first_ms;
  const std::int64_t last = std::max(r.last_ms, r.first_ms);
  std::int64_t first_idx = floor_div(first, s);
  std::int64_t last_idx = floor_div(last, s);
  auto put = [&](std::int64_t idx, std::uint64_t p, std::uint64_t b) {
    if (idx <= c.last_closed_index) {
      // The slice was already handed on: keep the counts in the oldest slice still open rather
      // than lose them, and count it so that the lateness setting can be checked.
      ++stats_.late_records;
      idx = c.last_closed_index + 1;
    }
    OpenSlice& os = open_slice(c, idx);
    (from_low ? os.from_low : os.from_high).add(p, b, r.tcp_flags);
  };
  if (first_idx == last_idx) {
    put(first_idx, r.pkts, r.bytes);
    return;
  }
  // A record over two bins (the usual case when slices are as long as the exporter's active
  // timeout but not aligned with its cuts) goes whole to the bin of its midpoint: splitting it
  // would break the whole-message structure that Stratum reconstruction counts on (a split
  // record shows "2 packets, 287 bytes" that no message mix produces).
  if (last_idx - first_idx == 1 || last_idx - first_idx >= options_.max_spread_slices) {
    if (last_idx - first_idx > 1) ++stats_.overlong_records;
    put(floor_div(first + (last - first) / 2, s), r.pkts, r.bytes);
    return;
  }
  ++stats_.spread_records;
  // Apportion packets and bytes by time overlap with each bin (half-open [first, last + 1) so a
  // zero-length record still has weight), largest remainder so the parts add up exactly.
  const std::int64_t span = last + 1 - first;
  std::uint64_t pkts_left = r.pkts, bytes_left = r.bytes;
  for (std::int64_t idx = first_idx; idx <= last_idx; ++idx) {
    const std::int64_t lo = std::max(first, idx * s), hi = std::min(last + 1, (idx + 1) * s);
    std::uint64_t p, b;
    if (idx == last_idx) {
      p = pkts_left;
      b = bytes_left;
    } else {
      const long double w = static_cast<long double>(hi - lo) / static_cast<long double>(span);
      p = std::min<std::uint64_t>(pkts_left, static_cast<std::uint64_t>(w * r.pkts + 0.5L));
      b = std::min<std::uint64_t>(bytes_left, static_cast<std::uint64_t>(w * r.bytes + 0.5L));
    }
    pkts_left -= p;
    bytes_left -= b;
    if (p || b) put(idx, p, b);
  }
}

ConnectionTable::OpenSlice& ConnectionTable::open_slice(Connection& c, std::int64_t index) {
  auto it = std::lower_bound(c.open.begin(), c.open.end(), index,
                             [](const OpenSlice& s, std::int64_t i) { return s.index < i; });
  if (it != c.open.end() && it->index == index) return *it;
  return *c.open.insert(it, OpenSlice{index, {}, {}});
}

ConnectionInfo ConnectionTable::info(const Connection& c) const {
  ConnectionInfo ci;
  ci.key = c.key;
  ci.first_ms = c.first_ms;
  ci.last_ms = c.last_ms;
  const auto side = decide_client_side(c.key, c.first_syn_ms[0], c.first_syn_ms[1], options_.home_net);
  ci.client_is_low = side.client_is_low;
  ci.basis = side.basis;
  ci.records_up = c.records_dir[side.client_is_low ? 0 : 1];
  ci.records_down = c.records_dir[side.client_is_low ? 1 : 0];
  return ci;
}

void ConnectionTable::close_slices(Connection& c, std::int64_t before_index, SliceSink& sink) {
  std::size_t n = 0;
  if (c.open.empty() || c.open.front().index >= before_index) return;
  const ConnectionInfo ci = info(c);
  for (; n < c.open.size() && c.open[n].index < before_index; ++n) {
    const OpenSlice& os = c.open[n];
    Slice s;
    s.index = os.index;
    s.start_ms = os.index * options_.slice_ms;
    s.up = ci.client_is_low ? os.from_low : os.from_high;
    s.down = ci.client_is_low ? os.from_high : os.from_low;
    sink.on_slice(ci, s);
    ++stats_.slices_closed;
    c.last_closed_index = os.index;
  }
  c.open.erase(c.open.begin(), c.open.begin() + static_cast<std::ptrdiff_t>(n));
}

void ConnectionTable::retire(List::iterator it, SliceSink& sink) {
  close_slices(*it, INT64_MAX, sink);
  if ((it->records_dir[0] == 0) != (it->records_dir[1] == 0)) ++stats_.one_sided_connections;
  sink.on_close(info(*it));
  index_.erase(it->key);
  lru_.erase(it);
}

void ConnectionTable::advance(SliceSink& sink) {
  if (now_ms_ == INT64_MIN) return;
  const std::int64_t watermark = now_ms_ - options_.lateness_ms;
  const std::int64_t before_index = floor_div(watermark, options_.slice_ms);
  for (auto& c : lru_) close_slices(c, before_index, sink);
  // Retire idle connections, least recently updated first.
  const std::int64_t idle_before = now_ms_ - options_.idle_timeout_ms;
  while (!lru_.empty() && lru_.back().last_ms < idle_before) {
    ++stats_.retired_idle;
    retire(std::prev(lru_.end()), sink);
  }
}

void ConnectionTable::flush(SliceSink& sink) {
  while (!lru_.empty()) retire(std::prev(lru_.end()), sink);
}

}  // namespace xmr
