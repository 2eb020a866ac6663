#pragma once
// Payload sizes of Stratum messages as one TCP segment each carries them (newline-delimited
// JSON-RPC, one message per segment with PSH). Ranges, in bytes of TCP payload, plaintext.
// Sources: shared/design/xmr-ray.md ("Stratum, as the flow records see it"), checked against
// XMRig 6.x src/base/net/stratum/Client.cpp (login/submit/keepalived), nodejs-pool and the
// plaintext sessions in shared/data/pcap (peafowl_monero_xmrstak.pcap: xmr-stak + pool on 9050).
#include <cstdint>

namespace xmr {

struct SizeRange {
  std::uint32_t min_bytes;
  std::uint32_t max_bytes;
  constexpr std::uint32_t mid() const noexcept { return (min_bytes + max_bytes) / 2; }
  constexpr bool contains(std::int64_t n) const noexcept { return n >= min_bytes && n <= max_bytes; }
};

struct StratumDialect {
  const char* name;
  SizeRange job;        // pool -> miner push (Monero `job`, v1 `mining.notify`)
  SizeRange result;     // pool -> miner reply to a submit or keepalive ({"status":"OK"})
  SizeRange submit;     // miner -> pool share
  SizeRange keepalive;  // miner -> pool `keepalived`
};

// Monero Stratum (XMRig, xmr-stak, nodejs-pool, p2pool): job 250-450 B, result 55-80 B,
// submit 180-260 B, keepalived 70-100 B (xmr-ray.md table).
inline constexpr StratumDialect monero_stratum{"monero", {250, 450}, {55, 80}, {180, 260}, {70, 100}};

// TLS adds a near-constant 22-29 B per record (5 B header + AEAD tag and nonce, TLS 1.2/1.3).
inline constexpr SizeRange tls_record_overhead{22, 29};

}  // namespace xmr
