#pragma once
// A minimal HTTP/1.0 server for the Prometheus scrape: GET /metrics (text format 0.0.4) and
// GET /healthz ("ok"). One thread, one request per connection, bounded request size and time,
// so a stuck or hostile client cannot hold it. Written here rather than pulling in an HTTP
// library: two fixed routes need no more (RFC 9112 §3 request line, §4 status line).
#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "collector/udp_endpoint.h"
#include "core/error.h"

namespace xmr::collector {

class MetricsServer {
 public:
  using Body = std::function<std::string()>;
  // `address` is HOST:PORT (numeric, IPv6 in brackets).
  [[nodiscard]] static result<std::unique_ptr<MetricsServer>> open(std::string_view address, Body metrics,
                                                                   Body health);
  ~MetricsServer();
  void start();
  void stop();
  std::uint16_t port() const noexcept { return port_; }
  std::uint64_t requests() const noexcept { return requests_.load(); }

 private:
  MetricsServer(Socket s, std::uint16_t port, Body metrics, Body health)
      : socket_(std::move(s)), port_(port), metrics_(std::move(metrics)), health_(std::move(health)) {}
  void run();
  void serve(int fd);

  Socket socket_;
  std::uint16_t port_;
  Body metrics_, health_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> requests_{0};
  std::thread thread_;
};

}  // namespace xmr::collector
