// Bench-only generator for bench/detect_campus.sh: a campus-border-like nfcapd file in time
// order (records written when the exporter cuts them, as nfcapd does), with
//   - short flows, both directions: DNS and QUIC over UDP, web over TCP with SYN and FIN in the
//     record (a small share cut by the inactive timeout instead, without FIN), a little ICMP;
//   - long-lived TCP connections (SSH, IMAP IDLE, WebSocket, MQTT-like: small messages, mostly
//     idle: 1 + Exp(mean 6) messages each way per 5 minutes), cut every active timeout (300 s)
//     at a per-connection phase, the first record with SYN;
//   - miners: Monero Stratum counts per 300 s (jobs Poisson around 120 s blocks, shares at a
//     vardiff rate each answered by a result, ACKs; 52 B headers; job 253, submit 183, result 63,
//     keepalive 82 B as in shared/data peafowl_monero_xmrstak.pcap).
// Usage: detect_campus_gen OUT RECORDS [hours=1] [long_lived=3000] [miners=12] [seed=1]
// The record rate is RECORDS / hours; long-lived and miner records come on top of the short ones
// only in the sense that they take part of the budget (the total is exactly RECORDS).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "sinks/nfcapd_writer.h"

namespace {

using xmr::FlowRecord;
using xmr::IpAddress;

constexpr std::int64_t active_timeout_ms = 300'000;

struct LongLived {
  IpAddress client, server;
  std::uint16_t cport, sport;
  bool miner;
  double msgs_per_cut;    // benign: messages each way per active timeout
  double shares_per_cut;  // miner
  std::int64_t phase_s;
  bool started = false;
};

std::uint64_t poisson(std::mt19937_64& rng, double mean) {
  if (mean <= 0) return 0;
  return std::poisson_distribution<std::uint64_t>(mean)(rng);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT RECORDS [hours=1] [long_lived=3000] [miners=12] [seed=1]\n", argv[0]);
    return 2;
  }
  const std::string out = argv[1];
  const std::uint64_t total = std::strtoull(argv[2], nullptr, 10);
  const double hours = argc > 3 ? std::strtod(argv[3], nullptr) : 1.0;
  const int n_long = argc > 4 ? std::atoi(argv[4]) : 3000;
  const int n_miners = argc > 5 ? std::atoi(argv[5]) : 12;
  std::mt19937_64 rng(argc > 6 ? std::strtoull(argv[6], nullptr, 10) : 1);
  auto w = xmr::open_nfcapd_writer(out, {xmr::NfcapdCompression::lz4, "xmr-ray detect bench"});
  if (!w) {
    std::fprintf(stderr, "%s\n", w.error().context.c_str());
    return 1;
  }
  const std::int64_t start_ms = 1767225600000LL;  // 2026-01-01T00:00:00Z, as scenarios/campus.toml
  const std::int64_t seconds = std::max<std::int64_t>(1, static_cast<std::int64_t>(hours * 3600));
  const IpAddress exporters[] = {IpAddress::from_v4(0x0a000001), IpAddress::from_v4(0x0a000002)};
  auto campus_host = [&] { return IpAddress::from_v4(0x0a510000u | static_cast<std::uint32_t>(rng() % 4000)); };  // 10.81/16
  auto outside = [&] { return IpAddress::from_v4(0x20000000u + static_cast<std::uint32_t>(rng() % 0xA0000000u)); };

  std::vector<LongLived> conns;
  for (int i = 0; i < n_long + n_miners; ++i) {
    LongLived c;
    c.miner = i >= n_long;
    c.client = campus_host();
    c.server = c.miner ? IpAddress::from_v4(0xc6336484u + static_cast<std::uint32_t>(i % 6)) : outside();  // 198.51.100.132+
    c.cport = static_cast<std::uint16_t>(32768 + rng() % 28000);
    static const std::uint16_t benign_ports[] = {22, 993, 443, 8883, 5222};
    static const std::uint16_t pool_ports[] = {10128, 37888, 8080, 6666, 3256, 13357};
    c.sport = c.miner ? pool_ports[i % 6] : benign_ports[rng() % 5];
    // Mostly idle (SSH and IMAP keepalives, push channels), a few chatty (telemetry, chat):
    // exponential, mean 6 messages each way per 5 minutes.
    c.msgs_per_cut = 1 + std::exponential_distribution<double>(1.0 / 6.0)(rng);
    c.shares_per_cut = 1 + static_cast<double>(rng() % 30);
    c.phase_s = static_cast<std::int64_t>(rng() % 300);
    conns.push_back(c);
  }

  std::vector<FlowRecord> batch;
  batch.reserve(8192);
  std::uint64_t written = 0;
  auto emit = [&](const FlowRecord& r) {
    if (written >= total) return;
    batch.push_back(r);
    ++written;
    if (batch.size() == batch.capacity()) {
      if (auto ok = (*w)->write(batch); !ok) {
        std::fprintf(stderr, "%s\n", ok.error().context.c_str());
        std::exit(1);
      }
      batch.clear();
    }
  };
  auto base = [&](const IpAddress& s, std::uint16_t sp, const IpAddress& d, std::uint16_t dp, std::uint8_t proto) {
    FlowRecord r;
    r.src_addr = s;
    r.dst_addr = d;
    r.src_port = sp;
    r.dst_port = dp;
    r.proto = proto;
    const unsigned e = static_cast<unsigned>(rng() % 2);
    r.exporter_addr = exporters[e];
    r.exporter_id = e + 1;
    r.input_if = 1 + e;
    r.output_if = 2 - e;
    return r;
  };
  // Long-lived records per second of data time; the short flows fill the rest of the budget.
  const double long_per_s = 2.0 * static_cast<double>(conns.size()) / 300.0;
  const double short_per_s = std::max(0.0, static_cast<double>(total) / static_cast<double>(seconds) - long_per_s);
  std::exponential_distribution<double> web_pkts(1.0 / 18.0), web_dur_s(1.0 / 4.0);
  for (std::int64_t t = 0; written < total; ++t) {  // runs a little past `seconds` if the Poisson draws fell short
    const std::int64_t now_ms = start_ms + t * 1000;
    // Short flows ending in this second: two records (one per direction) each.
    const std::uint64_t flows = poisson(rng, short_per_s / 2.0);
    for (std::uint64_t f = 0; f < flows; ++f) {
      const unsigned kind = static_cast<unsigned>(rng() % 100);
      const IpAddress c = campus_host(), s = outside();
      const auto cp = static_cast<std::uint16_t>(32768 + rng() % 28000);
      const std::int64_t end = now_ms + static_cast<std::int64_t>(rng() % 1000);
      if (kind < 40) {  // UDP: DNS (one packet each way) or QUIC
        const bool dns = kind < 25;
        const std::uint16_t sp = dns ? 53 : 443;
        const std::uint64_t pk = dns ? 1 : 2 + static_cast<std::uint64_t>(web_pkts(rng));
        const std::int64_t dur = dns ? static_cast<std::int64_t>(rng() % 80) : static_cast<std::int64_t>(web_dur_s(rng) * 1000);
        for (int dir = 0; dir < 2; ++dir) {
          FlowRecord r = dir == 0 ? base(c, cp, s, sp, xmr::proto_udp) : base(s, sp, c, cp, xmr::proto_udp);
          r.first_ms = end - dur;
          r.last_ms = end;
          r.pkts = dir == 0 ? pk : pk + pk / 2;
          r.bytes = r.pkts * (dns ? 60 + rng() % 200 : 80 + rng() % 1270);
          emit(r);
        }
      } else if (kind < 98) {  // TCP web: SYN..FIN in one record (6% cut by the inactive timeout)
        const bool cut = kind >= 92;
        const std::uint16_t sp = kind % 3 ? 443 : 80;
        const std::uint64_t pk = 3 + static_cast<std::uint64_t>(web_pkts(rng));
        const std::int64_t dur = static_cast<std::int64_t>(web_dur_s(rng) * 1000);
        for (int dir = 0; dir < 2; ++dir) {
          FlowRecord r = dir == 0 ? base(c, cp, s, sp, xmr::proto_tcp) : base(s, sp, c, cp, xmr::proto_tcp);
          r.first_ms = end - dur;
          r.last_ms = end;
          r.pkts = dir == 0 ? pk : pk * 2;
          r.bytes = dir == 0 ? r.pkts * (52 + rng() % 300) : r.pkts * (400 + rng() % 1100);
          r.tcp_flags = cut ? (xmr::tcp_flag::ack | xmr::tcp_flag::psh)
                            : (xmr::tcp_flag::syn | xmr::tcp_flag::ack | xmr::tcp_flag::psh | xmr::tcp_flag::fin);
          emit(r);
        }
      } else {  // ICMP echo
        for (int dir = 0; dir < 2; ++dir) {
          FlowRecord r = dir == 0 ? base(c, 0, s, 8 << 8, xmr::proto_icmp) : base(s, 0, c, 0, xmr::proto_icmp);
          r.first_ms = end - 3000;
          r.last_ms = end;
          r.pkts = 4;
          r.bytes = 4 * 84;
          emit(r);
        }
      }
    }
    // Long-lived connections cut by the active timeout at their phase.
    for (auto& c : conns) {
      if ((t % 300) != c.phase_s) continue;
      const std::int64_t first = std::max(start_ms, now_ms - active_timeout_ms + 1000);
      std::uint64_t pu = 0, bu = 0, pd = 0, bd = 0;
      if (c.miner) {
        const std::uint64_t jobs = poisson(rng, 2.5), shares = poisson(rng, c.shares_per_cut), keep = jobs + shares ? 0 : 1;
        pd = jobs + shares + keep;
        bd = jobs * (52 + 253 + rng() % 4) + (shares + keep) * (52 + 63);
        pu = shares + keep + jobs;  // the miner ACKs each job
        bu = shares * (52 + 183) + keep * (52 + 82) + jobs * 52;
      } else {
        const std::uint64_t m = poisson(rng, c.msgs_per_cut), r = poisson(rng, c.msgs_per_cut / 2);
        pu = m + r;
        bu = m * (52 + 20 + rng() % 400) + r * 52;
        pd = r + m;
        bd = r * (52 + 20 + rng() % 600) + m * 52;
      }
      const std::uint8_t flags = static_cast<std::uint8_t>((c.started ? 0 : xmr::tcp_flag::syn) | xmr::tcp_flag::ack | xmr::tcp_flag::psh);
      c.started = true;
      if (pu) {
        FlowRecord r = base(c.client, c.cport, c.server, c.sport, xmr::proto_tcp);
        r.exporter_addr = exporters[0];  // one router per long-lived connection
        r.exporter_id = 1;
        r.first_ms = first;
        r.last_ms = now_ms;
        r.pkts = pu;
        r.bytes = bu;
        r.tcp_flags = flags;
        emit(r);
      }
      if (pd) {
        FlowRecord r = base(c.server, c.sport, c.client, c.cport, xmr::proto_tcp);
        r.exporter_addr = exporters[0];
        r.exporter_id = 1;
        r.first_ms = first + 20;
        r.last_ms = now_ms;
        r.pkts = pd;
        r.bytes = bd;
        r.tcp_flags = flags;
        emit(r);
      }
    }
  }
  if (!batch.empty())
    if (auto ok = (*w)->write(batch); !ok) return 1;
  if (auto ok = (*w)->finish(); !ok) {
    std::fprintf(stderr, "%s\n", ok.error().context.c_str());
    return 1;
  }
  std::fprintf(stderr, "detect_campus_gen: %llu records, %lld s of data, %d long-lived connections, %d miners\n",
               static_cast<unsigned long long>(written), static_cast<long long>(seconds), n_long, n_miners);
  return written == total ? 0 : 1;
}
