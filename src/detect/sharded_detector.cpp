#include "detect/sharded_detector.h"

#include <algorithm>

namespace xmr {

namespace {
constexpr std::size_t batch_records = 4096;
constexpr std::size_t max_queued_batches = 8;  // per shard: bounds memory when a worker lags
}  // namespace

std::int64_t min_scorable_connection_ms(const DetectorOptions& o) noexcept {
  const std::int64_t slice_ms = o.table.slice_ms > 0 ? o.table.slice_ms : 300'000;
  const std::int64_t lw = static_cast<std::int64_t>(std::max<std::size_t>(o.window_slices, 1));
  // A full window needs a connection spanning lW slice indices: at least (lW - 1) slices + 1 ms.
  std::int64_t ms = (lw - 1) * slice_ms;
  if (o.early_min_duration_ms >= 0) ms = std::min(ms, o.early_min_duration_ms);
  return ms;
}

class ShardedDetector::SerialSink final : public AlertSink {
 public:
  explicit SerialSink(AlertSink& next) : next_(next) {}
  void on_alert(const Alert& a) override {
    std::lock_guard lock(mutex_);
    next_.on_alert(a);
  }

 private:
  std::mutex mutex_;
  AlertSink& next_;
};

struct ShardedDetector::Shard {
  Shard(const Model& model, DetectorOptions o) : detector(model, std::move(o)) {}
  Detector detector;
  AlertSink* sink = nullptr;
  Batch filling;
  // Worker queue (threads > 1 only).
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<Batch> queue;
  bool done = false;
  std::thread thread;
};

ShardedDetector::ShardedDetector(const Model& model, DetectorOptions options, unsigned threads, AlertSink& alerts)
    : prefilter_(min_scorable_connection_ms(options)), serial_(std::make_unique<SerialSink>(alerts)) {
  threads = std::max(threads, 1u);
  options.table.max_connections = std::max<std::size_t>(1, options.table.max_connections / threads);
  for (unsigned i = 0; i < threads; ++i) {
    shards_.push_back(std::make_unique<Shard>(model, options));
    shards_.back()->sink = threads == 1 ? &alerts : serial_.get();
    shards_.back()->filling.records.reserve(batch_records);
  }
  if (threads > 1)
    for (auto& s : shards_) s->thread = std::thread([sp = s.get()] { work(*sp); });
}

ShardedDetector::~ShardedDetector() {
  if (!finished_) finish();
}

void ShardedDetector::work(Shard& s) {
  while (true) {
    Batch b;
    {
      std::unique_lock lock(s.mutex);
      s.cv.wait(lock, [&] { return !s.queue.empty() || s.done; });
      if (s.queue.empty()) break;  // done and drained
      b = std::move(s.queue.front());
      s.queue.pop_front();
    }
    s.cv.notify_all();  // room for the reader
    for (const auto& r : b.records) s.detector.add(r, *s.sink);
    if (b.now_ms != INT64_MIN) s.detector.observe_time(b.now_ms, *s.sink);
  }
  s.detector.finish(*s.sink);
}

void ShardedDetector::dispatch(std::size_t i) {
  Shard& s = *shards_[i];
  s.filling.now_ms = now_ms_;
  if (shards_.size() == 1) {
    for (const auto& r : s.filling.records) s.detector.add(r, *s.sink);
    s.filling.records.clear();
    return;
  }
  {
    std::unique_lock lock(s.mutex);
    s.cv.wait(lock, [&] { return s.queue.size() < max_queued_batches; });
    s.queue.push_back(std::move(s.filling));
  }
  s.cv.notify_all();
  s.filling = Batch{};
  s.filling.records.reserve(batch_records);
}

void ShardedDetector::add(std::span<const FlowRecord> records) {
  const std::size_t n = shards_.size();
  for (const auto& r : records) {
    if (!prefilter_.pass(r)) continue;
    now_ms_ = std::max(now_ms_, r.last_ms);
    const std::size_t i = n == 1 ? 0 : ConnectionKeyHash{}(key_of(r).key) % n;
    Shard& s = *shards_[i];
    s.filling.records.push_back(r);
    if (s.filling.records.size() >= batch_records) dispatch(i);
  }
  // Idle shards still learn the data time at least once per input batch of the caller, so that
  // their slices close when the busy shards' do.
  if (n > 1) {
    for (std::size_t i = 0; i < n; ++i) {
      Shard& s = *shards_[i];
      if (s.filling.records.empty()) {
        std::unique_lock lock(s.mutex);
        if (s.queue.empty()) {
          Batch tick;
          tick.now_ms = now_ms_;
          s.queue.push_back(std::move(tick));
          lock.unlock();
          s.cv.notify_all();
        }
      }
    }
  }
}

void ShardedDetector::flush() {
  if (finished_) return;
  for (std::size_t i = 0; i < shards_.size(); ++i)
    if (!shards_[i]->filling.records.empty()) dispatch(i);
}

void ShardedDetector::finish() {
  if (finished_) return;
  finished_ = true;
  for (std::size_t i = 0; i < shards_.size(); ++i)
    if (!shards_[i]->filling.records.empty()) dispatch(i);
  if (shards_.size() == 1) {
    shards_[0]->detector.finish(*shards_[0]->sink);
    return;
  }
  for (auto& s : shards_) {
    {
      std::lock_guard lock(s->mutex);
      s->done = true;
    }
    s->cv.notify_all();
  }
  for (auto& s : shards_) s->thread.join();
}

DetectorStats ShardedDetector::stats() const {
  DetectorStats t;
  for (const auto& s : shards_) {
    const auto& d = s->detector.stats();
    t.windows_scored += d.windows_scored;
    t.windows_prefiltered += d.windows_prefiltered;
    t.windows_early += d.windows_early;
    t.windows_one_sided += d.windows_one_sided;
    t.alerts += d.alerts;
    t.alert_updates += d.alert_updates;
    t.connections_scored += d.connections_scored;
    t.connections_too_short += d.connections_too_short;
  }
  return t;
}

ConnectionTableStats ShardedDetector::table_stats() const {
  ConnectionTableStats t;
  for (const auto& s : shards_) {
    const auto& d = s->detector.table().stats();
    t.records += d.records;
    t.not_tcp += d.not_tcp;
    t.late_records += d.late_records;
    t.overlong_records += d.overlong_records;
    t.spread_records += d.spread_records;
    t.connections_opened += d.connections_opened;
    t.evicted_full += d.evicted_full;
    t.retired_idle += d.retired_idle;
    t.slices_closed += d.slices_closed;
    t.duplicate_records += d.duplicate_records;
    t.exporter_failovers += d.exporter_failovers;
    t.one_sided_connections += d.one_sided_connections;
  }
  return t;
}

}  // namespace xmr
