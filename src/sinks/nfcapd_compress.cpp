#include "sinks/nfcapd_compress.h"

#include <bzlib.h>
#include <lz4.h>
#include <lzo/lzo1x.h>
#include <zstd.h>

#include <fmt/format.h>

namespace xmr {

namespace {
// bzip2 and nfdump: level 9 blocks (nffile.c Compress_Block_BZ2 uses BZ2_bzCompressInit(.., 9, ..)).
constexpr int bz2_block_size_100k = 9;
// ZSTD level: nfdump 1.7.2+ defaults to level 3 (ZSTD_CLEVEL_DEFAULT).
constexpr int zstd_level = 3;
}  // namespace

NfcapdCompressor::NfcapdCompressor(NfcapdCompression c) : c_(c) {
  if (c_ == NfcapdCompression::lzo) {
    (void)lzo_init();  // only checks the library's build configuration; no state
    lzo_work_.resize(LZO1X_1_MEM_COMPRESS);
  }
  if (c_ == NfcapdCompression::zstd) zstd_ctx_ = ZSTD_createCCtx();
}

NfcapdCompressor::~NfcapdCompressor() {
  if (zstd_ctx_ != nullptr) ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(zstd_ctx_));
}

result<bool> NfcapdCompressor::compress(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out) {
  switch (c_) {
    case NfcapdCompression::none:
      return false;
    case NfcapdCompression::lzo: {
      // Worst case LZO1X expansion (lzo FAQ): n + n/16 + 64 + 3.
      out.resize(in.size() + in.size() / 16 + 64 + 3);
      lzo_uint out_len = out.size();
      int rc = lzo1x_1_compress(in.data(), in.size(), out.data(), &out_len, lzo_work_.data());
      if (rc != LZO_E_OK) return make_error(errc::io_error, fmt::format("LZO compression failed ({})", rc));
      out.resize(out_len);
      return true;
    }
    case NfcapdCompression::lz4: {
      int bound = LZ4_compressBound(static_cast<int>(in.size()));
      out.resize(static_cast<std::size_t>(bound));
      int n = LZ4_compress_default(reinterpret_cast<const char*>(in.data()), reinterpret_cast<char*>(out.data()),
                                   static_cast<int>(in.size()), bound);
      if (n <= 0) return make_error(errc::io_error, "LZ4 compression failed");
      out.resize(static_cast<std::size_t>(n));
      return true;
    }
    case NfcapdCompression::bz2: {
      // bzip2 manual: output of at most 1% + 600 bytes more than the input.
      out.resize(in.size() + in.size() / 100 + 600);
      unsigned int out_len = static_cast<unsigned int>(out.size());
      int rc = BZ2_bzBuffToBuffCompress(reinterpret_cast<char*>(out.data()), &out_len,
                                        const_cast<char*>(reinterpret_cast<const char*>(in.data())),
                                        static_cast<unsigned int>(in.size()), bz2_block_size_100k, 0, 0);
      if (rc != BZ_OK) return make_error(errc::io_error, fmt::format("BZ2 compression failed ({})", rc));
      out.resize(out_len);
      return true;
    }
    case NfcapdCompression::zstd: {
      if (zstd_ctx_ == nullptr) return make_error(errc::io_error, "ZSTD context allocation failed");
      out.resize(ZSTD_compressBound(in.size()));
      std::size_t n = ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(zstd_ctx_), out.data(), out.size(), in.data(),
                                        in.size(), zstd_level);
      if (ZSTD_isError(n)) return make_error(errc::io_error, fmt::format("ZSTD compression failed: {}", ZSTD_getErrorName(n)));
      out.resize(n);
      return true;
    }
  }
  return false;
}

}  // namespace xmr
