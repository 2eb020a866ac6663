// Damaged nfcapd files: built by truncating/patching real nfpcapd/nfdump output. Every case must
// give a clear message (file + byte offset), count what it lost, keep the good blocks around it,
// and never crash, hang or allocate from the damaged length.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "nfcapd_test_util.h"

namespace xmr::test {
namespace {

struct Block {
  std::string bytes;  // 12-byte header + payload
  std::uint32_t records() const { return le32(0); }
  std::uint32_t le32(std::size_t off) const {
    std::uint32_t v;
    std::memcpy(&v, bytes.data() + off, 4);
    return v;
  }
};

struct Parsed {
  std::string header;        // 40 bytes
  std::vector<Block> blocks; // data blocks only (appendix dropped)
};

void put16(std::string& s, std::size_t off, std::uint16_t v) { std::memcpy(s.data() + off, &v, 2); }
void put32(std::string& s, std::size_t off, std::uint32_t v) { std::memcpy(s.data() + off, &v, 4); }

Parsed split(const std::string& file) {
  Parsed p;
  p.header = file.substr(0, 40);
  std::uint64_t appendix;
  std::memcpy(&appendix, file.data() + 24, 8);
  std::size_t pos = 40;
  while (pos + 12 <= file.size() && pos != appendix) {
    std::uint32_t size;
    std::memcpy(&size, file.data() + pos + 4, 4);
    p.blocks.push_back(Block{file.substr(pos, 12 + size)});
    pos += 12 + size;
  }
  return p;
}

// Header with no appendix, then the given blocks.
std::string join(const Parsed& p, const std::vector<Block>& blocks) {
  std::string h = p.header;
  put16(h, 18, 0);              // appendixBlocks
  std::memset(h.data() + 24, 0, 8);  // offAppendix
  put32(h, 36, static_cast<std::uint32_t>(blocks.size()));
  for (const auto& b : blocks) h += b.bytes;
  return h;
}

class NfcapdBadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    auto files = capture_to_nfcapd(shared_pcap("ndpi_bitcoin_p2p.pcap"), dir_.path());
    ASSERT_FALSE(files.empty());
    plain_path_ = files.back();
    plain_ = read_file(plain_path_);
    parsed_ = split(plain_);
    ASSERT_EQ(parsed_.blocks.size(), 1u);
    good_ = parsed_.blocks[0];
    ASSERT_GE(good_.records(), 3u);
  }
  ReadAll read_bytes(const std::string& bytes, const std::string& name = "bad.nfcapd") {
    auto p = dir_ / name;
    write_file(p, bytes);
    return read_all(p.string());
  }
  static bool has(const ReadAll& r, const std::string& needle) {
    for (const auto& p : r.problems)
      if (p.find(needle) != std::string::npos) return true;
    return false;
  }
  static std::string all(const ReadAll& r) {
    std::string s;
    for (const auto& p : r.problems) s += p + "\n";
    return s;
  }
  TempDir dir_;
  std::filesystem::path plain_path_;
  std::string plain_;
  Parsed parsed_;
  Block good_;
};

TEST_F(NfcapdBadInput, TruncatedFileHeader) {
  auto r = read_bytes(plain_.substr(0, 20));
  EXPECT_TRUE(has(r, "bad.nfcapd")) << all(r);
  EXPECT_TRUE(has(r, "truncated")) << all(r);
  EXPECT_TRUE(r.records.empty());
}

TEST_F(NfcapdBadInput, BadMagicAndLayout1) {
  std::string b = plain_;
  put16(b, 2, 1);
  auto r = read_bytes(b);
  EXPECT_TRUE(has(r, "nfdump 1.6 layout 1 files are not supported; convert with nfdump 1.7: nfdump -r old -w new")) << all(r);
  put16(b, 2, 7);
  r = read_bytes(b);
  EXPECT_TRUE(has(r, "layout version 7")) << all(r);
}

TEST_F(NfcapdBadInput, TruncatedInsideBlockKeepsEarlierBlocks) {
  std::string f = join(parsed_, {good_, good_});
  f.resize(f.size() - good_.bytes.size() / 2);
  auto r = read_bytes(f);
  EXPECT_EQ(r.records.size(), good_.records());
  EXPECT_EQ(r.skipped, good_.records());
  const std::string where = "byte " + std::to_string(40 + good_.bytes.size());
  EXPECT_TRUE(has(r, where + ": truncated")) << all(r);
}

TEST_F(NfcapdBadInput, TruncatedInsideBlockHeader) {
  std::string f = join(parsed_, {good_});
  f += good_.bytes.substr(0, 7);
  auto r = read_bytes(f);
  EXPECT_EQ(r.records.size(), good_.records());
  EXPECT_TRUE(has(r, "file ends inside a block header")) << all(r);
}

TEST_F(NfcapdBadInput, BlockSizeBeyondNfdumpMaximum) {
  Block bad = good_;
  put32(bad.bytes, 4, 0x7fffffff);
  auto r = read_bytes(join(parsed_, {good_, bad, good_}));
  EXPECT_EQ(r.records.size(), good_.records());  // sizes cannot be trusted after it: stop
  EXPECT_TRUE(has(r, "exceeds nfdump's maximum")) << all(r);
  EXPECT_GE(r.skipped, good_.records());
}

TEST_F(NfcapdBadInput, BlockSizeBeyondFile) {
  Block bad = good_;
  put32(bad.bytes, 4, static_cast<std::uint32_t>(good_.bytes.size() * 3));
  auto r = read_bytes(join(parsed_, {good_, bad}));
  EXPECT_EQ(r.records.size(), good_.records());
  EXPECT_TRUE(has(r, "runs past the end of the file")) << all(r);
}

TEST_F(NfcapdBadInput, RecordSizeZeroSkipsOnlyItsBlock) {
  Block bad = good_;
  put16(bad.bytes, 12 + 2, 0);  // first record's size
  auto r = read_bytes(join(parsed_, {good_, bad, good_}));
  EXPECT_EQ(r.records.size(), 2u * good_.records());
  EXPECT_EQ(r.skipped, good_.records());
  EXPECT_TRUE(has(r, "byte " + std::to_string(40 + good_.bytes.size()) + ": corrupt_block")) << all(r);
}

TEST_F(NfcapdBadInput, RecordSizeBeyondBlock) {
  Block bad = good_;
  put16(bad.bytes, 12 + 2, 0xfff0);
  auto r = read_bytes(join(parsed_, {bad, good_}));
  EXPECT_EQ(r.records.size(), good_.records());
  EXPECT_TRUE(has(r, "declares size 65520")) << all(r);
}

TEST_F(NfcapdBadInput, ElementLengthOverflowSkipsOneRecord) {
  // nfpcapd's files start with an exporter info record; find the first V3 record (type 11).
  Block bad = good_;
  std::size_t pos = 12;
  while (pos + 4 <= bad.bytes.size()) {
    std::uint16_t type, size;
    std::memcpy(&type, bad.bytes.data() + pos, 2);
    std::memcpy(&size, bad.bytes.data() + pos + 2, 2);
    if (type == 11) break;
    pos += size;
  }
  ASSERT_LT(pos + 16, bad.bytes.size());
  put16(bad.bytes, pos + 12 + 2, 0xffff);  // first element's length
  auto r = read_bytes(join(parsed_, {bad}));
  EXPECT_EQ(r.records.size(), good_.records() - 1);
  EXPECT_EQ(r.skipped, 1u);
  EXPECT_TRUE(has(r, "bad_record")) << all(r);
  EXPECT_TRUE(has(r, "length 65535 does not fit the record")) << all(r);
}

TEST_F(NfcapdBadInput, LyingRecordCount) {
  Block bad = good_;
  put32(bad.bytes, 0, good_.records() + 5);
  auto r = read_bytes(join(parsed_, {bad, good_}));
  EXPECT_EQ(r.records.size(), 2u * good_.records());
  EXPECT_EQ(r.skipped, 5u);
  EXPECT_TRUE(has(r, "declares " + std::to_string(good_.records() + 5) + " records")) << all(r);
}

TEST_F(NfcapdBadInput, DecompressionFailureSkipsOnlyItsBlock) {
  auto lz4 = dir_ / "lz4.nfcapd";
  auto c = run("nfdump -r " + sh_quote(plain_path_.string()) + " -y -w " + sh_quote(lz4.string()));
  ASSERT_EQ(c.exit_code, 0) << c.err;
  Parsed p = split(read_file(lz4));
  ASSERT_EQ(p.blocks.size(), 1u);
  Block bad = p.blocks[0];
  for (std::size_t i = 12; i < bad.bytes.size(); ++i) bad.bytes[i] = static_cast<char>(0xff);
  auto r = read_bytes(join(p, {p.blocks[0], bad, p.blocks[0]}));
  EXPECT_EQ(r.records.size(), 2u * good_.records());
  EXPECT_EQ(r.skipped, good_.records());
  EXPECT_TRUE(has(r, "decompress_failed")) << all(r);
  EXPECT_TRUE(has(r, "LZ4")) << all(r);
}

TEST_F(NfcapdBadInput, BadAppendixOffsetIsReportedNotFatal) {
  std::string f = plain_;
  std::uint64_t huge = 1ull << 40;
  std::memcpy(f.data() + 24, &huge, 8);
  auto r = read_bytes(f);
  EXPECT_EQ(r.records.size(), good_.records());
  EXPECT_TRUE(has(r, "appendix offset")) << all(r);
}

TEST_F(NfcapdBadInput, UnknownCompressionAndEncryption) {
  std::string f = plain_;
  f[16] = 9;
  EXPECT_TRUE(has(read_bytes(f), "compression id 9"));
  f = plain_;
  f[17] = 1;
  EXPECT_TRUE(has(read_bytes(f), "encrypted"));
}

TEST_F(NfcapdBadInput, GarbageAfterHeaderNeverHangs) {
  std::string f = plain_.substr(0, 40);
  for (int i = 0; i < 4096; ++i) f += static_cast<char>((i * 7919) & 0xff);
  auto r = read_bytes(f);
  EXPECT_GE(r.errors, 1u) << all(r);
}

}  // namespace
}  // namespace xmr::test
