// SHA-1 against FIPS 180-4 example vectors, and Community ID v1 against the spec's baseline
// (corelight/community-id-spec baseline/baseline_deflt.json and baseline_seed1.json).
#include <gtest/gtest.h>

#include <string>

#include "detect/community_id.h"
#include "detect/sha1.h"

namespace xmr {

namespace {
std::string hex(const Sha1Digest& d) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (auto b : d) s += {digits[b >> 4], digits[b & 15]};
  return s;
}
std::string sha1_hex(const std::string& text) {
  return hex(sha1(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())));
}
IpAddress ip(const char* s) { return *IpAddress::parse(s); }
}  // namespace

TEST(Sha1, FipsExampleVectors) {
  EXPECT_EQ(sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(sha1_hex(std::string(1'000'000, 'a')), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(Sha1, PaddingBoundaries) {
  // 55, 56 and 64 bytes cross the one-block / two-block padding boundary (sha1sum(1) values).
  EXPECT_EQ(sha1_hex(std::string(55, 'a')), "c1c8bbdc22796e28c0e15163d20899b65621d65a");
  EXPECT_EQ(sha1_hex(std::string(56, 'a')), "c2db330f6083854c99d4b5bfb6e8f29f201be699");
  EXPECT_EQ(sha1_hex(std::string(64, 'a')), "0098ba824b5c16427bd7a1122a5a442a25ec644d");
}

struct CidVector {
  const char* saddr;
  const char* daddr;
  std::uint16_t sport, dport;
  std::uint8_t proto;
  std::uint16_t seed;
  const char* id;
};

TEST(CommunityId, SpecBaselineVectors) {
  const CidVector vectors[] = {
      {"128.232.110.120", "66.35.250.204", 34855, 80, 6, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
      {"66.35.250.204", "128.232.110.120", 80, 34855, 6, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
      {"192.168.1.52", "8.8.8.8", 54585, 53, 17, 0, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
      {"8.8.8.8", "192.168.1.52", 53, 54585, 17, 0, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
      {"2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, 6, 0,
       "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
      {"2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943, 6, 0,
       "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
      {"192.168.170.8", "192.168.170.56", 7, 7, 132, 0, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
      {"10.1.12.1", "10.1.12.2", 0, 0, 46, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},  // no ports
      {"128.232.110.120", "66.35.250.204", 34855, 80, 6, 1, "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
      {"192.168.1.52", "8.8.8.8", 54585, 53, 17, 1, "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
      {"2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943, 6, 1,
       "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
      {"10.1.12.2", "10.1.12.1", 0, 0, 46, 1, "1:rYir8gphR31noO9iDRQmF/BteEI="},
  };
  for (const auto& v : vectors)
    EXPECT_EQ(community_id_v1(ip(v.saddr), v.sport, ip(v.daddr), v.dport, v.proto, v.seed), v.id)
        << v.saddr << ":" << v.sport << " -> " << v.daddr << ":" << v.dport << " proto " << int{v.proto} << " seed " << v.seed;
}

TEST(CommunityId, EqualAddressesAreOrderedByPort) {
  // Spec: "If the IP addresses are equal, the ports decide" - both directions hash alike.
  EXPECT_EQ(community_id_v1(ip("10.0.0.1"), 1234, ip("10.0.0.1"), 80, 6),
            community_id_v1(ip("10.0.0.1"), 80, ip("10.0.0.1"), 1234, 6));
  EXPECT_NE(community_id_v1(ip("10.0.0.1"), 1234, ip("10.0.0.1"), 80, 6),
            community_id_v1(ip("10.0.0.1"), 1234, ip("10.0.0.1"), 81, 6));
}

}  // namespace xmr
