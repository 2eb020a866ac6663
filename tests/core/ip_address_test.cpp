#include "core/ip_address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

namespace xmr {

TEST(IpAddress, V4RoundTripsThroughText) {
  auto a = IpAddress::parse("192.168.1.20");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v4());
  EXPECT_EQ(a->v4(), 0xC0A80114u);
  EXPECT_EQ(a->to_string(), "192.168.1.20");
  EXPECT_EQ(*a, IpAddress::from_v4(0xC0A80114u));
}

TEST(IpAddress, V6RoundTripsThroughTextAndHalves) {
  auto a = IpAddress::parse("2001:db8::1");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->is_v4());
  EXPECT_EQ(a->to_string(), "2001:db8::1");
  EXPECT_EQ(a->v6_hi(), 0x20010db800000000ull);
  EXPECT_EQ(a->v6_lo(), 1ull);
  EXPECT_EQ(IpAddress::from_v6_halves(a->v6_hi(), a->v6_lo()), *a);
}

TEST(IpAddress, RejectsGarbage) {
  EXPECT_FALSE(IpAddress::parse(""));
  EXPECT_FALSE(IpAddress::parse("300.1.1.1"));
  EXPECT_FALSE(IpAddress::parse("1.2.3"));
  EXPECT_FALSE(IpAddress::parse("2001:db8:::1"));
  EXPECT_FALSE(IpAddress::parse(std::string(100, '1')));
}

TEST(IpAddress, UnspecifiedIsAllZero) {
  EXPECT_TRUE(IpAddress{}.is_unspecified());
  EXPECT_FALSE(IpAddress::from_v4(1).is_unspecified());
  EXPECT_FALSE(IpAddress{}.is_v4());
}

}  // namespace xmr

namespace xmr {

TEST(IpAddress, V4TextMatchesInetNtopForEveryOctetWidth) {
  for (std::uint32_t a : {0u, 0x01020304u, 0x0a000001u, 0x630a6400u, 0xc0a80a63u, 0xffffffffu, 0x64006300u}) {
    char buf[16];
    const std::uint32_t be = htonl(a);
    ASSERT_NE(inet_ntop(AF_INET, &be, buf, sizeof buf), nullptr);
    EXPECT_EQ(IpAddress::from_v4(a).to_string(), buf);
  }
}

}  // namespace xmr
