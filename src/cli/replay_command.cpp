// `xmr-ray replay`: any flow source out as NetFlow v5/v9/IPFIX over UDP, for testing a
// deployment (ours or another collector) and for benchmarks.
#include <chrono>
#include <cerrno>
#include <sys/socket.h>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "collector/export_encoder.h"
#include "collector/replay_pacer.h"
#include "collector/udp_endpoint.h"
#include "sources/open_source.h"

namespace xmr::cli {

namespace {

struct ReplayOptions {
  std::vector<std::string> read;
  std::string to;
  int version = 9;
  double rate_pps = 0;  // 0: as fast as the socket takes them
  double speed = 0;     // > 0: records paced by their own end times, this many times real time
  std::uint32_t domain = 0;
  std::size_t packet_bytes = 1400;
  std::uint32_t template_every = 20;
  std::string format;
  bool quiet = false;
};

int run_replay(const ReplayOptions& o) {
  auto to = collector::parse_udp_endpoint(o.to);
  if (!to) {
    fmt::print(stderr, "xmr-ray replay: --to {}\n", to.error().context);
    return 2;
  }
  auto files = expand_inputs(o.read);
  if (!files) {
    fmt::print(stderr, "xmr-ray replay: {}\n", files.error().context);
    return 1;
  }
  auto sock = collector::connect_udp(*to);
  if (!sock) {
    fmt::print(stderr, "xmr-ray replay: {}\n", sock.error().context);
    return 1;
  }
  SourceOptions sopt;
  if (!o.format.empty()) sopt.format = parse_input_format(o.format);
  Diagnostics diag([&](const Problem& p) {
    if (!o.quiet) fmt::print(stderr, "xmr-ray replay: {}\n", format_problem(p));
  });
  SourceCatalog catalog;
  auto source = open_inputs(*files, sopt, catalog, diag);

  collector::EncoderOptions eopt;
  eopt.version = o.version;
  eopt.domain = o.domain;
  eopt.max_packet_bytes = o.packet_bytes;
  eopt.template_every_packets = o.template_every;
  collector::ExportEncoder encoder(eopt);
  std::uint64_t send_errors = 0, sent = 0;
  const auto start = std::chrono::steady_clock::now();
  const int fd = sock->fd();
  auto emit = [&](std::span<const std::uint8_t> packet) {
    if (o.rate_pps > 0) {
      const auto due = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double>(static_cast<double>(sent) / o.rate_pps));
      std::this_thread::sleep_until(due);
    }
    ++sent;
    // A full socket buffer (ENOBUFS) is retried briefly: replay is a test tool, losing on our
    // own side would blur what the receiver loses.
    for (int attempt = 0; attempt < 100; ++attempt) {
      if (::send(fd, packet.data(), packet.size(), 0) >= 0) return;
      if (errno != ENOBUFS && errno != EAGAIN) break;
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    ++send_errors;
  };
  collector::SteadyPacingClock clock;
  collector::ReplayPacer pacer(o.speed > 0 ? o.speed : 1.0, clock);
  std::vector<FlowRecord> batch;
  while (true) {
    batch.clear();
    auto n = source->read(batch, 4096);
    if (!n || *n == 0) break;
    for (const auto& r : batch) {
      if (o.speed > 0) pacer.send(r, encoder, emit);
      else encoder.add(r, emit);
    }
  }
  encoder.flush(emit);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto& s = encoder.stats();
  fmt::print(stderr,
             "xmr-ray replay: {}; sent {} records in {} packets (NetFlow {}) to {} in {:.3f} s ({:.0f} records/s), "
             "send errors {}{}\n",
             diag.summary(), s.records, s.packets, o.version == 10 ? "IPFIX" : std::to_string(o.version), o.to, seconds,
             seconds > 0 ? static_cast<double>(s.records) / seconds : 0.0, send_errors,
             s.skipped_ipv6 ? fmt::format(", IPv6 records skipped (v5 is IPv4 only) {}", s.skipped_ipv6) : "");
  if (diag.errors() > 0 && diag.records_read() == 0) return 1;
  return send_errors > 0 ? 1 : 0;
}

}  // namespace

void register_replay(CLI::App& app, CommandList& commands) {
  auto o = std::make_shared<ReplayOptions>();
  auto* sub = app.add_subcommand("replay", "Export flow records as NetFlow v5/v9/IPFIX over UDP (testing, benchmarks)");
  sub->add_option("-r,--read", o->read, "Input file or directory (repeatable); any format `flows` reads")->required();
  sub->add_option("--to", o->to, "udp://HOST:PORT of the collector")->required();
  sub->add_option("--version", o->version, "5, 9 or 10 (IPFIX)")->check(CLI::IsMember({5, 9, 10}));
  sub->add_option("--rate", o->rate_pps, "Export packets per second (0: as fast as possible)")
      ->check(CLI::Range(0.0, 1e9));
  sub->add_option("--speed", o->speed,
                  "Send each record at its end time, K times real time (1: as the exporter did; 60: an hour in a "
                  "minute); with --rate both limits hold")
      ->check(CLI::Range(1e-3, 1e6));
  sub->add_option("--domain", o->domain, "v9 source id / IPFIX observation domain / v5 engine type<<8|id");
  sub->add_option("--packet-bytes", o->packet_bytes, "Largest export datagram")->check(CLI::Range(512ul, 65000ul));
  sub->add_option("--template-every", o->template_every, "Resend templates every N packets")
      ->check(CLI::Range(1u, 1000000u));
  sub->add_option("--format", o->format, "Force the input format (see `flows --help`)");
  sub->add_flag("-q,--quiet", o->quiet, "Do not print each input problem");
  sub->footer(
      "Examples:\n"
      "  xmr-ray replay -r /var/cache/nfdump/nfcapd.202611251200 --to udp://127.0.0.1:2055 --version 10\n"
      "  xmr-ray replay -r capture.pcap --to udp://[::1]:4739 --rate 1000\n"
      "  xmr-ray replay -r /var/cache/nfdump --to udp://127.0.0.1:2055 --speed 60   # an hour per minute");
  commands.add(sub, [o] { return run_replay(*o); });
}

}  // namespace xmr::cli
