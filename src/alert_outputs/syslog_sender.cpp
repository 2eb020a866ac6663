#include "alert_outputs/syslog_sender.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace xmr {

result<SyslogTarget> parse_syslog_target(std::string_view text) {
  SyslogTarget t;
  t.text = std::string(text);
  constexpr std::string_view udp = "udp://", unix_prefix = "unix:";
  if (text.starts_with(unix_prefix)) {
    t.transport = SyslogTarget::Transport::unix_datagram;
    t.path = std::string(text.substr(unix_prefix.size()));
    if (t.path.empty() || t.path.front() != '/')
      return make_error(errc::bad_argument, fmt::format("syslog target '{}': unix: needs an absolute path (unix:/dev/log)", text));
    if (t.path.size() >= sizeof(sockaddr_un{}.sun_path))
      return make_error(errc::bad_argument, fmt::format("syslog target '{}': socket path too long", text));
    return t;
  }
  if (!text.starts_with(udp))
    return make_error(errc::bad_argument,
                      fmt::format("syslog target '{}': expected udp://HOST[:PORT] or unix:/PATH", text));
  t.transport = SyslogTarget::Transport::udp;
  std::string_view rest = text.substr(udp.size());
  std::string_view port_text;
  if (rest.starts_with('[')) {  // [IPv6]:port
    const auto close = rest.find(']');
    if (close == std::string_view::npos)
      return make_error(errc::bad_argument, fmt::format("syslog target '{}': unclosed '['", text));
    t.host = std::string(rest.substr(1, close - 1));
    rest = rest.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return make_error(errc::bad_argument, fmt::format("syslog target '{}': junk after ']'", text));
      port_text = rest.substr(1);
    }
  } else {
    const auto colon = rest.rfind(':');
    t.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (t.host.empty()) return make_error(errc::bad_argument, fmt::format("syslog target '{}': no host", text));
  if (!port_text.empty()) {
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
      return make_error(errc::bad_argument, fmt::format("syslog target '{}': bad port '{}'", text, port_text));
    t.port = static_cast<std::uint16_t>(port);
  }
  return t;
}

result<SyslogSender> SyslogSender::open(const SyslogTarget& target) {
  SyslogSender s(target);
  if (auto c = s.connect_socket(); !c) return tl::unexpected(c.error());
  return s;
}

SyslogSender::SyslogSender(SyslogSender&& o) noexcept : target_(std::move(o.target_)), fd_(std::exchange(o.fd_, -1)) {}

SyslogSender& SyslogSender::operator=(SyslogSender&& o) noexcept {
  if (this != &o) {
    close_socket();
    target_ = std::move(o.target_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

SyslogSender::~SyslogSender() { close_socket(); }

void SyslogSender::close_socket() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

result<void> SyslogSender::connect_socket() {
  close_socket();
  if (target_.transport == SyslogTarget::Transport::unix_datagram) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, target_.path.c_str(), target_.path.size() + 1);
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
      const int e = errno;
      close_socket();
      return make_error(errc::io_error, fmt::format("syslog {}: {}", target_.text, std::strerror(e)));
    }
    return {};
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(target_.port);
  if (const int rc = ::getaddrinfo(target_.host.c_str(), port.c_str(), &hints, &found); rc != 0)
    return make_error(errc::io_error, fmt::format("syslog {}: {}", target_.text, ::gai_strerror(rc)));
  int last_errno = 0;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    fd_ = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd_ >= 0 && ::connect(fd_, ai->ai_addr, ai->ai_addrlen) == 0) break;
    last_errno = errno;
    close_socket();
  }
  ::freeaddrinfo(found);
  if (fd_ < 0) return make_error(errc::io_error, fmt::format("syslog {}: {}", target_.text, std::strerror(last_errno)));
  return {};
}

result<void> SyslogSender::send(std::string_view message) {
  // Two tries: a connected UDP socket reports an earlier datagram's ICMP "port unreachable" on
  // the next send, and a restarted syslog daemon has a new unix socket; both need a reconnect,
  // after which this message may well go through.
  int e = 0;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (fd_ < 0) {
      if (auto c = connect_socket(); !c) return c;
    }
    // MSG_NOSIGNAL: a vanished peer must not kill the daemon with SIGPIPE.
    if (::send(fd_, message.data(), message.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(message.size())) return {};
    e = errno;
    close_socket();
  }
  return make_error(errc::io_error, fmt::format("syslog {}: send: {}", target_.text, std::strerror(e)));
}

}  // namespace xmr
