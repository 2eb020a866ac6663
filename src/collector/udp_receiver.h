#pragma once
// One receive thread per listening socket: recvmmsg() a burst of datagrams, stamp them with the
// receive time, and hand the burst to the DatagramQueue. It never decodes (decoding is the
// other thread's work, so the socket is drained at line rate) and never blocks on the queue:
// a full queue drops the burst and counts it, per listener and per sender.
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "collector/datagram_queue.h"
#include "collector/udp_endpoint.h"

namespace xmr::collector {

struct ReceiverCounters {
  std::atomic<std::uint64_t> datagrams{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint64_t> dropped_datagrams{0};  // refused by the full queue
  std::atomic<std::uint64_t> receive_errors{0};     // recvmmsg() failures other than a timeout
  std::atomic<std::uint64_t> truncated{0};          // datagrams larger than the receive buffer
};

using SenderKey = std::pair<IpAddress, std::uint16_t>;

class UdpReceiver {
 public:
  UdpReceiver(BoundUdpSocket socket, std::uint32_t listener, std::string name, DatagramQueue& queue);
  ~UdpReceiver();
  UdpReceiver(const UdpReceiver&) = delete;
  UdpReceiver& operator=(const UdpReceiver&) = delete;

  void start();
  void stop();  // returns after the thread has ended
  const ReceiverCounters& counters() const noexcept { return counters_; }
  const std::string& name() const noexcept { return name_; }
  std::uint16_t port() const noexcept { return socket_.port; }
  std::size_t receive_buffer_bytes() const noexcept { return socket_.receive_buffer_bytes; }
  std::map<SenderKey, std::uint64_t> drops_by_sender() const;

 private:
  void run();

  BoundUdpSocket socket_;
  std::uint32_t listener_;
  std::string name_;
  DatagramQueue& queue_;
  ReceiverCounters counters_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex drops_mutex_;
  std::map<SenderKey, std::uint64_t> drops_by_sender_;
};

std::int64_t wall_clock_ms() noexcept;

}  // namespace xmr::collector
