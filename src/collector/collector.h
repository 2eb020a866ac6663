#pragma once
// Collector: the live daemon's engine. Receive threads (one per --listen socket) drain their
// sockets into a bounded DatagramQueue; one decoding thread takes the datagrams off the queue,
// decodes them (ExporterTable: state per exporter address, port, version and observation
// domain / source id), feeds the records to the LiveDetector (alerts as they happen) and to the
// RotatingArchive, and once a second ticks the detector's clock, expires exporter state,
// rotates the archive and renders the metrics snapshot. stop() drains what was received,
// finishes the detector (last alerts) and closes the archive.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "collector/datagram_queue.h"
#include "collector/exporter_metrics.h"
#include "collector/live_detector.h"
#include "collector/rotating_archive.h"
#include "collector/udp_endpoint.h"
#include "collector/udp_receiver.h"
#include "core/diagnostics.h"
#include "detect/detector.h"
#include "sources/netflow/netflow_decoder.h"

namespace xmr::collector {

struct CollectorOptions {
  std::vector<UdpEndpoint> listen;
  std::size_t receive_buffer_bytes = 64u << 20;  // asked for; the kernel may grant less (rmem_max)
  std::size_t queue_datagrams = 1u << 16;        // ~ 64 K datagrams (~90 MB of 1400-byte exports)
  netflow::DecoderLimits limits;
  std::optional<ArchiveOptions> archive;
  std::int64_t tick_ms = 1000;  // clock, expiry, rotation and metrics period
};

// The numbers a stats line or a test wants without parsing the metrics text.
struct CollectorSummary {
  std::uint64_t datagrams = 0, dropped_datagrams = 0, records = 0, exporters = 0, templates = 0;
  std::uint64_t decode_errors = 0, sequence_gaps = 0, alerts = 0, connections = 0;
  std::uint64_t archive_files = 0, archive_records = 0;
};

class Collector {
 public:
  // Binds every socket (errors name the endpoint) and opens the archive; nothing runs yet.
  // `detector` and `alerts` may be null (collect and archive only).
  [[nodiscard]] static result<std::unique_ptr<Collector>> open(CollectorOptions options, Detector* detector,
                                                               AlertSink* alerts, Diagnostics& diagnostics);
  ~Collector();

  void start();
  void stop();  // idempotent; returns when everything is flushed and closed

  const std::vector<std::unique_ptr<UdpReceiver>>& receivers() const noexcept { return receivers_; }
  std::string metrics_text() const;  // latest snapshot (Prometheus text format)
  CollectorSummary summary() const;  // latest snapshot
  // Errors the decoding thread met that end nothing but must be told (archive writes).
  std::vector<std::string> take_errors();
  // Runs `task` on the decoding thread between two batches (within one tick) and returns when it
  // has run. This is how a reload changes what that thread uses (the model, the alert outputs)
  // without a lock on the record path. Before start() or after stop() it runs here and now.
  void run_on_decoding_thread(std::function<void()> task);

 private:
  Collector(CollectorOptions options, Detector* detector, AlertSink* alerts, Diagnostics& diagnostics);
  void run();
  void process(const DatagramBatch& batch, std::int64_t wall_ms);
  void periodic(std::int64_t wall_ms);
  void publish();
  void note_error(std::string message);
  void run_pending_tasks();

  CollectorOptions options_;
  Diagnostics& diagnostics_;
  DatagramQueue queue_;
  std::vector<std::unique_ptr<UdpReceiver>> receivers_;
  netflow::ExporterTable table_;
  ExporterMetrics metrics_;
  std::unique_ptr<LiveDetector> live_;
  AlertSink* alerts_;
  std::unique_ptr<RotatingArchive> archive_;
  std::vector<FlowRecord> records_;
  std::uint64_t archive_errors_ = 0;

  std::atomic<bool> stopping_{false};
  std::thread thread_;
  bool started_ = false, stopped_ = false;

  mutable std::mutex published_mutex_;
  std::string metrics_text_;
  CollectorSummary summary_;
  std::vector<std::string> errors_;

  std::mutex tasks_mutex_;
  std::condition_variable tasks_done_;
  std::vector<std::function<void()>> tasks_;
  std::uint64_t tasks_posted_ = 0, tasks_run_ = 0;
  bool thread_running_ = false;  // guarded by tasks_mutex_
};

}  // namespace xmr::collector
