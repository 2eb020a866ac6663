#include "core/diagnostics.h"

#include <gtest/gtest.h>

#include <vector>

namespace xmr {

TEST(Diagnostics, CountsByCodeAndNamesSourceAndPosition) {
  std::vector<std::string> seen;
  Diagnostics d([&](const Problem& p) { seen.push_back(format_problem(p)); });
  d.report(errc::corrupt_block, "a.nf", PositionKind::byte_offset, 4096, "size 9999 > file");
  d.report(errc::bad_line, "b.csv", PositionKind::line, 7, "6 fields, want 48");
  d.report(errc::bad_line, "b.csv", PositionKind::line, 9, "bad address");
  d.add_read(10);
  d.add_skipped(3);
  EXPECT_EQ(d.errors(), 3u);
  EXPECT_EQ(d.count(errc::bad_line), 2u);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], "a.nf: byte 4096: corrupt_block: size 9999 > file");
  EXPECT_EQ(d.summary(), "records read 10, skipped 3, errors 3 (corrupt_block 1, bad_line 2)");
}

TEST(Diagnostics, CallbackIsBoundedButCountingIsNot) {
  int calls = 0;
  Diagnostics d([&](const Problem&) { ++calls; }, 5);
  for (int i = 0; i < 100; ++i) d.report(errc::bad_record, "x", PositionKind::record, i, "m");
  EXPECT_EQ(calls, 5);
  EXPECT_EQ(d.errors(), 100u);
}

}  // namespace xmr
