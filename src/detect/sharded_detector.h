#pragma once
// ShardedDetector: the record pre-filter, then one Detector per thread, each owning the
// connections whose key hashes to it (both directions of a connection hash alike, key_of). The
// reading thread filters and dispatches batches; workers run the table, windows and model. With
// one thread nothing is spawned. Each shard gets max_connections / threads and learns the whole
// stream's data time with every batch, so slices close in step across shards. Alerts from all
// shards reach the caller's sink one at a time (serialised); their order across shards is not
// fixed, their content is.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "detect/detector.h"
#include "detect/prefilter.h"

namespace xmr {

// The shortest connection a Detector with these options can score (RecordPrefilter's bound).
std::int64_t min_scorable_connection_ms(const DetectorOptions& o) noexcept;

class ShardedDetector {
 public:
  ShardedDetector(const Model& model, DetectorOptions options, unsigned threads, AlertSink& alerts);
  ~ShardedDetector();
  ShardedDetector(const ShardedDetector&) = delete;
  ShardedDetector& operator=(const ShardedDetector&) = delete;

  void add(std::span<const FlowRecord> records);
  // Hands the records buffered for each shard (up to a batch of 4096 each) on now, so that the
  // alerts they complete are raised without waiting for more input (detect --follow, after each
  // file). With one thread they are raised before flush() returns.
  void flush();
  void finish();  // end of input: flushes every shard and joins the workers

  const RecordPrefilterStats& prefilter_stats() const noexcept { return prefilter_.stats(); }
  // Summed over shards; valid after finish().
  DetectorStats stats() const;
  ConnectionTableStats table_stats() const;
  unsigned threads() const noexcept { return static_cast<unsigned>(shards_.size()); }

 private:
  struct Batch {
    std::vector<FlowRecord> records;
    std::int64_t now_ms = INT64_MIN;  // the stream's data time when the batch was cut
  };
  struct Shard;
  class SerialSink;

  void dispatch(std::size_t shard);
  static void work(Shard& s);

  RecordPrefilter prefilter_;
  std::unique_ptr<SerialSink> serial_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::int64_t now_ms_ = INT64_MIN;
  bool finished_ = false;
};

}  // namespace xmr
