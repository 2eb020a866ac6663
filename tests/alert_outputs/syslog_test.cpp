// Syslog alerts (RFC 5424) sent through real sockets: a UDP socket on loopback and a unix
// datagram socket in a temporary directory receive what AlertOutputs sends; a small RFC 5424
// parser (header, one SD-ELEMENT with escapes, MSG) reads it back and every field is compared
// with the Alert it came from.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstring>
#include <map>

#include "alert_outputs/alert_fixture.h"
#include "alert_outputs/alert_outputs.h"
#include "alert_outputs/ecs_alerts.h"
#include "detect/community_id.h"
#include "support/test_support.h"

namespace xmr {
namespace {

struct Rfc5424 {
  int pri = -1;
  std::string version, timestamp, hostname, app_name, procid, msgid, sd_id, msg;
  std::map<std::string, std::string> params;
};

// RFC 5424 §6: HEADER SP STRUCTURED-DATA [SP MSG]; one SD-ELEMENT is enough for XMR-Ray.
Rfc5424 parse_rfc5424(const std::string& s) {
  Rfc5424 m;
  std::size_t i = 0;
  EXPECT_EQ(s.at(0), '<') << s;
  const auto close = s.find('>');
  m.pri = std::stoi(s.substr(1, close - 1));
  i = close + 1;
  auto token = [&] {
    const auto sp = s.find(' ', i);
    std::string t = s.substr(i, sp - i);
    i = sp == std::string::npos ? s.size() : sp + 1;
    return t;
  };
  m.version = token();
  m.timestamp = token();
  m.hostname = token();
  m.app_name = token();
  m.procid = token();
  m.msgid = token();
  if (s.at(i) == '-') {
    i += 2;
  } else {
    EXPECT_EQ(s.at(i), '[') << s;
    ++i;
    const auto sp = s.find(' ', i);
    m.sd_id = s.substr(i, sp - i);
    i = sp;
    while (s.at(i) == ' ') {
      const auto eq = s.find('=', i);
      const std::string name = s.substr(i + 1, eq - i - 1);
      EXPECT_EQ(s.at(eq + 1), '"') << s;
      std::string value;
      for (i = eq + 2; s.at(i) != '"'; ++i) {
        if (s.at(i) == '\\') ++i;  // §6.3.3: '\' escapes '"', '\' and ']'
        value.push_back(s.at(i));
      }
      m.params[name] = value;
      ++i;
    }
    EXPECT_EQ(s.at(i), ']') << s;
    i += 2;  // "] "
  }
  if (i < s.size()) m.msg = s.substr(i);
  return m;
}

std::string receive(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 5000) != 1) return {};
  char buf[65536];
  const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

std::string local_host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What an alert's message must say, whatever the transport.
void expect_message_of(const std::string& text, const Alert& a, int pri, std::int64_t sent_after_ms) {
  SCOPED_TRACE(text);
  Rfc5424 m = parse_rfc5424(text);
  const auto& miner = a.connection.client();
  const auto& pool = a.connection.server();
  EXPECT_EQ(m.pri, pri);
  EXPECT_EQ(m.version, "1");
  ASSERT_EQ(m.timestamp.size(), ecs_time(0).size());
  EXPECT_GE(m.timestamp, ecs_time(sent_after_ms - 1000));  // same format: text order is time order
  EXPECT_LE(m.timestamp, ecs_time(now_ms() + 1000));
  EXPECT_EQ(m.hostname, local_host_name());
  EXPECT_EQ(m.app_name, "xmr-ray");
  EXPECT_EQ(m.procid, std::to_string(::getpid()));
  EXPECT_EQ(m.msgid, "alert");
  EXPECT_EQ(m.sd_id, "xmr-ray@32473");
  const std::string cid = community_id_v1(miner.addr, miner.port, pool.addr, pool.port, 6);
  EXPECT_EQ(m.params["host"], miner.addr.to_string());
  EXPECT_EQ(m.params["host_port"], std::to_string(miner.port));
  EXPECT_EQ(m.params["pool"], pool.addr.to_string());
  EXPECT_EQ(m.params["pool_port"], std::to_string(pool.port));
  EXPECT_NEAR(std::stod(m.params["score"]), a.score, 1e-5 * std::max(1.0, a.score));
  EXPECT_NEAR(std::stod(m.params["threshold"]), a.threshold, 1e-5 * std::max(1.0, a.threshold));
  EXPECT_EQ(m.params["community_id"], cid);
  EXPECT_EQ(m.params["model"], a.model);
  EXPECT_EQ(m.params["update"], a.update ? "1" : "0");
  // The compact MSG carries the key fields too, for receivers that drop structured data.
  EXPECT_NE(m.msg.find(miner.addr.to_string()), std::string::npos);
  EXPECT_NE(m.msg.find(pool.addr.to_string()), std::string::npos);
  EXPECT_NE(m.msg.find("community_id " + cid), std::string::npos);
  EXPECT_LE(text.size(), 2048u) << "RFC 5426 §3.2: receivers SHOULD take 2048 octets; keep under";
}

TEST(SyslogTarget, Parses) {
  auto u = parse_syslog_target("udp://127.0.0.1:5514");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->transport, SyslogTarget::Transport::udp);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 5514);
  auto d = parse_syslog_target("udp://logs.example.org");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->port, 514);
  auto v6 = parse_syslog_target("udp://[::1]:601");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 601);
  auto x = parse_syslog_target("unix:/dev/log");
  ASSERT_TRUE(x.has_value());
  EXPECT_EQ(x->transport, SyslogTarget::Transport::unix_datagram);
  EXPECT_EQ(x->path, "/dev/log");
  for (const char* bad : {"tcp://127.0.0.1:514", "udp://", "udp://host:0", "udp://host:70000", "udp://host:5x",
                          "udp://[::1", "unix:dev/log", "unix:", "/dev/log"})
    EXPECT_FALSE(parse_syslog_target(bad).has_value()) << bad;
}

TEST(SyslogPriority, NamesAndNumbers) {
  EXPECT_EQ(parse_syslog_facility("kern").value(), 0);
  EXPECT_EQ(parse_syslog_facility("daemon").value(), 3);
  EXPECT_EQ(parse_syslog_facility("local0").value(), 16);
  EXPECT_EQ(parse_syslog_facility("local7").value(), 23);
  EXPECT_EQ(parse_syslog_facility("17").value(), 17);
  EXPECT_FALSE(parse_syslog_facility("24").has_value());
  EXPECT_FALSE(parse_syslog_facility("local8").has_value());
  EXPECT_EQ(parse_syslog_severity("emerg").value(), 0);
  EXPECT_EQ(parse_syslog_severity("warning").value(), 4);
  EXPECT_EQ(parse_syslog_severity("debug").value(), 7);
  EXPECT_FALSE(parse_syslog_severity("8").has_value());
  EXPECT_FALSE(parse_syslog_severity("warn ").has_value());
  EXPECT_EQ(SyslogPriority{}.pri(), 21 * 8 + 4);  // local5.warning, the documented default
}

TEST(SyslogAlerts, UdpLoopbackReceivesEachAlert) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  AlertOutputOptions o;
  o.syslog = "udp://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  o.syslog_facility = "local3";
  o.syslog_severity = "err";
  const std::int64_t start = now_ms();
  auto out = AlertOutputs::open(o);
  ASSERT_TRUE(out.has_value()) << out.error().context;
  for (std::uint32_t seed = 1; seed <= 6; ++seed) {
    const Alert a = test::seeded_alert(seed, seed % 2 == 0);
    (*out)->on_alert(a);
    expect_message_of(receive(fd), a, 19 * 8 + 3, start);
  }
  EXPECT_EQ((*out)->syslog_errors(), 0u);
  ::close(fd);
}

// A unix datagram socket like /dev/log, created in a temporary directory.
class UnixReceiver {
 public:
  explicit UnixReceiver(const std::filesystem::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~UnixReceiver() {
    ::close(fd_);
    std::filesystem::remove(path_);
  }
  bool bound() const { return bound_; }
  int fd() const { return fd_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  bool bound_ = false;
};

TEST(SyslogAlerts, UnixSocketReceivesEscapedValues) {
  test::TempDir d;
  UnixReceiver rx(d / "log");
  ASSERT_TRUE(rx.bound());
  AlertOutputOptions o;
  o.syslog = "unix:" + (d / "log").string();
  const std::int64_t start = now_ms();
  auto out = AlertOutputs::open(o);
  ASSERT_TRUE(out.has_value()) << out.error().context;
  Alert a = test::seeded_alert(42);
  a.model = R"(odd "model] \name)";  // every character §6.3.3 escapes
  (*out)->on_alert(a);
  expect_message_of(receive(rx.fd()), a, SyslogPriority{}.pri(), start);
}

TEST(SyslogAlerts, FailuresAreReportedOnceAndRecover) {
  test::TempDir d;
  std::vector<std::string> reports;
  AlertOutputOptions o;
  o.syslog = "unix:" + (d / "log").string();
  std::unique_ptr<AlertOutputs> out;
  {
    UnixReceiver rx(d / "log");
    ASSERT_TRUE(rx.bound());
    auto opened = AlertOutputs::open(o, [&](const std::string& e) { reports.push_back(e); });
    ASSERT_TRUE(opened.has_value()) << opened.error().context;
    out = std::move(*opened);
    out->on_alert(test::seeded_alert(1));
    EXPECT_FALSE(receive(rx.fd()).empty());
  }  // the syslog daemon goes away
  for (std::uint32_t seed = 2; seed <= 4; ++seed) out->on_alert(test::seeded_alert(seed));
  EXPECT_EQ(out->syslog_errors(), 3u);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_NE(reports[0].find(d.path().string()), std::string::npos) << reports[0];
  UnixReceiver back(d / "log");  // and comes back on the same path
  ASSERT_TRUE(back.bound());
  const Alert a = test::seeded_alert(5);
  out->on_alert(a);
  expect_message_of(receive(back.fd()), a, SyslogPriority{}.pri(), now_ms() - 5000);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_NE(reports[1].find("sending again"), std::string::npos) << reports[1];
}

TEST(SyslogAlerts, OpenFailsNamingTheTarget) {
  test::TempDir d;
  AlertOutputOptions o;
  o.syslog = "unix:" + (d / "nothing-here").string();
  auto out = AlertOutputs::open(o);
  ASSERT_FALSE(out.has_value());
  EXPECT_NE(out.error().context.find("--syslog"), std::string::npos);
  EXPECT_NE(out.error().context.find("nothing-here"), std::string::npos);
}

}  // namespace
}  // namespace xmr
