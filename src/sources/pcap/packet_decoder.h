#pragma once
// Packet decoder: one captured frame (link header + IP + transport) -> the few header fields a
// flow meter needs. Pure function of its inputs; no state, no allocation, every read checked
// through ByteReader. The meter (flow_meter.h) never sees link layers; the pcap reader
// (pcap_reader.h) never sees IP. See docs/formats/pcap.md.
#include <cstdint>
#include <span>
#include <string_view>

#include "core/ip_address.h"

namespace xmr {

// Link-layer header types as libpcap's pcap_datalink() returns them (pcap/dlt.h, libpcap 1.10;
// numbers also listed at https://www.tcpdump.org/linktypes.html).
namespace link_type {
inline constexpr int null_bsd = 0;        // DLT_NULL: 4-byte address family in the capturer's byte order
inline constexpr int ethernet = 1;        // DLT_EN10MB
inline constexpr int raw = 12;            // DLT_RAW on Linux/most (LINKTYPE_RAW 101 is mapped to it)
inline constexpr int raw_openbsd = 14;    // DLT_RAW on OpenBSD
inline constexpr int raw_linktype = 101;  // LINKTYPE_RAW, in case a libpcap hands it through unmapped
inline constexpr int loop = 108;          // DLT_LOOP: like NULL but the family is in network order
inline constexpr int linux_sll = 113;     // DLT_LINUX_SLL: 16-byte cooked header
inline constexpr int ipv4 = 228;          // DLT_IPV4
inline constexpr int ipv6 = 229;          // DLT_IPV6
inline constexpr int linux_sll2 = 276;    // DLT_LINUX_SLL2: 20-byte cooked header
}  // namespace link_type

bool is_supported_link_type(int dlt) noexcept;

// What the meter needs from one packet.
struct PacketHeaders {
  IpAddress src_addr;
  IpAddress dst_addr;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;  // ICMP/ICMPv6: type << 8 | code, as NetFlow exporters do
  std::uint8_t proto = 0;
  std::uint8_t tcp_flags = 0;
  std::uint8_t tos = 0;          // IPv4 TOS byte / IPv6 traffic class
  std::uint64_t l3_bytes = 0;    // IPv4 total length / IPv6 40 + payload length (what nfpcapd counts)
  bool fragment = false;         // IPv4/IPv6 fragment (first or later)
  // IPv4 fragment bookkeeping (RFC 791 3.1), for Ipv4Reassembly; meaningful if fragment && v4.
  bool ipv4 = false;
  bool more_fragments = false;
  std::uint16_t ip_id = 0;
  std::uint16_t ip_header_bytes = 0;
  std::uint32_t fragment_offset_bytes = 0;
};

enum class DecodeStatus {
  ok,
  not_ip,     // a well-formed frame that carries no IPv4/IPv6 (ARP, LLDP, ...): ignored, not an error
  snapped,    // captured part too short for the headers we need
  malformed,  // an impossible header field (IP version, header length, total length)
};

struct DecodeResult {
  DecodeStatus status = DecodeStatus::malformed;
  std::string_view message;  // static text, set unless ok
};

// `captured` is the captured part of the frame (caplen bytes); `wire_len` its length on the
// wire (>= captured.size() in a sane file). Fills `out` when the status is ok.
DecodeResult decode_packet(int dlt, std::span<const std::uint8_t> captured, std::uint32_t wire_len,
                           PacketHeaders& out) noexcept;

}  // namespace xmr
