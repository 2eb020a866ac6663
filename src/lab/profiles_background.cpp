// Benign profiles beyond the keepalive look-alikes of profiles_benign.cpp:
//  * imap-idle: IMAP4rev1 (RFC 3501) login, SELECT, then IDLE (RFC 2177); the server sends
//    "* OK Still here" every 2 min (Dovecot imap_idle_notify_interval default), the client ends and
//    re-issues IDLE every 29 min (RFC 2177 section 3), new mail arrives as "* N EXISTS" and is
//    fetched (DONE, UID FETCH, IDLE again).
//  * irc-ping: IRC client (RFC 1459 / RFC 2812): NICK/USER, welcome burst and MOTD, JOIN; the
//    server PINGs after `period_s` of silence (ngircd PingTimeout default 120 s), the client PONGs;
//    channel traffic arrives as PRIVMSG.
//  * dns-tcp: DNS over TCP (RFC 7766): 2-byte length prefix (RFC 1035 section 4.2.2), one to three
//    queries on one connection, then the client closes; responses 60-1500 bytes (large ones are
//    why TCP is used: truncation, DNSSEC).
//  * bulk-transfer: an HTTPS download: TLS handshake, GET, one large response (lognormal, median
//    `mean_bytes`, default 20 MB).
//  * streaming: adaptive video over HTTPS (HLS, RFC 8216): a media segment GET every `period_s`
//    (default 4 s) of `mean_bytes` (default 1.5 MB = 3 Mbit/s x 4 s), for `session_s` (mean 20 min).
#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "lab/payloads.h"
#include "lab/profile.h"

namespace xmr::lab {

namespace {

class ImapIdle final : public TimedConversation {
 public:
  ImapIdle(const ConversationContext& ctx, const ProfileParams& p, std::uint64_t seed)
      : TimedConversation(ctx, seed, 4), server_name_(p.server_name), notify_s_(p.period_s > 0 ? p.period_s : 120) {
    set_timer(start, ctx.start_us + 500);
  }

 private:
  enum : std::size_t { start, still_here, reidle, mail };
  static constexpr double reidle_s = 29 * 60;  // RFC 2177 section 3
  std::string tag() { return fmt::format("a{}", next_tag_++); }
  void idle(std::int64_t t) {
    send(t, true, tag() + " IDLE\r\n");
    send(reply_time(t, 1.0), false, "+ idling\r\n");
    set_timer(still_here, t + seconds(notify_s_));
    set_timer(reidle, t + seconds(reidle_s));
  }
  std::int64_t done(std::int64_t t) {
    send(t, true, "DONE\r\n");
    const std::int64_t r = reply_time(t, 1.0);
    send(r, false, fmt::format("a{} OK Idle completed (0.001 + {:.3f} secs).\r\n", next_tag_ - 1, uniform(rng_, 100, 1700)));
    return r;
  }
  void on_timer(std::size_t which, std::int64_t now) override {
    if (which == start) {
      std::int64_t t = ctx_.tls ? tls_handshake(now, server_name_) : now;
      send(t + 200, false,
           "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot (Debian) ready.\r\n");
      t = reply_time(t + 200, 0.5);
      send(t, true, tag() + " AUTHENTICATE PLAIN " + random_hex(rng_, 40) + "=\r\n");
      std::int64_t r = reply_time(t, 30.0);
      send(r, false, fmt::format("a1 OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY "
                                 "THREAD=REFERENCES THREAD=REFS MULTIAPPEND UNSELECT CHILDREN NAMESPACE UIDPLUS "
                                 "LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH SEARCHRES WITHIN CONTEXT=SEARCH "
                                 "LIST-STATUS BINARY MOVE SNIPPET=FUZZY LITERAL+ NOTIFY SPECIAL-USE] Logged in\r\n"));
      t = r + 300;
      send(t, true, tag() + " SELECT INBOX\r\n");
      r = reply_time(t, 5.0);
      exists_ = uniform_int(rng_, 50, 5000);
      send(r, false, fmt::format("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* OK [PERMANENTFLAGS "
                                 "(\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n* {} EXISTS\r\n"
                                 "* 0 RECENT\r\n* OK [UIDVALIDITY {}] UIDs valid\r\n* OK [UIDNEXT {}] Predicted next UID\r\n"
                                 "a2 OK [READ-WRITE] Select completed (0.002 + 0.000 secs).\r\n",
                                 exists_, uniform_int(rng_, 1600000000, 1700000000), exists_ + 1));
      idle(r + 200);
      set_timer(mail, r + seconds(exponential(rng_, 1200)));
    } else if (which == still_here) {
      send(now, false, "* OK Still here\r\n");
      set_timer(still_here, now + seconds(notify_s_));
    } else if (which == reidle) {
      idle(done(now) + 100);
    } else {
      // New mail: the server announces it, the client leaves IDLE, fetches it and idles again.
      send(now, false, fmt::format("* {} EXISTS\r\n", ++exists_));
      std::int64_t r = done(now + seconds(uniform(rng_, 0.01, 0.2)));  // the client reacts to the push
      const std::int64_t t = r + 200;
      send(t, true, tag() + fmt::format(" UID FETCH {} (UID RFC822.SIZE FLAGS BODY.PEEK[])\r\n", exists_));
      r = reply_time(t, 10.0);
      const auto size = static_cast<std::size_t>(std::min(2e6, std::exp(std::normal_distribution<double>(8.5, 1.2)(rng_))));
      send(r, false, fmt::format("* {} FETCH (UID {} RFC822.SIZE {} FLAGS () BODY[] {{{}}}\r\n", exists_, exists_, size, size) +
                         std::string(size, 'm') + ")\r\n" + fmt::format("a{} OK Fetch completed.\r\n", next_tag_ - 1));
      idle(r + 300);
      set_timer(mail, now + seconds(exponential(rng_, 1200)));
    }
  }
  std::string server_name_;
  double notify_s_;
  std::uint64_t exists_ = 0;
  int next_tag_ = 1;
};

class IrcPing final : public TimedConversation {
 public:
  IrcPing(const ConversationContext& ctx, const ProfileParams& p, std::uint64_t seed)
      : TimedConversation(ctx, seed, 4), server_name_(p.server_name.empty() ? "irc.example.net" : p.server_name),
        ping_s_(p.period_s > 0 ? p.period_s : 120) {
    nick_ = "user" + random_hex(rng_, 5);
    set_timer(start, ctx.start_us + 500);
  }

 private:
  enum : std::size_t { start, ping, chat_in, chat_out };
  void heard(std::int64_t t) { set_timer(ping, t + seconds(ping_s_)); }  // the server pings after silence
  void on_timer(std::size_t which, std::int64_t now) override {
    if (which == start) {
      std::int64_t t = ctx_.tls ? tls_handshake(now, server_name_) : now;
      send(t, true, fmt::format("NICK {}\r\nUSER {} 0 * :{}\r\n", nick_, nick_, nick_));
      std::int64_t r = reply_time(t, 5.0);
      std::string welcome = fmt::format(":{0} 001 {1} :Welcome to the Internet Relay Network {1}!~{1}@host\r\n"
                                        ":{0} 002 {1} :Your host is {0}, running version ngircd-26.1\r\n"
                                        ":{0} 003 {1} :This server has been started Mon Jan 01 2026 at 00:00:00\r\n"
                                        ":{0} 004 {1} {0} ngircd-26.1 abBcCFiIoqrRswx abehiIklmMnoOPqQrRstvVz\r\n"
                                        ":{0} 005 {1} RFC2812 IRCD=ngIRCd CHARSET=UTF-8 CASEMAPPING=ascii PREFIX=(qaohv)~&@%+ "
                                        "CHANTYPES=#&+ CHANMODES=beI,k,l,imMnOPQRstVz CHANLIMIT=#&+:10 :are supported\r\n",
                                        server_name_, nick_);
      // A short MOTD: the burst stays within one segment, as IRC dissectors (no TCP reassembly) expect.
      const auto motd_lines = uniform_int(rng_, 2, 6);
      welcome += fmt::format(":{} 375 {} :- {} message of the day\r\n", server_name_, nick_, server_name_);
      for (std::uint64_t i = 0; i < motd_lines; ++i)
        welcome += fmt::format(":{} 372 {} :- {}\r\n", server_name_, nick_, std::string(uniform_int(rng_, 10, 40), '*'));
      welcome += fmt::format(":{} 376 {} :End of MOTD command\r\n", server_name_, nick_);
      send(r, false, welcome);
      t = r + seconds(uniform(rng_, 0.5, 2));
      channel_ = "#chan" + random_hex(rng_, 3);
      send(t, true, fmt::format("JOIN {}\r\n", channel_));
      r = reply_time(t, 3.0);
      std::string names = fmt::format(":{0}!~{0}@host JOIN :{1}\r\n:{2} 353 {0} = {1} :", nick_, channel_, server_name_);
      const auto members = uniform_int(rng_, 3, 60);
      for (std::uint64_t i = 0; i < members; ++i) names += "nick" + random_hex(rng_, 4) + " ";
      names += fmt::format("\r\n:{} 366 {} {} :End of NAMES list\r\n", server_name_, nick_, channel_);
      send(r, false, names);
      heard(r);
      chat_in_mean_s_ = exp(uniform(rng_, std::log(60.0), std::log(1800.0)));
      set_timer(chat_in, r + seconds(exponential(rng_, chat_in_mean_s_)));
      set_timer(chat_out, r + seconds(exponential(rng_, 1800)));
    } else if (which == ping) {
      send(now, false, fmt::format("PING :{}\r\n", server_name_));
      send(now + 200, true, fmt::format("PONG :{}\r\n", server_name_));  // capture at the client: it answers at once
      heard(now);
    } else if (which == chat_in) {
      send(now, false, fmt::format(":nick{}!~u@host PRIVMSG {} :{}\r\n", random_hex(rng_, 4), channel_,
                                   std::string(uniform_int(rng_, 5, 300), 'c')));
      heard(now);
      set_timer(chat_in, now + seconds(exponential(rng_, chat_in_mean_s_)));
    } else {
      send(now, true, fmt::format("PRIVMSG {} :{}\r\n", channel_, std::string(uniform_int(rng_, 5, 200), 'c')));
      set_timer(chat_out, now + seconds(exponential(rng_, 1800)));
    }
  }
  std::string server_name_, nick_, channel_;
  double ping_s_, chat_in_mean_s_ = 300;
};

// A well-formed DNS message (RFC 1035 section 4.1): header, one question for `name` type TXT, and
// for a response TXT answers (section 3.3.14: character-strings of <= 255 bytes) filling it to about
// `size` bytes; framed for TCP with the 2-byte length (section 4.2.2).
std::string dns_message(Rng& rng, std::uint16_t id, bool response, const std::string& name, std::size_t size) {
  auto u16 = [](std::string& s, std::size_t v) {
    s.push_back(static_cast<char>((v >> 8) & 0xff));
    s.push_back(static_cast<char>(v & 0xff));
  };
  std::string qname;
  for (std::size_t start = 0; start <= name.size();) {
    auto dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    qname.push_back(static_cast<char>(dot - start));
    qname += name.substr(start, dot - start);
    start = dot + 1;
  }
  qname.push_back(0);
  std::vector<std::string> answers;
  if (response) {
    std::size_t used = 12 + qname.size() + 4;
    while (answers.empty() || used + 16 < size) {
      const std::size_t text = std::min<std::size_t>(255, size > used + 16 ? size - used - 16 : 8);
      std::string rr{static_cast<char>(0xc0), 12};  // pointer to the question name (section 4.1.4)
      u16(rr, 16);                                   // TYPE TXT
      u16(rr, 1);                                    // CLASS IN
      rr += std::string{0, 0, 0x0e, 0x10};           // TTL 3600
      u16(rr, text + 1);
      rr.push_back(static_cast<char>(text));
      rr += random_hex(rng, text);
      used += rr.size();
      answers.push_back(std::move(rr));
    }
  }
  std::string m;
  u16(m, id);
  m.push_back(static_cast<char>(response ? 0x81 : 0x01));  // QR, RD
  m.push_back(static_cast<char>(response ? 0x80 : 0x20));  // RA / AD
  u16(m, 1);
  u16(m, answers.size());
  u16(m, 0);
  u16(m, 0);
  m += qname;
  u16(m, 16);
  u16(m, 1);
  for (const auto& a : answers) m += a;
  std::string framed;
  u16(framed, m.size());
  return framed + m;
}

class DnsTcp final : public TimedConversation {
 public:
  DnsTcp(const ConversationContext& ctx, const ProfileParams&, std::uint64_t seed) : TimedConversation(ctx, seed, 1) {
    left_ = static_cast<int>(uniform_int(rng_, 1, 3));
    set_timer(0, ctx.start_us + 200);
  }

 private:
  void on_timer(std::size_t, std::int64_t now) override {
    std::int64_t t = now;
    if (first_ && ctx_.tls) t = tls_handshake(now, "dns.example.net");
    first_ = false;
    const auto id = static_cast<std::uint16_t>(rng_());
    const std::string name = random_hex(rng_, uniform_int(rng_, 3, 12)) + ".example" + std::to_string(uniform_int(rng_, 1, 99)) + ".net";
    send(t, true, dns_message(rng_, id, false, name, 0));
    const auto size = static_cast<std::size_t>(std::exp(uniform(rng_, std::log(60.0), std::log(1500.0))));
    const std::int64_t r = reply_time(t, uniform(rng_, 1, 80));
    send(r, false, dns_message(rng_, id, true, name, size));
    if (--left_ > 0) set_timer(0, r + seconds(uniform(rng_, 0.01, 2)));
  }
  int left_ = 1;
  bool first_ = true;
};

class BulkTransfer final : public TimedConversation {
 public:
  BulkTransfer(const ConversationContext& ctx, const ProfileParams& p, std::uint64_t seed)
      : TimedConversation(ctx, seed, 1), median_bytes_(p.mean_bytes > 0 ? p.mean_bytes : 20e6),
        host_(p.server_name.empty() ? "downloads.example.org" : p.server_name) {
    set_timer(0, ctx.start_us + 500);
  }

 private:
  void on_timer(std::size_t, std::int64_t now) override {
    const std::int64_t t = tls_handshake(now, host_);
    send(t, true, fmt::format("GET /files/{}.tar.xz HTTP/1.1\r\nHost: {}\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
                              random_hex(rng_, 12), host_));
    const double bytes = std::min(200e6, median_bytes_ * std::exp(std::normal_distribution<double>(0, 1.0)(rng_)));
    send(reply_time(t, 20.0), false, std::string(static_cast<std::size_t>(bytes), 'z'));
  }
  double median_bytes_;
  std::string host_;
};

class Streaming final : public TimedConversation {
 public:
  Streaming(const ConversationContext& ctx, const ProfileParams& p, std::uint64_t seed)
      : TimedConversation(ctx, seed, 1), segment_s_(p.period_s > 0 ? p.period_s : 4),
        segment_bytes_(p.mean_bytes > 0 ? p.mean_bytes : 1.5e6),
        host_(p.server_name.empty() ? "video.example-cdn.net" : p.server_name) {
    stop_us_ = ctx.start_us + seconds(exponential(rng_, p.session_s > 0 ? p.session_s : 1200));
    set_timer(0, ctx.start_us + 500);
  }

 private:
  void on_timer(std::size_t, std::int64_t now) override {
    std::int64_t t = first_ ? tls_handshake(now, host_) : now;
    first_ = false;
    send(t, true, fmt::format("GET /hls/{}/seg{}.m4s HTTP/1.1\r\nHost: {}\r\nUser-Agent: Mozilla/5.0\r\nAccept: */*\r\n\r\n",
                              random_hex(rng_, 8), segment_++, host_));
    const double bytes = segment_bytes_ * uniform(rng_, 0.6, 1.4);  // variable-bitrate segments
    send(reply_time(t, 15.0), false, std::string(static_cast<std::size_t>(bytes), 'v'));
    const std::int64_t next = t + seconds(segment_s_ * uniform(rng_, 0.9, 1.1));
    if (next < stop_us_) set_timer(0, next);
  }
  double segment_s_, segment_bytes_;
  std::string host_;
  std::int64_t stop_us_ = 0;
  std::uint64_t segment_ = 1;
  bool first_ = true;
};

}  // namespace

std::unique_ptr<Conversation> make_background_conversation(const ProfileInfo& p, const ConversationContext& ctx,
                                                           const ProfileParams& params, std::uint64_t seed) {
  if (p.family == "imap") return std::make_unique<ImapIdle>(ctx, params, seed);
  if (p.family == "irc") return std::make_unique<IrcPing>(ctx, params, seed);
  if (p.family == "dns") return std::make_unique<DnsTcp>(ctx, params, seed);
  if (p.family == "bulk") return std::make_unique<BulkTransfer>(ctx, params, seed);
  return std::make_unique<Streaming>(ctx, params, seed);
}

}  // namespace xmr::lab
