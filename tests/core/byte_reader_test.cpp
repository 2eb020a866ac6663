#include "core/byte_reader.h"

#include <gtest/gtest.h>

#include <vector>

namespace xmr {

TEST(ByteReader, ReadsBothByteOrders) {
  const std::vector<std::uint8_t> d = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
  ByteReader r(d);
  EXPECT_EQ(r.le16(), 0x0201);
  EXPECT_EQ(r.be16(), 0x0304);
  EXPECT_EQ(r.remaining(), 2u);
  EXPECT_FALSE(r.le32());  // only 2 bytes left: refused
  EXPECT_TRUE(r.empty());  // and a failed read leaves nothing to misread later
}

TEST(ByteReader, SubReaderIsCutToItsLength) {
  const std::vector<std::uint8_t> d = {1, 2, 3, 4, 5};
  ByteReader r(d);
  auto s = r.sub(3);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->size(), 3u);
  EXPECT_EQ(r.offset(), 3u);
  EXPECT_TRUE(s->skip(3));
  EXPECT_FALSE(s->u8());
  EXPECT_EQ(r.u8(), 4);
  EXPECT_FALSE(r.sub(2));
}

TEST(ByteReader, HugeLengthsAreRefusedNotWrapped) {
  const std::vector<std::uint8_t> d(8, 0);
  ByteReader r(d);
  EXPECT_TRUE(r.skip(4));
  EXPECT_FALSE(r.skip(SIZE_MAX));
  EXPECT_FALSE(r.sub(SIZE_MAX - 2));
}

}  // namespace xmr
