#include "lab/live/client_agent.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

namespace xmr::lab::live {

std::string endpoint_text(const Endpoint& e) {
  return e.ip.is_v4() ? fmt::format("{}:{}", e.ip.to_string(), e.port) : fmt::format("[{}]:{}", e.ip.to_string(), e.port);
}

int make_socket_for(const IpAddress& ip) {
  return socket(ip.is_v4() ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

result<void> fill_sockaddr(const Endpoint& e, sockaddr_storage& ss, unsigned& len) {
  std::memset(&ss, 0, sizeof ss);
  if (e.ip.is_v4()) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(e.port);
    a->sin_addr.s_addr = htonl(e.ip.v4());
    len = sizeof(sockaddr_in);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(e.port);
    std::memcpy(&a->sin6_addr, e.ip.bytes.data(), 16);
    len = sizeof(sockaddr_in6);
  }
  return {};
}

result<int> listen_on(const Endpoint& e) {
  const int fd = make_socket_for(e.ip);
  if (fd < 0) return make_error(errc::io_error, fmt::format("socket for {}: {}", endpoint_text(e), std::strerror(errno)));
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage ss;
  unsigned len = 0;
  (void)fill_sockaddr(e, ss, len);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, 256) != 0) {
    const int err = errno;
    close(fd);
    return make_error(errc::io_error, fmt::format("listen on {}: {}", endpoint_text(e), std::strerror(err)));
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

ClientAgent::~ClientAgent() {
  cancel_timers();
  if (fd_ >= 0) {
    ctx_.loop->unwatch(fd_);
    close(fd_);
  }
}

result<void> ClientAgent::connect() {
  fd_ = make_socket_for(ctx_.client.ip);
  if (fd_ < 0) return make_error(errc::io_error, fmt::format("socket: {}", std::strerror(errno)));
  sockaddr_storage local, remote;
  unsigned llen = 0, rlen = 0;
  Endpoint src = ctx_.client;
  src.port = 0;
  (void)fill_sockaddr(src, local, llen);
  (void)fill_sockaddr(ctx_.server, remote, rlen);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&local), llen) != 0)
    return make_error(errc::io_error, fmt::format("bind {}: {}", endpoint_text(src), std::strerror(errno)));
  // Blocking connect: on the veth the handshake takes microseconds.
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&remote), rlen) != 0)
    return make_error(errc::io_error, fmt::format("connect {} -> {}: {}", endpoint_text(src), endpoint_text(ctx_.server),
                                                  std::strerror(errno)));
  sockaddr_storage bound;
  socklen_t blen = sizeof bound;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &blen);
  ctx_.client.port = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                                      : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  ctx_.loop->watch(fd_, [this] { on_readable(); });
  on_connected();
  return {};
}

void ClientAgent::on_readable() {
  char buf[16384];
  const ssize_t n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    // EOF (or reset): after our FIN this is the server's FIN; before it, the server gave up on us.
    if (!finishing_) {
      ++ctx_.counters->early_closes;
      protocol_error(n == 0 ? "server closed the connection" : fmt::format("recv: {}", std::strerror(errno)));
    }
    cancel_timers();
    ctx_.loop->unwatch(fd_);
    close(fd_);
    fd_ = -1;
    done_ = true;
    return;
  }
  in_.append(buf, static_cast<std::size_t>(n));
  on_data();
}

void ClientAgent::finish() {
  if (finishing_ || done_) return;
  finishing_ = true;
  cancel_timers();
  if (fd_ >= 0) shutdown(fd_, SHUT_WR);
}

void ClientAgent::send_message(const std::string& kind, const std::string& bytes) {
  if (fd_ < 0 || finishing_) return;
  std::size_t off = 0;
  while (off < bytes.size()) {
    // Blocking send of a small message: the socket buffer (>= 16 KiB) never fills in the lab.
    const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      protocol_error(fmt::format("send {}: {}", kind, std::strerror(errno)));
      return;
    }
    off += static_cast<std::size_t>(n);
  }
  ctx_.log->push_back(MessageRecord{ctx_.connection, now_us(), true, kind, bytes.size()});
}

void ClientAgent::log_received(const std::string& kind, std::size_t bytes) {
  ctx_.log->push_back(MessageRecord{ctx_.connection, now_us(), false, kind, bytes});
}

void ClientAgent::protocol_error(const std::string& what) {
  ctx_.counters->error(fmt::format("{} -> {}: {}", endpoint_text(ctx_.client), endpoint_text(ctx_.server), what));
}

void ClientAgent::timer_after(double sim_seconds, std::function<void()> fn) {
  auto id = std::make_shared<EventLoop::TimerId>(0);
  *id = ctx_.loop->after(sim_seconds, [this, id, fn = std::move(fn)] {
    timers_.erase(*id);
    fn();
  });
  timers_.insert(*id);
}

void ClientAgent::cancel_timers() {
  for (auto id : timers_) ctx_.loop->cancel(id);
  timers_.clear();
}

}  // namespace xmr::lab::live
