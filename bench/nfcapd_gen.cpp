// Bench-only generator: writes N realistic, varied flow records to an nfcapd file with our writer.
// Usage: nfcapd_gen OUT N [compression] [seed]
// The mix imitates a campus border: mostly TCP (web, TLS, some Stratum-like long flows), UDP
// (DNS, QUIC), a little ICMP; IPv4 and ~20% IPv6; a few exporters; heavy-tailed packet counts.
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "sinks/nfcapd_writer.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT N [none|lzo|lz4|bz2|zstd] [seed]\n", argv[0]);
    return 2;
  }
  const std::string out = argv[1];
  const std::uint64_t n = std::strtoull(argv[2], nullptr, 10);
  auto comp = xmr::parse_nfcapd_compression(argc > 3 ? argv[3] : "lz4");
  if (!comp) {
    std::fprintf(stderr, "unknown compression\n");
    return 2;
  }
  std::mt19937_64 rng(argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 1);
  auto w = xmr::open_nfcapd_writer(out, {*comp, "xmr-ray bench"});
  if (!w) {
    std::fprintf(stderr, "%s\n", w.error().context.c_str());
    return 1;
  }
  const xmr::IpAddress exporters[] = {xmr::IpAddress::from_v4(0x0a000001), xmr::IpAddress::from_v4(0x0a000002),
                                      *xmr::IpAddress::parse("2001:db8::1")};
  const std::uint16_t tcp_ports[] = {443, 443, 443, 80, 22, 3333, 5555, 7777, 14444, 8080};
  std::vector<xmr::FlowRecord> batch;
  batch.reserve(4096);
  std::int64_t clock_ms = 1764000000000LL;  // 2025-11-24
  std::exponential_distribution<double> pkts_dist(1.0 / 20.0);
  for (std::uint64_t i = 0; i < n; ++i) {
    xmr::FlowRecord r;
    const unsigned kind = static_cast<unsigned>(rng() % 100);
    r.proto = kind < 70 ? xmr::proto_tcp : kind < 97 ? xmr::proto_udp : xmr::proto_icmp;
    const bool v6 = rng() % 5 == 0;
    if (v6) {
      std::uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, static_cast<std::uint8_t>(rng() % 16)};
      for (int k = 8; k < 16; ++k) a[k] = static_cast<std::uint8_t>(rng());
      r.src_addr = xmr::IpAddress::from_v6(a);
      a[7] ^= 0x80;
      a[15] = static_cast<std::uint8_t>(rng());
      r.dst_addr = xmr::IpAddress::from_v6(a);
      if (r.proto == xmr::proto_icmp) r.proto = xmr::proto_icmp6;
    } else {
      r.src_addr = xmr::IpAddress::from_v4(0x8d000000u | static_cast<std::uint32_t>(rng() % 65536));  // campus /16
      r.dst_addr = xmr::IpAddress::from_v4(static_cast<std::uint32_t>(rng()));
    }
    r.src_port = static_cast<std::uint16_t>(32768 + rng() % 28000);
    if (r.proto == xmr::proto_tcp) {
      r.dst_port = tcp_ports[rng() % 10];
      r.tcp_flags = static_cast<std::uint8_t>(0x18 | (rng() % 4 == 0 ? 0x03 : 0x01));
    } else if (r.proto == xmr::proto_udp) {
      r.dst_port = rng() % 2 ? 53 : 443;
    } else {
      r.dst_port = static_cast<std::uint16_t>(rng() % 2 ? 8 << 8 : 0);
    }
    if (rng() % 2) std::swap(r.src_addr, r.dst_addr), std::swap(r.src_port, r.dst_port);
    r.src_tos = rng() % 10 == 0 ? 0x28 : 0;
    clock_ms += static_cast<std::int64_t>(rng() % 3);
    r.first_ms = clock_ms - static_cast<std::int64_t>(rng() % 300000);
    r.last_ms = r.first_ms + static_cast<std::int64_t>(rng() % 120000);
    r.pkts = 1 + static_cast<std::uint64_t>(pkts_dist(rng)) * (rng() % 50 == 0 ? 1000 : 1);
    r.bytes = r.pkts * (40 + rng() % 1460);
    r.input_if = static_cast<std::uint32_t>(1 + rng() % 4);
    r.output_if = static_cast<std::uint32_t>(1 + rng() % 4);
    const unsigned e = static_cast<unsigned>(rng() % 3);
    r.exporter_addr = exporters[e];
    r.exporter_id = e + 1;
    batch.push_back(r);
    if (batch.size() == batch.capacity()) {
      if (auto ok = (*w)->write(batch); !ok) {
        std::fprintf(stderr, "%s\n", ok.error().context.c_str());
        return 1;
      }
      batch.clear();
    }
  }
  if (auto ok = (*w)->write(batch); !ok) return 1;
  if (auto ok = (*w)->finish(); !ok) {
    std::fprintf(stderr, "%s\n", ok.error().context.c_str());
    return 1;
  }
  return 0;
}
