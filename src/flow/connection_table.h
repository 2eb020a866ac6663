#pragma once
// ConnectionTable: pairs the two directions of each TCP connection and spreads their records
// over slices; closes slices once the data time has passed them, and hands each closed slice to
// a SliceSink. Memory is bounded: at most max_connections are tracked (the least recently
// updated is evicted, and counted, when a new one arrives at the limit) and idle connections are
// retired. The table reads no clock: "now" is the largest record end time it has seen.
#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

#include "core/flow_record.h"
#include "flow/connection_key.h"
#include "flow/home_net.h"
#include "flow/slice.h"

namespace xmr {

struct ConnectionTableOptions {
  std::int64_t slice_ms = 300'000;          // the exporter's active timeout is the natural choice
  std::int64_t lateness_ms = -1;            // how late a record may arrive; -1: two slices
  std::int64_t idle_timeout_ms = -1;        // retire a connection silent this long; -1: three slices
  std::size_t max_connections = 1'000'000;
  // A record longer than this many slices (a broken exporter clock, a flow dumped at shutdown)
  // is put whole into the slice of its midpoint instead of being spread.
  std::int64_t max_spread_slices = 64;
  // Several exporters (routers on the path) may each report the same direction of a flow. The
  // first exporter seen for a direction keeps it; another exporter's records for that direction
  // are dropped as duplicates (counted) while the first is still reporting, i.e. its last record
  // ended less than this long before the other's starts (-1: one slice). Records without an
  // exporter identity (pcap meter, CSV) are never deduplicated.
  std::int64_t exporter_failover_ms = -1;
  HomeNet home_net;
};

class SliceSink {
 public:
  virtual ~SliceSink() = default;
  // Slices of one connection arrive in increasing index order; indices may skip (idle bins).
  virtual void on_slice(const ConnectionInfo& connection, const Slice& slice) = 0;
  // The connection is retired (idle, evicted, or end of input); no more slices for it.
  virtual void on_close(const ConnectionInfo& connection) { (void)connection; }
};

struct ConnectionTableStats {
  std::uint64_t records = 0;           // records offered to add()
  std::uint64_t not_tcp = 0;           // pre-filtered: only TCP carries Stratum
  std::uint64_t late_records = 0;      // arrived for a slice already closed: added to the oldest open one
  std::uint64_t overlong_records = 0;  // longer than max_spread_slices: not spread
  std::uint64_t spread_records = 0;    // over three or more slices: apportioned by time overlap
  std::uint64_t connections_opened = 0;
  std::uint64_t evicted_full = 0;      // evicted because max_connections was reached
  std::uint64_t retired_idle = 0;
  std::uint64_t slices_closed = 0;
  std::uint64_t duplicate_records = 0;  // same direction from a second exporter: dropped
  std::uint64_t exporter_failovers = 0; // a direction's exporter changed after the first went silent
  std::uint64_t one_sided_connections = 0;  // retired with records in one direction only
};

class ConnectionTable {
 public:
  explicit ConnectionTable(ConnectionTableOptions options);

  void add(const FlowRecord& record, SliceSink& sink);
  // Moves the data time forward without a record (a sharded table learns the time of the whole
  // stream this way, so that its slices close when the others' do).
  void observe_time(std::int64_t now_ms, SliceSink& sink);
  // Closes the slices that end before now - lateness and retires idle connections.
  void advance(SliceSink& sink);
  // End of input: closes every slice and retires every connection.
  void flush(SliceSink& sink);

  std::size_t size() const noexcept { return index_.size(); }
  std::int64_t now_ms() const noexcept { return now_ms_; }
  const ConnectionTableStats& stats() const noexcept { return stats_; }
  const ConnectionTableOptions& options() const noexcept { return options_; }

 private:
  struct OpenSlice {
    std::int64_t index;
    DirectionCounts from_low;
    DirectionCounts from_high;
  };
  struct Connection {
    ConnectionKey key;
    std::int64_t first_ms = 0, last_ms = 0;
    std::int64_t first_syn_ms[2] = {-1, -1};  // earliest start of a record with SYN, from low / from high
    std::int64_t last_closed_index = INT64_MIN;
    std::uint64_t exporter[2] = {0, 0};           // identity of the exporter that owns each direction; 0 = none yet
    std::int64_t exporter_last_ms[2] = {INT64_MIN, INT64_MIN};
    std::uint64_t records_dir[2] = {0, 0};        // records kept, from low / from high
    std::vector<OpenSlice> open;  // sorted by index; a handful at most
  };
  using List = std::list<Connection>;

  bool duplicate(Connection& c, const FlowRecord& r, bool from_low);
  void maybe_advance(SliceSink& sink);
  void spread(Connection& c, const FlowRecord& r, bool from_low);
  OpenSlice& open_slice(Connection& c, std::int64_t index);
  void close_slices(Connection& c, std::int64_t before_index, SliceSink& sink);
  void retire(List::iterator it, SliceSink& sink);
  ConnectionInfo info(const Connection& c) const;

  ConnectionTableOptions options_;
  List lru_;  // most recently updated first
  std::unordered_map<ConnectionKey, List::iterator, ConnectionKeyHash> index_;
  std::int64_t now_ms_ = INT64_MIN;
  std::int64_t last_advance_index_ = INT64_MIN;
  ConnectionTableStats stats_;
};

}  // namespace xmr
