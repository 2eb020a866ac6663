#pragma once
// UDP endpoints written as URLs (udp://0.0.0.0:2055, udp://[::]:4739, udp://127.0.0.1:2055) and
// the sockets the collector receives on and `replay` sends from. Thin, checked wrappers over
// the BSD socket calls: every failure is a result naming the endpoint and errno.
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/ip_address.h"

namespace xmr::collector {

struct UdpEndpoint {
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  std::string text;  // as the user wrote it, for messages and metric labels
};

// "udp://HOST:PORT" (the "udp://" prefix is optional); HOST is a numeric IPv4 address or a
// bracketed IPv6 address. No name resolution: a collector's listen address is numeric.
[[nodiscard]] result<UdpEndpoint> parse_udp_endpoint(std::string_view text);

// An owned socket descriptor, closed on destruction.
class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& o) noexcept : fd_(o.release()) {}
  Socket& operator=(Socket&& o) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket();
  int fd() const noexcept { return fd_; }
  int release() noexcept {
    const int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_ = -1;
};

struct BoundUdpSocket {
  Socket socket;
  std::uint16_t port = 0;              // the bound port (useful when the endpoint said :0)
  std::size_t receive_buffer_bytes = 0;  // what the kernel granted (SO_RCVBUF reads back doubled)
};

// Binds a receiving socket and asks for `receive_buffer_bytes` of socket buffer. The kernel
// caps the request at net.core.rmem_max unless the process may use SO_RCVBUFFORCE (root);
// the granted size is returned so the caller can warn.
[[nodiscard]] result<BoundUdpSocket> bind_udp(const UdpEndpoint& endpoint, std::size_t receive_buffer_bytes);

// A sending socket connected to `endpoint` (so send() needs no address and ICMP errors show).
[[nodiscard]] result<Socket> connect_udp(const UdpEndpoint& endpoint);

// The sender of a datagram as our address type and port.
IpAddress ip_of(const sockaddr_storage& addr) noexcept;
std::uint16_t port_of(const sockaddr_storage& addr) noexcept;

}  // namespace xmr::collector
