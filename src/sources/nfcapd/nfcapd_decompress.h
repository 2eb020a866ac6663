#pragma once
// Block decompression for nfcapd files (nffile.c Uncompress_Block_*: the payload after the
// 12-byte block header is one LZO1X / LZ4 block / BZ2 stream / ZSTD frame).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "sources/nfcapd/nfcapd_format.h"

namespace xmr::nfcapd {

// Decompresses `in` into `out` (capacity out.size()); returns the decompressed size, or nullopt
// with a reason in `why`.
std::optional<std::size_t> decompress_block(Compression c, std::span<const std::uint8_t> in,
                                            std::span<std::uint8_t> out, std::string& why);

}  // namespace xmr::nfcapd
