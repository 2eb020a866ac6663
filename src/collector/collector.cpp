#include "collector/collector.h"

#include <fmt/format.h>

namespace xmr::collector {

namespace {
// Decoder counters that mean the exporter sent something we could not use: exposed as
// xmr_exporter_decode_errors_total{kind}.
constexpr netflow::counter error_counters[] = {
    netflow::counter::bad_version,    netflow::counter::truncated_header, netflow::counter::bad_length,
    netflow::counter::malformed_sets, netflow::counter::bad_templates,    netflow::counter::template_cap_hit,
    netflow::counter::field_cap_hit,  netflow::counter::exporter_cap_hit, netflow::counter::pending_dropped,
    netflow::counter::bad_records,
};
}  // namespace

Collector::Collector(CollectorOptions options, Detector* detector, AlertSink* alerts, Diagnostics& diagnostics)
    : options_(std::move(options)),
      diagnostics_(diagnostics),
      queue_(options_.queue_datagrams),
      table_(options_.limits, &diagnostics),
      metrics_(options_.limits.max_exporters),
      alerts_(alerts) {
  if (detector != nullptr) live_ = std::make_unique<LiveDetector>(*detector);
}

Collector::~Collector() { stop(); }

result<std::unique_ptr<Collector>> Collector::open(CollectorOptions options, Detector* detector, AlertSink* alerts,
                                                   Diagnostics& diagnostics) {
  if (options.listen.empty()) return make_error(errc::bad_argument, "no --listen endpoint");
  std::unique_ptr<Collector> c(new Collector(std::move(options), detector, alerts, diagnostics));
  for (std::size_t i = 0; i < c->options_.listen.size(); ++i) {
    const auto& e = c->options_.listen[i];
    auto s = bind_udp(e, c->options_.receive_buffer_bytes);
    if (!s) return tl::unexpected(s.error());
    c->receivers_.push_back(
        std::make_unique<UdpReceiver>(std::move(*s), static_cast<std::uint32_t>(i), e.text, c->queue_));
  }
  if (c->options_.archive) {
    auto a = RotatingArchive::open(*c->options_.archive, wall_clock_ms());
    if (!a) return tl::unexpected(a.error());
    c->archive_ = std::move(*a);
  }
  c->publish();
  return c;
}

void Collector::start() {
  if (started_) return;
  started_ = true;
  for (auto& r : receivers_) r->start();
  {
    std::lock_guard lock(tasks_mutex_);
    thread_running_ = true;  // before the thread exists: a task posted now must wait for it
  }
  thread_ = std::thread([this] { run(); });
}

void Collector::stop() {
  if (stopped_) return;
  stopped_ = true;
  // Receivers first, so that everything they took off the sockets is in the queue; then the
  // decoding thread drains the queue and finishes.
  for (auto& r : receivers_) r->stop();
  stopping_.store(true);
  queue_.close();
  if (thread_.joinable()) thread_.join();
}

void Collector::run_on_decoding_thread(std::function<void()> task) {
  std::unique_lock lock(tasks_mutex_);
  if (!thread_running_) {
    lock.unlock();
    task();
    return;
  }
  tasks_.push_back(std::move(task));
  const std::uint64_t mine = ++tasks_posted_;
  tasks_done_.wait(lock, [&] { return tasks_run_ >= mine; });
}

void Collector::run_pending_tasks() {
  std::unique_lock lock(tasks_mutex_);
  auto tasks = std::exchange(tasks_, {});
  lock.unlock();
  for (auto& t : tasks) t();
  lock.lock();
  tasks_run_ += tasks.size();
  tasks_done_.notify_all();
}

void Collector::run() {
  DatagramBatch batch;
  std::int64_t last_tick_ms = 0;
  while (true) {
    const bool got = queue_.pop(batch, static_cast<int>(options_.tick_ms));
    const std::int64_t now_ms = wall_clock_ms();
    if (got) process(batch, now_ms);
    run_pending_tasks();
    if (!got && stopping_.load()) break;  // closed and drained
    if (now_ms - last_tick_ms >= options_.tick_ms) {
      last_tick_ms = now_ms;
      periodic(now_ms);
    }
  }
  {
    // Tasks posted from now on run on the caller's thread; one posted before runs here first.
    std::lock_guard lock(tasks_mutex_);
    thread_running_ = false;
  }
  run_pending_tasks();
  if (live_ && alerts_) live_->finish(*alerts_);
  if (archive_) {
    if (auto r = archive_->close(); !r) note_error(r.error().context);
  }
  publish();
}

void Collector::process(const DatagramBatch& batch, std::int64_t wall_ms) {
  records_.clear();
  for (const auto& d : batch.datagrams) {
    const std::span<const std::uint8_t> bytes(batch.bytes.data() + d.offset, d.length);
    ExporterCounters& c = metrics_.at(label_of(d.sender, d.sender_port, bytes));
    c.bytes += d.length;
    c.last_seen_ms = d.received_ms;
    const std::size_t before = records_.size();
    auto n = netflow::decode_export_packet(bytes, d.sender, d.sender_port, d.received_ms, table_, records_,
                                           c.decode);
    if (!n) ++c.decode_errors;
    if (live_ && alerts_)
      for (std::size_t i = before; i < records_.size(); ++i) live_->add(records_[i], wall_ms, *alerts_);
  }
  if (archive_ && !records_.empty()) {
    if (auto r = archive_->write(records_, wall_ms); !r) note_error(r.error().context);
  }
}

void Collector::periodic(std::int64_t wall_ms) {
  if (live_ && alerts_) live_->tick(wall_ms, *alerts_);
  netflow::DecodeStats expiry;
  table_.expire(wall_ms, expiry);
  if (archive_) {
    if (auto r = archive_->rotate_if_due(wall_ms); !r) note_error(r.error().context);
  }
  publish();
}

void Collector::note_error(std::string message) {
  ++archive_errors_;
  std::lock_guard lock(published_mutex_);
  if (errors_.size() < 100) errors_.push_back(std::move(message));  // bounded: a full disk repeats
}

std::vector<std::string> Collector::take_errors() {
  std::lock_guard lock(published_mutex_);
  return std::exchange(errors_, {});
}

void Collector::publish() {
  PrometheusText m;
  CollectorSummary s;
  m.family("xmr_collector_datagrams_received_total", "counter", "UDP datagrams received, per listening socket");
  for (const auto& r : receivers_) {
    const auto& c = r->counters();
    s.datagrams += c.datagrams.load();
    m.sample("xmr_collector_datagrams_received_total", fmt::format("listener=\"{}\"", label_escape(r->name())),
             c.datagrams.load());
  }
  m.family("xmr_collector_datagrams_dropped_total", "counter",
           "Datagrams dropped because the decoding queue was full (back-pressure)");
  for (const auto& r : receivers_) {
    s.dropped_datagrams += r->counters().dropped_datagrams.load();
    m.sample("xmr_collector_datagrams_dropped_total", fmt::format("listener=\"{}\"", label_escape(r->name())),
             r->counters().dropped_datagrams.load());
  }
  m.family("xmr_collector_datagrams_truncated_total", "counter", "Datagrams larger than the receive buffer");
  for (const auto& r : receivers_)
    m.sample("xmr_collector_datagrams_truncated_total", fmt::format("listener=\"{}\"", label_escape(r->name())),
             r->counters().truncated.load());
  m.family("xmr_collector_receive_buffer_bytes", "gauge", "Socket receive buffer the kernel granted");
  for (const auto& r : receivers_)
    m.sample("xmr_collector_receive_buffer_bytes", fmt::format("listener=\"{}\"", label_escape(r->name())),
             static_cast<std::uint64_t>(r->receive_buffer_bytes()));
  m.family("xmr_collector_queue_datagrams", "gauge", "Datagrams waiting for the decoding thread");
  m.sample("xmr_collector_queue_datagrams", "", static_cast<std::uint64_t>(queue_.datagrams_queued()));
  m.family("xmr_collector_queue_capacity_datagrams", "gauge", "Queue limit in datagrams");
  m.sample("xmr_collector_queue_capacity_datagrams", "", static_cast<std::uint64_t>(queue_.max_datagrams()));

  m.family("xmr_exporter_dropped_datagrams_total", "counter", "Datagrams dropped at the queue, per sender");
  for (const auto& r : receivers_)
    for (const auto& [sender, n] : r->drops_by_sender()) {
      ExporterLabel l;
      l.addr = sender.first;
      l.port = sender.second;
      m.sample("xmr_exporter_dropped_datagrams_total", fmt::format("exporter=\"{}\"", exporter_label_text(l)), n);
    }

  auto labels = [](const ExporterLabel& l) {
    return fmt::format("exporter=\"{}\",version=\"{}\",domain=\"{}\"", exporter_label_text(l), l.version, l.domain);
  };
  const auto& series = metrics_.all();
  auto per_exporter = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
    m.family(name, type, help);
    for (const auto& [l, c] : series) m.sample(name, labels(l), static_cast<std::uint64_t>(value(l, c)));
  };
  using netflow::counter;
  per_exporter("xmr_exporter_packets_total", "counter", "Export packets received",
               [](auto&, const ExporterCounters& c) { return c.decode[counter::packets]; });
  per_exporter("xmr_exporter_records_total", "counter", "Flow records decoded",
               [](auto&, const ExporterCounters& c) { return c.decode[counter::records]; });
  per_exporter("xmr_exporter_sequence_gaps_total", "counter", "Jumps forward in the export sequence number",
               [](auto&, const ExporterCounters& c) { return c.decode[counter::sequence_gaps]; });
  per_exporter("xmr_exporter_lost_units_total", "counter",
               "Sum of the sequence jumps (v5/IPFIX: records, v9: export packets)",
               [](auto&, const ExporterCounters& c) { return c.decode[counter::lost_units]; });
  per_exporter("xmr_exporter_template_misses_total", "counter", "Data sets that arrived before their template",
               [](auto&, const ExporterCounters& c) { return c.decode[counter::data_sets_pending]; });
  per_exporter("xmr_exporter_unusable_datagrams_total", "counter",
               "Datagrams refused whole (unknown version, truncated header, exporter table full)",
               [](auto&, const ExporterCounters& c) { return c.decode_errors; });
  per_exporter("xmr_exporter_templates", "gauge", "Templates cached for the exporter",
               [&](const ExporterLabel& l, auto&) -> std::uint64_t {
                 const auto* st = table_.find(netflow::ExporterKey{l.addr, l.port, l.domain, l.version});
                 return st ? st->templates.size() : 0;
               });
  m.family("xmr_exporter_decode_errors_total", "counter", "Damage inside export packets, by kind");
  for (const auto& [l, c] : series)
    for (counter k : error_counters)
      if (c.decode[k] > 0)
        m.sample("xmr_exporter_decode_errors_total", labels(l) + fmt::format(",kind=\"{}\"", netflow::to_string(k)),
                 c.decode[k]);

  const auto totals = metrics_.totals();
  m.family("xmr_decoder_events_total", "counter", "Every decoder counter, summed over exporters");
  for (std::size_t i = 0; i < totals.counts.size(); ++i)
    m.sample("xmr_decoder_events_total",
             fmt::format("event=\"{}\"", netflow::to_string(static_cast<counter>(i))), totals.counts[i]);
  s.records = totals[counter::records];
  s.sequence_gaps = totals[counter::sequence_gaps];
  for (const auto& [l, c] : series) {
    s.decode_errors += c.decode_errors;
    for (counter k : error_counters) s.decode_errors += c.decode[k];
  }
  s.exporters = table_.size();
  s.templates = table_.template_count();
  m.family("xmr_collector_exporters", "gauge", "Exporters (address, port, version, domain) with decoder state");
  m.sample("xmr_collector_exporters", "", s.exporters);
  m.family("xmr_collector_templates", "gauge", "Templates cached over all exporters");
  m.sample("xmr_collector_templates", "", s.templates);

  if (live_) {
    const Detector& d = live_->detector();
    const auto& ds = d.stats();
    const auto& ts = d.table().stats();
    s.alerts = ds.alerts;
    s.connections = d.table().size();
    m.family("xmr_detector_connections", "gauge", "Connections tracked");
    m.sample("xmr_detector_connections", "", s.connections);
    m.family("xmr_detector_connections_evicted_total", "counter", "Connections evicted because the table was full");
    m.sample("xmr_detector_connections_evicted_total", "", ts.evicted_full);
    m.family("xmr_detector_connections_retired_total", "counter", "Connections retired after going idle");
    m.sample("xmr_detector_connections_retired_total", "", ts.retired_idle);
    const auto& pf = live_->prefilter_stats();
    m.family("xmr_detector_records_prefiltered_total", "counter",
             "Records never tracked: not TCP, or a whole TCP connection too short to score");
    m.sample("xmr_detector_records_prefiltered_total", "", pf.not_tcp + pf.short_complete);
    m.family("xmr_detector_late_records_total", "counter", "Records that arrived for an already closed slice");
    m.sample("xmr_detector_late_records_total", "", ts.late_records);
    m.family("xmr_detector_windows_scored_total", "counter", "Windows scored by the model");
    m.sample("xmr_detector_windows_scored_total", "", ds.windows_scored);
    m.family("xmr_detector_alerts_total", "counter", "Alerts raised");
    m.sample("xmr_detector_alerts_total", "", ds.alerts);
    m.family("xmr_detector_data_time_seconds", "gauge", "The detector's estimate of the data time");
    m.sample("xmr_detector_data_time_seconds", "",
             live_->data_time_ms() == INT64_MIN ? 0.0 : static_cast<double>(live_->data_time_ms()) / 1000.0);
  }
  if (archive_) {
    const auto& as = archive_->stats();
    s.archive_files = as.files;
    s.archive_records = as.records;
    m.family("xmr_archive_files_total", "counter", "nfcapd files completed");
    m.sample("xmr_archive_files_total", "", as.files);
    m.family("xmr_archive_records_total", "counter", "Records written to nfcapd files");
    m.sample("xmr_archive_records_total", "", as.records);
    m.family("xmr_archive_write_errors_total", "counter", "Records lost to failed archive writes");
    m.sample("xmr_archive_write_errors_total", "", as.write_errors);
  }
  std::lock_guard lock(published_mutex_);
  metrics_text_ = m.take();
  summary_ = s;
}

std::string Collector::metrics_text() const {
  std::lock_guard lock(published_mutex_);
  return metrics_text_;
}

CollectorSummary Collector::summary() const {
  std::lock_guard lock(published_mutex_);
  return summary_;
}

}  // namespace xmr::collector
