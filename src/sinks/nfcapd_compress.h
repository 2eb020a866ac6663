#pragma once
// Block compression for the nfcapd writer. Each compressed block payload is exactly what nfdump's
// nffile.c Compress_Block_* produces and Uncompress_Block_* expects (nfdump v1.7.1; ZSTD from
// 1.7.2+): one LZO1X-1 stream, one raw LZ4 block, one bzip2 stream, or one ZSTD frame.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/error.h"
#include "sinks/nfcapd_writer.h"

namespace xmr {

// One compressor per writer: keeps its work memory (LZO dictionary, ZSTD context) between blocks.
class NfcapdCompressor {
 public:
  explicit NfcapdCompressor(NfcapdCompression c);
  ~NfcapdCompressor();
  NfcapdCompressor(const NfcapdCompressor&) = delete;
  NfcapdCompressor& operator=(const NfcapdCompressor&) = delete;

  // Compresses `in` into `out` (resized to the compressed size). For `none` copies nothing and
  // returns false: the caller writes `in` as is.
  [[nodiscard]] result<bool> compress(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out);

 private:
  NfcapdCompression c_;
  std::vector<std::uint8_t> lzo_work_;
  void* zstd_ctx_ = nullptr;
};

}  // namespace xmr
