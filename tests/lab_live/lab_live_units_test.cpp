// Units of the live lab that need no namespace: our Stratum pool against hostile and valid requests
// over loopback TCP (a real socket, the pool on its own thread), and the RESP framing the Redis
// subscriber uses. Expected replies follow the protocol texts (XMRig Client.cpp's requests and
// results, the RESP spec), not our code's output.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "lab/live/benign_clients.h"
#include "lab/live/stratum_pool.h"

namespace xmr::lab::live {
namespace {

// The pool on 127.0.0.1:<free port>, its loop on a thread, at speed 1000 (timers fire quickly).
struct PoolFixture {
  LiveClock clock{1767225600000000, 1000};
  EventLoop loop{clock};
  StratumPool pool{loop, 42};
  std::atomic<bool> stop{false};
  std::thread thread;
  std::uint16_t port = 0;
  PoolFixture() {
    // Find a free port: bind to 0, read it, release it.
    const int probe = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(probe, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(probe, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    close(probe);
    MoneroParams params;
    auto r = pool.listen({PoolListenerSpec{"test", Endpoint{IpAddress::from_v4(0x7f000001), port}, params}});
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().context);
    thread = std::thread([this] { loop.run(stop, [] { return false; }); });
  }
  ~PoolFixture() {
    stop = true;
    thread.join();
  }
};

struct Client {
  int fd = -1;
  std::string buffer;
  explicit Client(std::uint16_t port) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Client() { close(fd); }
  void send_text(const std::string& s) { ASSERT_EQ(::send(fd, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size())); }
  // One reply line parsed as JSON (null on timeout or EOF).
  nlohmann::json line() {
    for (;;) {
      if (auto pos = buffer.find('\n'); pos != std::string::npos) {
        const std::string l = buffer.substr(0, pos);
        buffer.erase(0, pos + 1);
        return nlohmann::json::parse(l, nullptr, false);
      }
      char b[4096];
      const ssize_t n = recv(fd, b, sizeof b, 0);
      if (n <= 0) return nullptr;
      buffer.append(b, static_cast<std::size_t>(n));
    }
  }
};

const std::string login_request =
    R"({"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge","pass":"x","agent":"XMRig/6.21.0","algo":["rx/0"]}})"
    "\n";

TEST(LivePool, LoginSubmitKeepalivedAsXmrigExpects) {
  PoolFixture f;
  Client c(f.port);
  c.send_text(login_request);
  const auto login = c.line();
  ASSERT_TRUE(login.is_object()) << login;
  EXPECT_EQ(login["id"], 1);
  EXPECT_TRUE(login["error"].is_null());
  const std::string session = login["result"]["id"];
  const auto& job = login["result"]["job"];
  EXPECT_EQ(job["blob"].get<std::string>().size(), 152u);  // 76-byte hashing blob
  EXPECT_EQ(job["target"].get<std::string>().size(), 8u);  // XMRig's compact 32-bit target
  EXPECT_EQ(login["result"]["status"], "OK");
  const std::string job_id = job["job_id"];
  c.send_text(R"({"id":2,"jsonrpc":"2.0","method":"submit","params":{"id":")" + session + R"(","job_id":")" + job_id +
              R"(","nonce":"0a1b2c3d","result":")" + std::string(64, 'e') + R"(","algo":"rx/0"}})" "\n");
  auto r = c.line();
  while (r.is_object() && r.contains("method")) r = c.line();  // a job push may come first
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["id"], 2);
  EXPECT_EQ(r["result"]["status"], "OK");
  c.send_text(R"({"id":3,"jsonrpc":"2.0","method":"keepalived","params":{"id":")" + session + R"("}})" "\n");
  r = c.line();
  while (r.is_object() && r.contains("method")) r = c.line();
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["id"], 3);
  EXPECT_EQ(r["result"]["status"], "KEEPALIVED");
}

TEST(LivePool, HostileRequestsGetErrorRepliesAndAreCounted) {
  PoolFixture f;
  Client c(f.port);
  const std::vector<std::string> bad = {
      "this is not json\n",
      "[1,2,3]\n",
      R"({"id":7,"jsonrpc":"2.0","method":"submit","params":{"id":"nobody"}})" "\n",  // before login
      R"({"id":8,"method":"login","params":{"login":7}})" "\n",                        // login not a string
      R"({"id":9,"method":"login","params":"x"})" "\n",
      std::string("{\"id\":10,\"method\":\"\xff\xfe\"}\n"),                            // invalid UTF-8
  };
  for (const auto& b : bad) {
    c.send_text(b);
    const auto r = c.line();
    ASSERT_TRUE(r.is_object()) << "no reply to: " << b;
    EXPECT_FALSE(r["error"].is_null()) << b;
  }
  // Logged in, a share with malformed fields is refused; the pool stays up for the next client.
  c.send_text(login_request);
  const auto login = c.line();
  ASSERT_TRUE(login.is_object());
  const std::string session = login["result"]["id"];
  c.send_text(R"({"id":11,"method":"submit","params":{"id":")" + session + R"(","job_id":"zz","nonce":"1","result":"2"}})" "\n");
  auto r = c.line();
  while (r.is_object() && r.contains("method")) r = c.line();
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["id"], 11);
  EXPECT_FALSE(r["error"].is_null());
  // A line over 64 KiB without a newline: the pool drops that client.
  c.send_text(std::string(70000, 'x'));
  bool closed = false;
  for (int i = 0; i < 10 && !closed; ++i) {
    const auto x = c.line();
    closed = x.is_null();
  }
  EXPECT_TRUE(closed);
  Client next(f.port);
  next.send_text(login_request);
  EXPECT_TRUE(next.line().is_object());
  f.stop = true;
  f.thread.join();
  f.thread = std::thread([] {});
  EXPECT_GE(f.pool.stats().errors, bad.size() + 2);
}

TEST(LiveResp, FramesCompleteIncompleteAndMalformedValues) {
  std::string first;
  // RESP: arrays of bulk strings, as redis pushes a pub/sub message.
  const std::string msg = "*3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$5\r\nhello\r\n";
  EXPECT_EQ(resp_value_length(msg, 0, &first), static_cast<long>(msg.size()));
  EXPECT_EQ(first, "message");
  for (std::size_t cut = 0; cut < msg.size(); ++cut) EXPECT_EQ(resp_value_length(msg.substr(0, cut), 0, nullptr), 0) << cut;
  EXPECT_EQ(resp_value_length(":1\r\n", 0, nullptr), 4);
  EXPECT_EQ(resp_value_length("$-1\r\n", 0, nullptr), 5);
  EXPECT_EQ(resp_value_length("?what\r\n", 0, nullptr), -1);
  EXPECT_EQ(resp_value_length("$3\r\nabcd\r\n", 0, nullptr), -1);
  EXPECT_EQ(resp_value_length("*x\r\n", 0, nullptr), -1);
  EXPECT_EQ(resp_value_length("$99999999999\r\n", 0, nullptr), -1);
  EXPECT_EQ(resp_value_length(std::string(5000, 'a'), 0, nullptr), -1);  // no CRLF in 4 KiB
  EXPECT_EQ(resp_command({"PING"}), "*1\r\n$4\r\nPING\r\n");
}

}  // namespace
}  // namespace xmr::lab::live
