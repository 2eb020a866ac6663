#include "collector/udp_receiver.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <vector>

namespace xmr::collector {

namespace {
// One burst: up to this many datagrams per recvmmsg() call. 64 keeps a burst's buffers (4 MiB
// at the 64 KiB UDP maximum) small while amortising the system call and the queue lock.
constexpr unsigned burst_datagrams = 64;
// The largest UDP payload (RFC 768 length field, 65535 - 8 header bytes, IPv4 RFC 791 header).
constexpr std::size_t max_datagram_bytes = 65535;
// How often a waiting receiver looks at its stop flag.
constexpr int poll_timeout_ms = 100;
}  // namespace

std::int64_t wall_clock_ms() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

UdpReceiver::UdpReceiver(BoundUdpSocket socket, std::uint32_t listener, std::string name, DatagramQueue& queue)
    : socket_(std::move(socket)), listener_(listener), name_(std::move(name)), queue_(queue) {}

UdpReceiver::~UdpReceiver() { stop(); }

void UdpReceiver::start() { thread_ = std::thread([this] { run(); }); }

void UdpReceiver::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

std::map<SenderKey, std::uint64_t> UdpReceiver::drops_by_sender() const {
  std::lock_guard lock(drops_mutex_);
  return drops_by_sender_;
}

void UdpReceiver::run() {
  std::vector<std::uint8_t> buffers(burst_datagrams * max_datagram_bytes);
  std::vector<mmsghdr> msgs(burst_datagrams);
  std::vector<iovec> iovs(burst_datagrams);
  std::vector<sockaddr_storage> senders(burst_datagrams);
  const int fd = socket_.socket.fd();
  while (!stop_.load(std::memory_order_relaxed)) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, poll_timeout_ms);
    if (ready <= 0) continue;  // timeout or EINTR: look at the stop flag again
    for (unsigned i = 0; i < burst_datagrams; ++i) {
      iovs[i] = {buffers.data() + i * max_datagram_bytes, max_datagram_bytes};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &senders[i];
      msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    }
    const int n = ::recvmmsg(fd, msgs.data(), burst_datagrams, MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) counters_.receive_errors.fetch_add(1);
      continue;
    }
    const std::int64_t now_ms = wall_clock_ms();
    DatagramBatch batch;
    batch.listener = listener_;
    std::size_t total = 0;
    for (int i = 0; i < n; ++i) total += msgs[static_cast<std::size_t>(i)].msg_len;
    batch.bytes.reserve(total);
    batch.datagrams.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      const auto k = static_cast<std::size_t>(i);
      if (msgs[k].msg_hdr.msg_flags & MSG_TRUNC) counters_.truncated.fetch_add(1, std::memory_order_relaxed);
      DatagramInfo d;
      d.sender = ip_of(senders[k]);
      d.sender_port = port_of(senders[k]);
      d.offset = static_cast<std::uint32_t>(batch.bytes.size());
      d.length = msgs[k].msg_len;
      d.received_ms = now_ms;
      const auto* begin = buffers.data() + k * max_datagram_bytes;
      batch.bytes.insert(batch.bytes.end(), begin, begin + msgs[k].msg_len);
      batch.datagrams.push_back(d);
    }
    counters_.datagrams.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
    counters_.bytes.fetch_add(total, std::memory_order_relaxed);
    if (!queue_.try_push(std::move(batch))) {
      counters_.dropped_datagrams.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
      std::lock_guard lock(drops_mutex_);
      for (const auto& d : batch.datagrams) ++drops_by_sender_[SenderKey{d.sender, d.sender_port}];
    }
  }
}

}  // namespace xmr::collector
