#include "lab/live/capture.h"

#include <pcap/pcap.h>
#include <poll.h>

#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "lab/live/process.h"
#include "lab/pcap_writer.h"

namespace xmr::lab::live {

namespace {

struct Parsed {
  FourTuple key;  // as sent: "client" = source here
  bool tcp = false, syn = false, ack = false;
};

// Ethernet II (IEEE 802.3) -> IPv4 (RFC 791) / IPv6 (RFC 8200, no extension headers: the lab's
// kernels send none on TCP) -> TCP (RFC 9293) ports and flags.
Parsed parse_frame(const std::uint8_t* p, std::size_t n) {
  Parsed r;
  if (n < 14) return r;
  const unsigned ethertype = (p[12] << 8) | p[13];
  std::size_t off = 14;
  std::uint8_t proto = 0;
  if (ethertype == 0x0800 && n >= off + 20) {
    const std::size_t ihl = (p[off] & 0x0f) * 4u;
    proto = p[off + 9];
    auto v4 = [&](std::size_t at) {
      return IpAddress::from_v4((std::uint32_t(p[at]) << 24) | (std::uint32_t(p[at + 1]) << 16) | (std::uint32_t(p[at + 2]) << 8) | p[at + 3]);
    };
    r.key.client_ip = v4(off + 12);
    r.key.server_ip = v4(off + 16);
    off += ihl;
  } else if (ethertype == 0x86dd && n >= off + 40) {
    proto = p[off + 6];
    r.key.client_ip = IpAddress::from_v6(p + off + 8);
    r.key.server_ip = IpAddress::from_v6(p + off + 24);
    off += 40;
  } else {
    return r;
  }
  if (proto != 6 || n < off + 14) return r;
  r.tcp = true;
  r.key.client_port = static_cast<std::uint16_t>((p[off] << 8) | p[off + 1]);
  r.key.server_port = static_cast<std::uint16_t>((p[off + 2] << 8) | p[off + 3]);
  const std::uint8_t flags = p[off + 13];
  r.syn = flags & 0x02;
  r.ack = flags & 0x10;
  return r;
}

}  // namespace

Capture::~Capture() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

result<void> Capture::start(const std::string& netns, const std::string& ifname, const LiveClock& clock,
                            const std::filesystem::path& dir, std::uint64_t rotate_bytes) {
  clock_ = &clock;
  thread_ = std::thread([this, netns, ifname, dir, rotate_bytes] { run(netns, ifname, dir, rotate_bytes); });
  while (state_.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (state_.load() == 2) {
    thread_.join();
    return make_error(errc::io_error, error_);
  }
  return {};
}

void Capture::run(std::string netns, std::string ifname, std::filesystem::path dir, std::uint64_t rotate_bytes) {
  if (auto r = enter_netns(netns); !r) {
    error_ = r.error().context;
    state_ = 2;
    return;
  }
  char errbuf[PCAP_ERRBUF_SIZE] = {0};
  pcap_t* pc = pcap_create(ifname.c_str(), errbuf);
  auto fail = [&](const std::string& what) {
    error_ = fmt::format("capture on {} (netns {}): {}", ifname, netns, what);
    if (pc) pcap_close(pc);
    state_ = 2;
  };
  if (!pc) return fail(errbuf);
  // Whole frames (MTU 1500 + Ethernet header fits any snaplen >= 1514), delivered at once, with a
  // kernel buffer big enough that a burst of the whole lab never overflows it (drops are checked).
  pcap_set_snaplen(pc, 65535);
  pcap_set_promisc(pc, 0);
  pcap_set_immediate_mode(pc, 1);
  pcap_set_buffer_size(pc, 32 << 20);
  if (pcap_activate(pc) < 0) return fail(pcap_geterr(pc));
  if (pcap_datalink(pc) != DLT_EN10MB) return fail("link type is not Ethernet");
  bpf_program prog{};
  // Only TCP: ARP and IPv6 neighbour discovery are not part of the lab's traffic.
  if (pcap_compile(pc, &prog, "tcp", 1, PCAP_NETMASK_UNKNOWN) != 0 || pcap_setfilter(pc, &prog) != 0)
    return fail(pcap_geterr(pc));
  pcap_freecode(&prog);
  if (pcap_setnonblock(pc, 1, errbuf) != 0) return fail(errbuf);
  const int sel = pcap_get_selectable_fd(pc);

  PcapWriter writer(dir, "capture", rotate_bytes);
  std::vector<std::uint8_t> frame;
  struct Ctx {
    Capture* self;
    PcapWriter* writer;
    std::vector<std::uint8_t>* frame;
    std::string* write_error;
  };
  std::string write_error;
  Ctx ctx{this, &writer, &frame, &write_error};
  state_ = 1;
  auto handler = [](u_char* user, const pcap_pkthdr* h, const u_char* bytes) {
    auto* c = reinterpret_cast<Ctx*>(user);
    const std::int64_t wall_us = static_cast<std::int64_t>(h->ts.tv_sec) * 1000000 + h->ts.tv_usec;
    const std::int64_t sim_us = c->self->clock_->sim_us_of_wall_us(wall_us);
    c->frame->assign(bytes, bytes + h->caplen);
    if (auto r = c->writer->write(sim_us, *c->frame); !r && c->write_error->empty()) *c->write_error = r.error().context;
    const Parsed p = parse_frame(bytes, h->caplen);
    if (!p.tcp) return;
    auto& conns = c->self->result_.connections;
    FourTuple reverse{p.key.server_ip, p.key.client_ip, p.key.server_port, p.key.client_port};
    auto it = conns.find(p.key);
    if (it == conns.end()) it = conns.find(reverse);
    if (it == conns.end()) {
      if (p.syn && !p.ack) {
        it = conns.emplace(p.key, CapturedConnection{sim_us, sim_us, 0}).first;
      } else {
        ++c->self->result_.tcp_without_syn;
        return;
      }
    }
    it->second.last_us = sim_us;
    ++it->second.packets;
  };
  // Run until asked to stop, then drain: a last dispatch after the final poll timeout.
  for (;;) {
    const bool stopping = stop_.load();
    pollfd pfd{sel, POLLIN, 0};
    poll(&pfd, 1, 20);
    int n;
    while ((n = pcap_dispatch(pc, -1, handler, reinterpret_cast<u_char*>(&ctx))) > 0) {
    }
    if (n < 0) {
      error_ = fmt::format("capture on {}: {}", ifname, pcap_geterr(pc));
      break;
    }
    if (stopping) break;
  }
  pcap_stat st{};
  if (pcap_stats(pc, &st) == 0) result_.kernel_drops = st.ps_drop + st.ps_ifdrop;
  pcap_close(pc);
  if (auto r = writer.close(); !r && write_error.empty()) write_error = r.error().context;
  if (!write_error.empty() && error_.empty()) error_ = write_error;
  result_.files = writer.files();
  result_.packets = writer.packets();
  result_.bytes = writer.bytes();
}

result<CaptureResult> Capture::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (!error_.empty()) return make_error(errc::io_error, error_);
  return std::move(result_);
}

}  // namespace xmr::lab::live
