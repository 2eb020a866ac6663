#pragma once
// Helpers for the pcap tests: a minimal classic-pcap reader/writer (independent of the code
// under test, so fixtures can be built and rewritten), packet builders, a link-type rewriter,
// and the nfpcapd + nfdump oracle. Header-only: only *_test.cpp files are compiled.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "core/flow_record.h"
#include "support/test_support.h"

namespace xmr::test::pcap {

struct Packet {
  std::uint32_t sec = 0, frac = 0;  // frac: micro- or nanoseconds per File::nano
  std::uint32_t wire_len = 0;
  std::string data;  // captured bytes
};

struct File {
  std::uint32_t link_type = 1;
  bool nano = false;
  std::uint32_t snaplen = 262144;
  std::vector<Packet> packets;
};

inline std::uint32_t get32(const std::string& s, std::size_t at, bool swap) {
  std::uint32_t v;
  std::memcpy(&v, s.data() + at, 4);
  return swap ? __builtin_bswap32(v) : v;
}
inline void put32(std::string& s, std::uint32_t v) { s.append(reinterpret_cast<const char*>(&v), 4); }
inline void put16(std::string& s, std::uint16_t v) { s.append(reinterpret_cast<const char*>(&v), 2); }
inline void be16(std::string& s, std::uint16_t v) {
  s.push_back(static_cast<char>(v >> 8));
  s.push_back(static_cast<char>(v & 0xFF));
}

// Classic pcap (pcap-savefile(5)), either byte order, us or ns. pcapng: convert with editcap first.
inline File read_pcap_file(const std::filesystem::path& p) {
  const std::string s = read_file(p);
  File f;
  EXPECT_GE(s.size(), 24u) << p;
  if (s.size() < 24) return f;
  const std::uint32_t magic = get32(s, 0, false);
  bool swap = false;
  if (magic == 0xA1B2C3D4 || magic == 0xA1B23C4D) swap = false;
  else if (__builtin_bswap32(magic) == 0xA1B2C3D4 || __builtin_bswap32(magic) == 0xA1B23C4D) swap = true;
  else ADD_FAILURE() << p << ": not a classic pcap";
  f.nano = (swap ? __builtin_bswap32(magic) : magic) == 0xA1B23C4D;
  f.snaplen = get32(s, 16, swap);
  f.link_type = get32(s, 20, swap) & 0x0FFFFFFF;
  std::size_t at = 24;
  while (at + 16 <= s.size()) {
    Packet k;
    k.sec = get32(s, at, swap);
    k.frac = get32(s, at + 4, swap);
    const std::uint32_t caplen = get32(s, at + 8, swap);
    k.wire_len = get32(s, at + 12, swap);
    at += 16;
    if (caplen > s.size() - at) break;
    k.data = s.substr(at, caplen);
    at += caplen;
    f.packets.push_back(std::move(k));
  }
  return f;
}

inline std::string pcap_bytes(const File& f) {
  std::string s;
  put32(s, f.nano ? 0xA1B23C4D : 0xA1B2C3D4);
  put16(s, 2);
  put16(s, 4);
  put32(s, 0);
  put32(s, 0);
  put32(s, f.snaplen);
  put32(s, f.link_type);
  for (const Packet& k : f.packets) {
    put32(s, k.sec);
    put32(s, k.frac);
    put32(s, static_cast<std::uint32_t>(k.data.size()));
    put32(s, k.wire_len);
    s += k.data;
  }
  return s;
}
inline void write_pcap_file(const std::filesystem::path& p, const File& f) { write_file(p, pcap_bytes(f)); }

// ---- packet builders (network byte order) ----
inline std::string tcp(std::uint16_t sport, std::uint16_t dport, std::uint8_t flags, std::size_t payload = 0) {
  std::string s;
  be16(s, sport);
  be16(s, dport);
  s.append(8, '\0');                // seq, ack
  s.push_back(0x50);                // data offset 5
  s.push_back(static_cast<char>(flags));
  be16(s, 65535);
  s.append(4, '\0');                // checksum, urgent
  s.append(payload, 'x');
  return s;
}
inline std::string udp(std::uint16_t sport, std::uint16_t dport, std::size_t payload = 0) {
  std::string s;
  be16(s, sport);
  be16(s, dport);
  be16(s, static_cast<std::uint16_t>(8 + payload));
  be16(s, 0);
  s.append(payload, 'u');
  return s;
}
inline std::string icmp(std::uint8_t type, std::uint8_t code, std::size_t payload = 4) {
  std::string s;
  s.push_back(static_cast<char>(type));
  s.push_back(static_cast<char>(code));
  s.append(2 + payload, '\0');
  return s;
}
inline std::string ipv4(std::uint32_t src, std::uint32_t dst, std::uint8_t proto, const std::string& l4,
                        std::uint8_t tos = 0, std::uint16_t frag = 0) {
  std::string s;
  s.push_back(0x45);
  s.push_back(static_cast<char>(tos));
  be16(s, static_cast<std::uint16_t>(20 + l4.size()));
  be16(s, 1);
  be16(s, frag);
  s.push_back(64);
  s.push_back(static_cast<char>(proto));
  be16(s, 0);
  be16(s, static_cast<std::uint16_t>(src >> 16));
  be16(s, static_cast<std::uint16_t>(src));
  be16(s, static_cast<std::uint16_t>(dst >> 16));
  be16(s, static_cast<std::uint16_t>(dst));
  return s + l4;
}
// `ext`: extension header bytes placed between the fixed header and `l4`; `first_next` the
// Next Header of the fixed header when `ext` is not empty.
inline std::string ipv6(std::uint8_t last_byte_src, std::uint8_t last_byte_dst, std::uint8_t proto,
                        const std::string& l4, const std::string& ext = {}, std::uint8_t first_next = 0,
                        std::uint8_t tclass = 0) {
  std::string s;
  s.push_back(static_cast<char>(0x60 | tclass >> 4));
  s.push_back(static_cast<char>((tclass & 0x0F) << 4));
  be16(s, 0);
  be16(s, static_cast<std::uint16_t>(ext.size() + l4.size()));
  s.push_back(static_cast<char>(ext.empty() ? proto : first_next));
  s.push_back(64);
  std::string a(16, '\0');
  a[0] = '\x20';
  a[1] = '\x01';
  a[15] = static_cast<char>(last_byte_src);
  s += a;
  a[15] = static_cast<char>(last_byte_dst);
  s += a;
  return s + ext + l4;
}
inline std::string ethernet(std::uint16_t type, const std::string& l3) {
  std::string s(12, '\x02');
  be16(s, type);
  return s + l3;
}
inline Packet packet(std::uint32_t sec, std::uint32_t usec, std::string frame) {
  Packet k;
  k.sec = sec;
  k.frac = usec;
  k.wire_len = static_cast<std::uint32_t>(frame.size());
  k.data = std::move(frame);
  return k;
}

// ---- link-type rewriting ----
enum class Link { sll, sll2, raw, ipv4_only, null_le, null_be, loop, vlan, qinq };

// Rewrites an Ethernet capture into `to`. Frames that the target cannot carry (non-IP on a raw
// link) are dropped; `kept` receives, per output packet, the 1-based number of the input packet.
inline File rewrite_link(const File& eth, Link to, std::vector<std::uint64_t>& kept) {
  File out;
  out.nano = eth.nano;
  out.snaplen = eth.snaplen + 8;
  switch (to) {
    case Link::sll: out.link_type = 113; break;       // LINKTYPE_LINUX_SLL
    case Link::sll2: out.link_type = 276; break;      // LINKTYPE_LINUX_SLL2
    case Link::raw: out.link_type = 101; break;       // LINKTYPE_RAW
    case Link::ipv4_only: out.link_type = 228; break; // LINKTYPE_IPV4
    case Link::null_le:
    case Link::null_be: out.link_type = 0; break;     // LINKTYPE_NULL
    case Link::loop: out.link_type = 108; break;      // LINKTYPE_LOOP
    case Link::vlan:
    case Link::qinq: out.link_type = 1; break;
  }
  kept.clear();
  for (std::size_t i = 0; i < eth.packets.size(); ++i) {
    const Packet& in = eth.packets[i];
    if (in.data.size() < 14) continue;
    const std::uint16_t type = static_cast<std::uint16_t>(static_cast<std::uint8_t>(in.data[12]) << 8 |
                                                          static_cast<std::uint8_t>(in.data[13]));
    const std::string l3 = in.data.substr(14);
    const bool v4 = type == 0x0800, v6 = type == 0x86DD;
    std::string hdr;
    switch (to) {
      case Link::sll:
        be16(hdr, 0);           // packet type: to us
        be16(hdr, 1);           // ARPHRD_ETHER
        be16(hdr, 6);           // address length
        hdr += in.data.substr(6, 6) + std::string(2, '\0');
        be16(hdr, type);
        break;
      case Link::sll2:
        be16(hdr, type);
        be16(hdr, 0);           // reserved
        hdr.append(4, '\0');    // interface index
        be16(hdr, 1);           // ARPHRD_ETHER
        hdr.push_back(0);       // packet type
        hdr.push_back(6);       // address length
        hdr += in.data.substr(6, 6) + std::string(2, '\0');
        break;
      case Link::raw:
        if (!v4 && !v6) continue;
        break;
      case Link::ipv4_only:
        if (!v4) continue;
        break;
      case Link::null_le:
      case Link::null_be:
      case Link::loop: {
        if (!v4 && !v6) continue;
        std::uint32_t fam = v4 ? 2 : (to == Link::null_le ? 10 : 24);
        if (to != Link::null_le) fam = __builtin_bswap32(fam);  // written big-endian
        put32(hdr, fam);
        break;
      }
      case Link::vlan:
        hdr = in.data.substr(0, 12);
        be16(hdr, 0x8100);
        be16(hdr, 42);
        be16(hdr, type);
        break;
      case Link::qinq:
        hdr = in.data.substr(0, 12);
        be16(hdr, 0x88A8);
        be16(hdr, 7);
        be16(hdr, 0x8100);
        be16(hdr, 42);
        be16(hdr, type);
        break;
    }
    Packet k = in;
    k.data = hdr + l3;
    k.wire_len = static_cast<std::uint32_t>(in.wire_len - 14 + hdr.size());
    out.packets.push_back(std::move(k));
    kept.push_back(i + 1);
  }
  return out;
}

// ---- the nfpcapd oracle ----
struct OracleRecord {
  std::int64_t first_ms = 0, last_ms = 0;
  std::uint8_t proto = 0;
  IpAddress src, dst;
  std::uint16_t src_port = 0, dst_port = 0;
  std::uint64_t pkts = 0, bytes = 0;
  std::string flags;
};

inline std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(' ');
  const auto e = s.find_last_not_of(' ');
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// "2017-12-25 10:01:34.240" (UTC: the suite pins TZ=UTC) -> epoch ms.
inline std::int64_t parse_nfdump_time(const std::string& t) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(t.c_str(), "%d-%d-%d %d:%d:%d.%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec, &ms) != 7)
    ADD_FAILURE() << "bad nfdump time " << t;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + ms;
}

// Runs nfpcapd over `pcap` with the given timeouts and lists its flows with nfdump. `-B 65536`:
// a node cache of 64k flows instead of the 512k default, which nfpcapd spends ~0.6 s setting
// up per run; every test capture has far fewer concurrent flows.
inline std::vector<OracleRecord> run_nfpcapd(const std::filesystem::path& pcap, unsigned active_s, unsigned inactive_s) {
  TempDir dir;
  const std::string cmd = "nfpcapd -r " + sh_quote(pcap.string()) + " -w " + sh_quote(dir.path().string()) +
                          " -e " + std::to_string(active_s) + "," + std::to_string(inactive_s) + " -B 65536";
  const CommandResult r = run(cmd);
  EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << r.err << r.out;
  const CommandResult l = run("nfdump -R " + sh_quote(dir.path().string()) +
                              " -q -N -6 -o 'fmt:%ts|%te|%pr|%sa|%sp|%da|%dp|%pkt|%byt|%flg'");
  EXPECT_EQ(l.exit_code, 0) << l.err;
  std::vector<OracleRecord> out;
  std::istringstream in(l.out);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    std::string cell;
    while (std::getline(ls, cell, '|')) f.push_back(trim(cell));
    if (f.size() != 10) {
      ADD_FAILURE() << "unexpected nfdump line: " << line;
      continue;
    }
    OracleRecord o;
    o.first_ms = parse_nfdump_time(f[0]);
    o.last_ms = parse_nfdump_time(f[1]);
    o.proto = static_cast<std::uint8_t>(std::stoi(f[2]));
    const auto sa = IpAddress::parse(f[3]), da = IpAddress::parse(f[5]);
    EXPECT_TRUE(sa && da) << line;
    if (sa) o.src = *sa;
    if (da) o.dst = *da;
    // nfdump prints ICMP type.code in the port column; -N keeps ports numeric.
    auto port = [](const std::string& p) -> std::uint16_t {
      const auto dot = p.find('.');
      if (dot == std::string::npos) return static_cast<std::uint16_t>(std::stoul(p));
      return static_cast<std::uint16_t>(std::stoul(p.substr(0, dot)) << 8 | std::stoul(p.substr(dot + 1)));
    };
    o.src_port = port(f[4]);
    o.dst_port = port(f[6]);
    o.pkts = std::stoull(f[7]);
    o.bytes = std::stoull(f[8]);
    o.flags = f[9];
    out.push_back(o);
  }
  return out;
}

}  // namespace xmr::test::pcap
