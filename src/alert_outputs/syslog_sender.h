#pragma once
// Sends syslog messages as datagrams: to a collector over UDP (RFC 5426, one message per
// datagram, no framing) or to the local syslog socket (/dev/log, a unix datagram socket served by
// journald or rsyslog). The socket is connected once; a send that fails is reported and the
// socket reconnected at the next message (a restarted syslog daemon binds a new socket).
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace xmr {

struct SyslogTarget {
  enum class Transport { udp, unix_datagram };
  Transport transport = Transport::unix_datagram;
  std::string host;          // udp: a name, an IPv4 address or a bracketed IPv6 address
  std::uint16_t port = 514;  // udp (RFC 5426 §3.3)
  std::string path;          // unix_datagram
  std::string text;          // as given, for messages
};

// "udp://HOST[:PORT]" (port 514 by default), "unix:/PATH" (e.g. unix:/dev/log).
[[nodiscard]] result<SyslogTarget> parse_syslog_target(std::string_view text);

class SyslogSender {
 public:
  // Resolves and connects; an error names the target.
  [[nodiscard]] static result<SyslogSender> open(const SyslogTarget& target);
  SyslogSender(SyslogSender&& o) noexcept;
  SyslogSender& operator=(SyslogSender&& o) noexcept;
  SyslogSender(const SyslogSender&) = delete;
  SyslogSender& operator=(const SyslogSender&) = delete;
  ~SyslogSender();

  // One datagram. A failure is returned (with errno text) and the socket is reconnected on the
  // next call.
  [[nodiscard]] result<void> send(std::string_view message);
  const SyslogTarget& target() const noexcept { return target_; }

 private:
  explicit SyslogSender(SyslogTarget target) : target_(std::move(target)) {}
  result<void> connect_socket();
  void close_socket() noexcept;

  SyslogTarget target_;
  int fd_ = -1;
};

}  // namespace xmr
