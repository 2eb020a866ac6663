#include "collector/metrics_server.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace xmr::collector {

namespace {
constexpr int poll_timeout_ms = 100;         // how often the idle server looks at its stop flag
constexpr int request_timeout_ms = 2000;     // a client has this long to send its request line
constexpr std::size_t max_request_bytes = 8192;

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string response(int status, std::string_view reason, std::string_view type, std::string_view body) {
  std::string r = "HTTP/1.0 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  r += "Content-Type: " + std::string(type) + "\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  r += body;
  return r;
}
}  // namespace

result<std::unique_ptr<MetricsServer>> MetricsServer::open(std::string_view address, Body metrics, Body health) {
  auto e = parse_udp_endpoint(address);  // same HOST:PORT syntax; the scheme is checked there
  if (!e) return make_error(errc::bad_argument, "--metrics " + std::string(address) + ": " + e.error().context);
  Socket s(::socket(e->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (s.fd() < 0) return make_error(errc::io_error, "--metrics socket: " + std::string(std::strerror(errno)));
  const int one = 1;
  (void)::setsockopt(s.fd(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(s.fd(), reinterpret_cast<const sockaddr*>(&e->addr), e->addr_len) != 0 || ::listen(s.fd(), 16) != 0)
    return make_error(errc::io_error, "--metrics " + std::string(address) + ": " + std::strerror(errno));
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(s.fd(), reinterpret_cast<sockaddr*>(&bound), &len);
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(s), port_of(bound), std::move(metrics),
                                                          std::move(health)));
}

MetricsServer::~MetricsServer() { stop(); }

void MetricsServer::start() { thread_ = std::thread([this] { run(); }); }

void MetricsServer::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void MetricsServer::run() {
  while (!stop_.load()) {
    pollfd p{socket_.fd(), POLLIN, 0};
    if (::poll(&p, 1, poll_timeout_ms) <= 0) continue;
    Socket client(::accept4(socket_.fd(), nullptr, nullptr, SOCK_CLOEXEC));
    if (client.fd() < 0) continue;
    serve(client.fd());
  }
}

void MetricsServer::serve(int fd) {
  std::string request;
  char buf[1024];
  // Read until the end of the headers (or at least the request line), bounded in size and time.
  while (request.find("\r\n\r\n") == std::string::npos && request.find("\n\n") == std::string::npos &&
         request.size() < max_request_bytes) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, request_timeout_ms) <= 0) break;
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    request.append(buf, static_cast<std::size_t>(n));
  }
  ++requests_;
  const auto line_end = request.find_first_of("\r\n");
  const std::string_view line = std::string_view(request).substr(0, line_end);
  std::string_view path;
  if (line.starts_with("GET ")) {
    path = line.substr(4);
    path = path.substr(0, path.find(' '));
  }
  if (path == "/metrics")
    send_all(fd, response(200, "OK", "text/plain; version=0.0.4; charset=utf-8", metrics_()));
  else if (path == "/healthz")
    send_all(fd, response(200, "OK", "text/plain; charset=utf-8", health_()));
  else if (line.starts_with("GET "))
    send_all(fd, response(404, "Not Found", "text/plain", "try /metrics or /healthz\n"));
  else
    send_all(fd, response(400, "Bad Request", "text/plain", "GET only\n"));
}

}  // namespace xmr::collector
