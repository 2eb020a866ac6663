#include "sources/nfcapd/nfcapd_decompress.h"

#include <bzlib.h>
#include <lz4.h>
#include <lzo/lzo1x.h>
#include <zstd.h>

#include <climits>

namespace xmr::nfcapd {

std::optional<std::size_t> decompress_block(Compression c, std::span<const std::uint8_t> in,
                                            std::span<std::uint8_t> out, std::string& why) {
  switch (c) {
    case Compression::none:
      if (in.size() > out.size()) {
        why = "block larger than the buffer";
        return std::nullopt;
      }
      std::copy(in.begin(), in.end(), out.begin());
      return in.size();
    case Compression::lzo: {
      if (in.empty()) {
        why = "LZO: empty block";
        return std::nullopt;
      }
      lzo_uint out_len = out.size();
      int r = lzo1x_decompress_safe(in.data(), in.size(), out.data(), &out_len, nullptr);
      if (r != LZO_E_OK) {
        why = "LZO: lzo1x_decompress_safe error " + std::to_string(r);
        return std::nullopt;
      }
      return out_len;
    }
    case Compression::lz4: {
      if (in.size() > INT_MAX || out.size() > INT_MAX) {
        why = "LZ4: block too large";
        return std::nullopt;
      }
      int n = LZ4_decompress_safe(reinterpret_cast<const char*>(in.data()), reinterpret_cast<char*>(out.data()),
                                  static_cast<int>(in.size()), static_cast<int>(out.size()));
      if (n < 0) {
        why = "LZ4: LZ4_decompress_safe error " + std::to_string(n);
        return std::nullopt;
      }
      return static_cast<std::size_t>(n);
    }
    case Compression::bz2: {
      bz_stream bs{};
      if (BZ2_bzDecompressInit(&bs, 0, 0) != BZ_OK) {
        why = "BZ2: init failed";
        return std::nullopt;
      }
      bs.next_in = const_cast<char*>(reinterpret_cast<const char*>(in.data()));
      bs.avail_in = static_cast<unsigned>(in.size());
      bs.next_out = reinterpret_cast<char*>(out.data());
      bs.avail_out = static_cast<unsigned>(out.size());
      int r = BZ2_bzDecompress(&bs);
      std::size_t n = out.size() - bs.avail_out;
      BZ2_bzDecompressEnd(&bs);
      if (r != BZ_STREAM_END) {
        why = "BZ2: BZ2_bzDecompress error " + std::to_string(r);
        return std::nullopt;
      }
      return n;
    }
    case Compression::zstd: {
      std::size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
      if (ZSTD_isError(n)) {
        why = std::string("ZSTD: ") + ZSTD_getErrorName(n);
        return std::nullopt;
      }
      return n;
    }
  }
  why = "unknown compression";
  return std::nullopt;
}

}  // namespace xmr::nfcapd
