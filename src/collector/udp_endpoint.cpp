#include "collector/udp_endpoint.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <unistd.h>

#include <charconv>

namespace xmr::collector {

namespace {
tl::unexpected<error> sys_error(std::string_view what, const std::string& endpoint) {
  return make_error(errc::io_error, std::string(what) + " " + endpoint + ": " + std::strerror(errno));
}
}  // namespace

Socket& Socket::operator=(Socket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

Socket::~Socket() {
  if (fd_ >= 0) ::close(fd_);
}

result<UdpEndpoint> parse_udp_endpoint(std::string_view text) {
  UdpEndpoint e;
  e.text = std::string(text);
  std::string_view rest = text;
  if (rest.starts_with("udp://")) rest.remove_prefix(6);
  else if (rest.find("://") != std::string_view::npos)
    return make_error(errc::bad_argument, e.text + ": only udp:// endpoints are supported");
  std::string_view host, port;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
      return make_error(errc::bad_argument, e.text + ": expected udp://[IPv6]:PORT");
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
  } else {
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) return make_error(errc::bad_argument, e.text + ": expected udp://HOST:PORT");
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  unsigned port_value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), port_value);
  if (ec != std::errc{} || end != port.data() + port.size() || port.empty() || port_value > 65535)
    return make_error(errc::bad_argument, e.text + ": bad port '" + std::string(port) + "'");
  const std::string host_text(host);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&e.addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&e.addr);
  if (::inet_pton(AF_INET, host_text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port_value));
    e.addr_len = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, host_text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port_value));
    e.addr_len = sizeof(sockaddr_in6);
  } else {
    return make_error(errc::bad_argument, e.text + ": '" + host_text + "' is not a numeric IPv4 or IPv6 address");
  }
  return e;
}

result<BoundUdpSocket> bind_udp(const UdpEndpoint& endpoint, std::size_t receive_buffer_bytes) {
  BoundUdpSocket b;
  b.socket = Socket(::socket(endpoint.addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (b.socket.fd() < 0) return sys_error("socket", endpoint.text);
  const int fd = b.socket.fd();
  // No SO_REUSEADDR: for UDP, Linux would then let a second collector bind the same port and
  // split the datagrams between the two (socket(7)); a clear "address in use" is better.
  const int one = 1;
  if (endpoint.addr.ss_family == AF_INET6) {
    // v6-only, so that udp://0.0.0.0:P and udp://[::]:P can both be listened on (ipv6(7):
    // otherwise the v6 socket also takes IPv4 and the second bind fails).
    (void)::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  }
  if (receive_buffer_bytes > 0) {
    const int want = static_cast<int>(std::min<std::size_t>(receive_buffer_bytes, 1u << 30));
    // SO_RCVBUFFORCE ignores net.core.rmem_max but needs CAP_NET_ADMIN; fall back quietly.
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof want) != 0)
      (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof want);
  }
  int granted = 0;
  socklen_t len = sizeof granted;
  if (::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &len) == 0)
    b.receive_buffer_bytes = static_cast<std::size_t>(granted) / 2;  // socket(7): the kernel doubles it
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&endpoint.addr), endpoint.addr_len) != 0)
    return sys_error("bind", endpoint.text);
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len) == 0) b.port = port_of(bound);
  return b;
}

result<Socket> connect_udp(const UdpEndpoint& endpoint) {
  Socket s(::socket(endpoint.addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (s.fd() < 0) return sys_error("socket", endpoint.text);
  const int send_buffer = 4 << 20;
  (void)::setsockopt(s.fd(), SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof send_buffer);
  if (::connect(s.fd(), reinterpret_cast<const sockaddr*>(&endpoint.addr), endpoint.addr_len) != 0)
    return sys_error("connect", endpoint.text);
  return s;
}

IpAddress ip_of(const sockaddr_storage& addr) noexcept {
  if (addr.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&addr);
    return IpAddress::from_v4(ntohl(v4->sin_addr.s_addr));
  }
  if (addr.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    return IpAddress::from_v6(v6->sin6_addr.s6_addr);
  }
  return IpAddress{};
}

std::uint16_t port_of(const sockaddr_storage& addr) noexcept {
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  return 0;
}

}  // namespace xmr::collector
