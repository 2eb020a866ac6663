#pragma once
// The bounded hand-over between the receive threads and the decoding thread. Receivers push
// whole batches (one recvmmsg() worth) so the lock is taken once per batch, not per datagram.
// When the queue holds its limit of datagrams, the batch is refused and the receiver counts
// the drop: back-pressure is counted, never silent, and never blocks the socket.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "core/ip_address.h"

namespace xmr::collector {

struct DatagramInfo {
  IpAddress sender;
  std::uint16_t sender_port = 0;
  std::uint32_t offset = 0;  // into DatagramBatch::bytes
  std::uint32_t length = 0;
  std::int64_t received_ms = 0;
};

struct DatagramBatch {
  std::vector<std::uint8_t> bytes;
  std::vector<DatagramInfo> datagrams;
  std::uint32_t listener = 0;  // index of the --listen endpoint
  void clear() {
    bytes.clear();
    datagrams.clear();
  }
};

class DatagramQueue {
 public:
  explicit DatagramQueue(std::size_t max_datagrams) : max_datagrams_(max_datagrams ? max_datagrams : 1) {}

  // False (batch untouched) when taking it would exceed the limit.
  bool try_push(DatagramBatch&& batch);
  // Waits up to `timeout_ms` for a batch; false on timeout or when closed and empty.
  bool pop(DatagramBatch& out, int timeout_ms);
  void close();
  std::size_t datagrams_queued() const;
  std::size_t max_datagrams() const noexcept { return max_datagrams_; }

 private:
  const std::size_t max_datagrams_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<DatagramBatch> batches_;
  std::size_t queued_ = 0;
  bool closed_ = false;
};

}  // namespace xmr::collector
