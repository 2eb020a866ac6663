#pragma once
// libpcap capture on the client-side veth (the client's edge, like the synth capture point). Each
// packet's kernel timestamp is mapped to simulated time (LiveClock: start + elapsed x speed) and
// written with the lab's PcapWriter; every TCP connection seen (by its SYN) is tracked with its
// first and last packet times so labels.csv can be checked against the capture.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "core/error.h"
#include "core/ip_address.h"
#include "lab/live/event_loop.h"

namespace xmr::lab::live {

struct FourTuple {
  IpAddress client_ip, server_ip;
  std::uint16_t client_port = 0, server_port = 0;
  friend auto operator<=>(const FourTuple&, const FourTuple&) = default;
};

struct CapturedConnection {
  std::int64_t first_us = 0, last_us = 0;  // simulated time: first SYN, last packet
  std::uint64_t packets = 0;
};

struct CaptureResult {
  std::vector<std::filesystem::path> files;
  std::uint64_t packets = 0, bytes = 0;
  std::uint64_t kernel_drops = 0;       // pcap_stats ps_drop + ps_ifdrop
  std::uint64_t tcp_without_syn = 0;    // TCP packets of a connection whose SYN we never saw
  std::map<FourTuple, CapturedConnection> connections;
};

class Capture {
 public:
  Capture() = default;
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  // Opens `ifname` inside `netns` (on a thread of its own) and starts writing DIR/capture*.pcap.
  // Returns once the capture is live.
  result<void> start(const std::string& netns, const std::string& ifname, const LiveClock& clock,
                     const std::filesystem::path& dir, std::uint64_t rotate_bytes);
  // Drains what the kernel still holds and stops.
  result<CaptureResult> stop();

 private:
  void run(std::string netns, std::string ifname, std::filesystem::path dir, std::uint64_t rotate_bytes);
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> state_{0};  // 0 starting, 1 live, 2 failed
  const LiveClock* clock_ = nullptr;
  std::string error_;
  CaptureResult result_;
};

}  // namespace xmr::lab::live
