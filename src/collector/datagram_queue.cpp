#include "collector/datagram_queue.h"

#include <chrono>

namespace xmr::collector {

bool DatagramQueue::try_push(DatagramBatch&& batch) {
  {
    std::lock_guard lock(mutex_);
    if (closed_ || queued_ + batch.datagrams.size() > max_datagrams_) return false;
    queued_ += batch.datagrams.size();
    batches_.push_back(std::move(batch));
  }
  ready_.notify_one();
  return true;
}

bool DatagramQueue::pop(DatagramBatch& out, int timeout_ms) {
  std::unique_lock lock(mutex_);
  if (!ready_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return !batches_.empty() || closed_; }))
    return false;
  if (batches_.empty()) return false;
  out = std::move(batches_.front());
  batches_.pop_front();
  queued_ -= out.datagrams.size();
  return true;
}

void DatagramQueue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
}

std::size_t DatagramQueue::datagrams_queued() const {
  std::lock_guard lock(mutex_);
  return queued_;
}

}  // namespace xmr::collector
