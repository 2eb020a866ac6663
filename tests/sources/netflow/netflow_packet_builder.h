#pragma once
// Hand-built export packets for the decoder tests: big-endian writer with set-length patching.
// Layouts: Cisco v5 format, RFC 3954 §5 (v9), RFC 7011 §3 (IPFIX).
#include <cstdint>
#include <vector>

namespace xmr::test {

struct Packet {
  std::vector<std::uint8_t> b;
  std::size_t set_start = 0;
  Packet& u8(std::uint64_t v) { b.push_back(static_cast<std::uint8_t>(v)); return *this; }
  Packet& u16(std::uint64_t v) { u8(v >> 8); return u8(v); }
  Packet& u32(std::uint64_t v) { u16(v >> 16); return u16(v); }
  Packet& u64(std::uint64_t v) { u32(v >> 32); return u32(v); }
  Packet& v9_header(std::uint32_t uptime_ms, std::uint32_t unix_s, std::uint32_t seq, std::uint32_t source_id) {
    return u16(9).u16(0).u32(uptime_ms).u32(unix_s).u32(seq).u32(source_id);
  }
  Packet& ipfix_header(std::uint32_t export_s, std::uint32_t seq, std::uint32_t domain) {
    return u16(10).u16(0).u32(export_s).u32(seq).u32(domain);
  }
  Packet& begin_set(std::uint16_t id) { set_start = b.size(); return u16(id).u16(0); }
  Packet& end_set() {
    const std::size_t len = b.size() - set_start;
    b[set_start + 2] = static_cast<std::uint8_t>(len >> 8);
    b[set_start + 3] = static_cast<std::uint8_t>(len);
    return *this;
  }
  // IPFIX message length field (bytes 2-3) = whole packet.
  Packet& finish_ipfix() {
    b[2] = static_cast<std::uint8_t>(b.size() >> 8);
    b[3] = static_cast<std::uint8_t>(b.size());
    return *this;
  }
};

}  // namespace xmr::test
