#include "sources/pcap/packet_decoder.h"

#include "core/byte_reader.h"
#include "core/flow_record.h"

namespace xmr {
namespace {

// EtherTypes (IEEE 802 numbers registry; IANA "ieee-802-numbers").
constexpr std::uint16_t ethertype_ipv4 = 0x0800;
constexpr std::uint16_t ethertype_ipv6 = 0x86DD;
constexpr std::uint16_t ethertype_vlan = 0x8100;   // IEEE 802.1Q C-tag
constexpr std::uint16_t ethertype_qinq = 0x88A8;   // IEEE 802.1ad S-tag
constexpr std::uint16_t ethertype_qinq_old = 0x9100;  // pre-standard QinQ, still seen
constexpr std::uint16_t ethertype_min = 0x0600;    // below: an IEEE 802.3 length field, not a type
constexpr int max_vlan_tags = 8;                   // a bound for hostile input; real stacks have <= 2

// Address families in DLT_NULL/DLT_LOOP headers (pcap/dlt.h comment for DLT_NULL, libpcap 1.10;
// tcpdump.org/linktypes.html LINKTYPE_NULL): IPv4 is 2 everywhere, IPv6 differs per OS.
constexpr std::uint32_t af_inet = 2;
constexpr std::uint32_t af_inet6_linux = 10, af_inet6_bsd = 24, af_inet6_freebsd = 28,
                        af_inet6_darwin = 30;

// Header sizes: Ethernet II 14; Linux cooked SLL 16 (protocol at 14), SLL2 20 (protocol at 0)
// (tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html, LINKTYPE_LINUX_SLL2.html).
constexpr std::size_t ethernet_header = 14, sll_header = 16, sll2_header = 20, null_header = 4;

// IP protocol numbers (IANA "protocol-numbers"); IPv6 extension headers RFC 8200 section 4.
constexpr std::uint8_t ip6_hop_by_hop = 0, ip6_routing = 43, ip6_fragment = 44, ip6_esp = 50,
                       ip6_ah = 51, ip6_no_next = 59, ip6_dest_opts = 60, ip6_mobility = 135,
                       ip6_hip = 139, ip6_shim6 = 140;
constexpr int max_ext_headers = 16;  // a bound for hostile input

constexpr std::uint8_t proto_sctp = 132;
constexpr std::uint8_t proto_udplite = 136;

DecodeResult fail(DecodeStatus s, std::string_view msg) { return {s, msg}; }

IpAddress v6_at(const std::uint8_t* p) { return IpAddress::from_v6(p); }

// Ports / flags / ICMP type+code from the transport header. `r` starts at the transport header.
DecodeResult decode_transport(ByteReader r, PacketHeaders& out) {
  switch (out.proto) {
    case proto_tcp: {
      // RFC 9293 3.1: ports at 0 and 2, flags in byte 13. A packet snapped right after the
      // flags still meters correctly, so 14 bytes are enough.
      if (r.remaining() < 14) return fail(DecodeStatus::snapped, "TCP header snapped before the flags");
      out.src_port = *r.be16();
      out.dst_port = *r.be16();
      r.skip(9);
      out.tcp_flags = *r.u8();
      return {DecodeStatus::ok, {}};
    }
    case proto_udp:
    case proto_sctp:
    case proto_udplite:
      // RFC 768 / RFC 9260 3.1 / RFC 3828: source and destination port are the first 4 bytes.
      if (r.remaining() < 4) return fail(DecodeStatus::snapped, "transport header snapped before the ports");
      out.src_port = *r.be16();
      out.dst_port = *r.be16();
      return {DecodeStatus::ok, {}};
    case proto_icmp:
    case proto_icmp6: {
      // RFC 792 / RFC 4443 2.1: type, code. NetFlow puts type << 8 | code in the dst port.
      if (r.remaining() < 2) return fail(DecodeStatus::snapped, "ICMP header snapped before type/code");
      const std::uint8_t type = *r.u8();
      const std::uint8_t code = *r.u8();
      out.dst_port = static_cast<std::uint16_t>(type << 8 | code);
      return {DecodeStatus::ok, {}};
    }
    default:
      return {DecodeStatus::ok, {}};  // no ports for other protocols, like NetFlow
  }
}

// `link_len`: bytes of the wire frame before the IP header (to check IP lengths against the wire).
DecodeResult decode_ipv4(ByteReader r, std::uint64_t wire_ip_len, PacketHeaders& out) {
  // RFC 791 3.1.
  if (r.remaining() < 20) return fail(DecodeStatus::snapped, "IPv4 header snapped");
  const std::uint8_t* h = r.current();
  if ((h[0] >> 4) != 4) return fail(DecodeStatus::malformed, "IP version is not 4");
  const std::size_t ihl = static_cast<std::size_t>(h[0] & 0x0F) * 4;
  if (ihl < 20) return fail(DecodeStatus::malformed, "IPv4 header length below 20 bytes");
  const std::uint16_t total = static_cast<std::uint16_t>(h[2] << 8 | h[3]);
  if (total < ihl) return fail(DecodeStatus::malformed, "IPv4 total length smaller than its header");
  if (total > wire_ip_len) return fail(DecodeStatus::malformed, "IPv4 total length exceeds the frame");
  if (r.remaining() < ihl) return fail(DecodeStatus::snapped, "IPv4 options snapped");
  out.tos = h[1];
  out.l3_bytes = total;
  out.proto = h[9];
  out.src_addr = IpAddress::from_v4(static_cast<std::uint32_t>(h[12]) << 24 | h[13] << 16 | h[14] << 8 | h[15]);
  out.dst_addr = IpAddress::from_v4(static_cast<std::uint32_t>(h[16]) << 24 | h[17] << 16 | h[18] << 8 | h[19]);
  const std::uint16_t frag = static_cast<std::uint16_t>(h[6] << 8 | h[7]);
  const bool more_fragments = (frag & 0x2000) != 0;
  const std::uint16_t offset = frag & 0x1FFF;
  out.fragment = more_fragments || offset != 0;
  out.ipv4 = true;
  out.more_fragments = more_fragments;
  out.ip_id = static_cast<std::uint16_t>(h[4] << 8 | h[5]);
  out.ip_header_bytes = static_cast<std::uint16_t>(ihl);
  out.fragment_offset_bytes = static_cast<std::uint32_t>(offset) * 8;
  if (offset != 0) return {DecodeStatus::ok, {}};  // later fragment: no transport header, ports 0
  r.skip(ihl);
  // The transport header ends where the IP datagram ends, not where the frame does (padding).
  const std::size_t in_datagram = total - ihl;
  const std::size_t avail = r.remaining() < in_datagram ? r.remaining() : in_datagram;
  return decode_transport(*r.sub(avail), out);
}

DecodeResult decode_ipv6(ByteReader r, std::uint64_t wire_ip_len, PacketHeaders& out) {
  // RFC 8200 3.
  if (r.remaining() < 40) return fail(DecodeStatus::snapped, "IPv6 header snapped");
  const std::uint8_t* h = r.current();
  if ((h[0] >> 4) != 6) return fail(DecodeStatus::malformed, "IP version is not 6");
  out.tos = static_cast<std::uint8_t>((h[0] & 0x0F) << 4 | h[1] >> 4);
  const std::uint16_t payload = static_cast<std::uint16_t>(h[4] << 8 | h[5]);
  // Payload length 0 means a jumbogram (RFC 2675); count what the wire carried then.
  out.l3_bytes = payload != 0 ? 40u + payload : wire_ip_len;
  if (out.l3_bytes > wire_ip_len) return fail(DecodeStatus::malformed, "IPv6 payload length exceeds the frame");
  std::uint8_t next = h[6];
  out.src_addr = v6_at(h + 8);
  out.dst_addr = v6_at(h + 24);
  r.skip(40);
  for (int i = 0; i < max_ext_headers; ++i) {
    switch (next) {
      case ip6_hop_by_hop:
      case ip6_routing:
      case ip6_dest_opts:
      case ip6_mobility:
      case ip6_hip:
      case ip6_shim6: {
        // RFC 8200 4.3-4.6: next header, length in 8-octet units not counting the first 8.
        if (r.remaining() < 2) return fail(DecodeStatus::snapped, "IPv6 extension header snapped");
        const std::uint8_t nh = r.current()[0];
        const std::size_t len = (static_cast<std::size_t>(r.current()[1]) + 1) * 8;
        if (!r.skip(len)) return fail(DecodeStatus::snapped, "IPv6 extension header snapped");
        next = nh;
        break;
      }
      case ip6_ah: {
        // RFC 4302 2.2: payload length in 4-octet units, minus 2.
        if (r.remaining() < 2) return fail(DecodeStatus::snapped, "IPv6 AH header snapped");
        const std::uint8_t nh = r.current()[0];
        const std::size_t len = (static_cast<std::size_t>(r.current()[1]) + 2) * 4;
        if (!r.skip(len)) return fail(DecodeStatus::snapped, "IPv6 AH header snapped");
        next = nh;
        break;
      }
      case ip6_fragment: {
        // RFC 8200 4.5: 8 bytes; offset in the top 13 bits of bytes 2-3.
        if (r.remaining() < 8) return fail(DecodeStatus::snapped, "IPv6 fragment header snapped");
        const std::uint8_t nh = r.current()[0];
        const std::uint16_t off = static_cast<std::uint16_t>(r.current()[2] << 8 | r.current()[3]);
        out.fragment = true;
        r.skip(8);
        next = nh;
        if ((off & 0xFFF8) != 0) {  // later fragment: the transport header is not here
          out.proto = next;
          return {DecodeStatus::ok, {}};
        }
        break;
      }
      case ip6_esp:
      case ip6_no_next:
      default:
        out.proto = next;
        return decode_transport(r, out);
    }
  }
  return fail(DecodeStatus::malformed, "too many IPv6 extension headers");
}

DecodeResult decode_ip_by_version(ByteReader r, std::uint64_t wire_ip_len, PacketHeaders& out) {
  if (r.remaining() < 1) return fail(DecodeStatus::snapped, "IP header snapped");
  switch (r.current()[0] >> 4) {
    case 4: return decode_ipv4(r, wire_ip_len, out);
    case 6: return decode_ipv6(r, wire_ip_len, out);
    default: return fail(DecodeStatus::malformed, "IP version is neither 4 nor 6");
  }
}

DecodeResult decode_by_ethertype(std::uint16_t type, ByteReader r, std::uint64_t wire_ip_len, PacketHeaders& out) {
  if (type == ethertype_ipv4) return decode_ipv4(r, wire_ip_len, out);
  if (type == ethertype_ipv6) return decode_ipv6(r, wire_ip_len, out);
  return fail(DecodeStatus::not_ip, "not an IP packet");
}

DecodeResult decode_by_family(std::uint32_t family, ByteReader r, std::uint64_t wire_ip_len, PacketHeaders& out) {
  if (family == af_inet) return decode_ipv4(r, wire_ip_len, out);
  if (family == af_inet6_linux || family == af_inet6_bsd || family == af_inet6_freebsd ||
      family == af_inet6_darwin)
    return decode_ipv6(r, wire_ip_len, out);
  return fail(DecodeStatus::not_ip, "not an IP packet");
}

}  // namespace

bool is_supported_link_type(int dlt) noexcept {
  switch (dlt) {
    case link_type::null_bsd:
    case link_type::ethernet:
    case link_type::raw:
    case link_type::raw_openbsd:
    case link_type::raw_linktype:
    case link_type::loop:
    case link_type::linux_sll:
    case link_type::ipv4:
    case link_type::ipv6:
    case link_type::linux_sll2:
      return true;
    default:
      return false;
  }
}

DecodeResult decode_packet(int dlt, std::span<const std::uint8_t> captured, std::uint32_t wire_len,
                           PacketHeaders& out) noexcept {
  out = PacketHeaders{};
  ByteReader r(captured);
  // Bytes of the wire frame left after the link header: the most an honest IP length can say.
  auto wire_after = [&](std::size_t link_len) -> std::uint64_t {
    return wire_len > link_len ? wire_len - link_len : 0;
  };
  switch (dlt) {
    case link_type::ethernet: {
      if (r.remaining() < ethernet_header) return fail(DecodeStatus::snapped, "Ethernet header snapped");
      r.skip(12);
      std::uint16_t type = *r.be16();
      std::size_t link_len = ethernet_header;
      for (int tags = 0; type == ethertype_vlan || type == ethertype_qinq || type == ethertype_qinq_old; ++tags) {
        if (tags == max_vlan_tags) return fail(DecodeStatus::malformed, "too many VLAN tags");
        // IEEE 802.1Q 9.6: 2 bytes TCI, then the next EtherType.
        if (r.remaining() < 4) return fail(DecodeStatus::snapped, "VLAN tag snapped");
        r.skip(2);
        type = *r.be16();
        link_len += 4;
      }
      if (type < ethertype_min) return fail(DecodeStatus::not_ip, "not an IP packet");
      return decode_by_ethertype(type, r, wire_after(link_len), out);
    }
    case link_type::linux_sll: {
      if (r.remaining() < sll_header) return fail(DecodeStatus::snapped, "Linux cooked (SLL) header snapped");
      r.skip(14);
      const std::uint16_t type = *r.be16();
      return decode_by_ethertype(type, r, wire_after(sll_header), out);
    }
    case link_type::linux_sll2: {
      if (r.remaining() < sll2_header) return fail(DecodeStatus::snapped, "Linux cooked (SLL2) header snapped");
      const std::uint16_t type = *r.be16();
      r.skip(sll2_header - 2);
      return decode_by_ethertype(type, r, wire_after(sll2_header), out);
    }
    case link_type::null_bsd: {
      if (r.remaining() < null_header) return fail(DecodeStatus::snapped, "NULL/loopback header snapped");
      // Written in the capturing host's byte order; family values are small, so a value with
      // high bits set was written by the other byte order.
      std::uint32_t family = *r.le32();
      if (family > 0xFFFF) family = __builtin_bswap32(family);
      return decode_by_family(family, r, wire_after(null_header), out);
    }
    case link_type::loop: {
      if (r.remaining() < null_header) return fail(DecodeStatus::snapped, "LOOP header snapped");
      return decode_by_family(*r.be32(), r, wire_after(null_header), out);
    }
    case link_type::raw:
    case link_type::raw_openbsd:
    case link_type::raw_linktype:
      return decode_ip_by_version(r, wire_len, out);
    case link_type::ipv4:
      return decode_ipv4(r, wire_len, out);
    case link_type::ipv6:
      return decode_ipv6(r, wire_len, out);
    default:
      return fail(DecodeStatus::malformed, "unsupported link type");
  }
}

}  // namespace xmr
