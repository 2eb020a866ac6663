#pragma once
// nfcapd file layout constants, from nfdump tag v1.7.1 (src/lib/nffileV2.h, src/lib/nfxV3.h,
// src/lib/id.h, src/lib/nffile.h, src/include/exporter.h). Shared by the reader and the writer.
// All multi-byte fields are in the writer's host order; nfdump only runs little-endian here.
#include <cstddef>
#include <cstdint>

namespace xmr::nfcapd {

// nffileV2.h fileHeaderV2_t (40 bytes): magic u16, version u16, nfdversion u32, created time_t(8),
// compression u8, encryption u8, appendixBlocks u16, unused u32, offAppendix off_t(8),
// BlockSize u32, NumBlocks u32.
inline constexpr std::uint16_t magic = 0xA50C;          // MAGIC
inline constexpr std::uint16_t layout_version_1 = 1;    // nfdump 1.6 (nffile.h LAYOUT_VERSION_1)
inline constexpr std::uint16_t layout_version_2 = 2;    // LAYOUT_VERSION_2
inline constexpr std::uint32_t nfd_version = 0x01070100;  // NFDVERSION of 1.7.1
inline constexpr std::size_t file_header_size = 40;
inline constexpr std::size_t off_compression = 16, off_encryption = 17, off_appendix_blocks = 18,
                             off_appendix = 24, off_block_size = 32, off_num_blocks = 36;

// Compression ids (nffileV2.h NOT_COMPRESSED..LZ4_COMPRESSED; ZSTD_COMPRESSED = 4 from nfdump 1.7.2+).
enum class Compression : std::uint8_t { none = 0, lzo = 1, bz2 = 2, lz4 = 3, zstd = 4 };

// nffileV2.h dataBlock_t (12 bytes): NumRecords u32, size u32 (payload, without header), type u16, flags u16.
inline constexpr std::size_t block_header_size = 12;
inline constexpr std::uint16_t data_block_type_2 = 2;  // nfdump 1.6 V2 records (not read)
inline constexpr std::uint16_t data_block_type_3 = 3;  // DATA_BLOCK_TYPE_3
inline constexpr std::uint16_t flag_block_uncompressed = 0x1;  // FLAG_BLOCK_UNCOMPRESSED
// nffile.h: WRITE_BUFFSIZE is what nfdump fills per block; BUFFSIZE (5 * WRITE_BUFFSIZE) is the
// largest block nfdump accepts on read (nffile.c VerifyFile / nfread).
inline constexpr std::size_t write_buffsize = 1048576;
inline constexpr std::size_t max_block_size = 5 * write_buffsize;

// Record types (id.h).
inline constexpr std::uint16_t exporter_info_record = 7;   // ExporterInfoRecordType
inline constexpr std::uint16_t exporter_stat_record = 8;   // ExporterStatRecordType
inline constexpr std::uint16_t sampler_legacy_record = 9;  // SamplerLegacyRecordType
inline constexpr std::uint16_t v3_record = 11;             // V3Record
inline constexpr std::uint16_t sampler_record = 15;        // SamplerRecordType
inline constexpr std::uint16_t type_ident = 0x8001;        // nffileV2.h TYPE_IDENT (appendix)
inline constexpr std::uint16_t type_stat = 0x8002;         // TYPE_STAT (appendix, stat_record_t)
inline constexpr std::size_t record_header_size = 4;       // recordHeader_t: type u16, size u16

// nfxV3.h recordHeaderV3_t (12 bytes): type u16, size u16, numElements u16, engineType u8,
// engineID u8, exporterID u16, flags u8, nfversion u8.
inline constexpr std::size_t v3_header_size = 12;
inline constexpr std::uint8_t v3_flag_sampled = 2;  // V3_FLAG_SAMPLED
inline constexpr std::size_t element_header_size = 4;  // elementHeader_t: type u16, length u16 (incl. header)

// Element ids and sizes including the 4-byte element header (nfxV3.h).
inline constexpr std::uint16_t ex_generic_flow = 1;  // EXgenericFlow: msecFirst, msecLast, msecReceived,
inline constexpr std::size_t ex_generic_flow_size = 52;  // inPackets, inBytes u64; srcPort, dstPort u16; proto, tcpFlags, fwdStatus, srcTos u8
inline constexpr std::uint16_t ex_ipv4_flow = 2;     // EXipv4Flow: srcAddr, dstAddr u32
inline constexpr std::size_t ex_ipv4_flow_size = 12;
inline constexpr std::uint16_t ex_ipv6_flow = 3;     // EXipv6Flow: srcAddr u64[2], dstAddr u64[2]
inline constexpr std::size_t ex_ipv6_flow_size = 36;
inline constexpr std::uint16_t ex_flow_misc = 4;     // EXflowMisc: input, output u32; srcMask, dstMask, dir,
inline constexpr std::size_t ex_flow_misc_size = 20;  // dstTos, biFlowDir, flowEndReason, revTcpFlags, fill u8
inline constexpr std::uint16_t ex_cnt_flow = 5;      // EXcntFlow: flows, outPackets, outBytes u64
inline constexpr std::size_t ex_cnt_flow_size = 28;
inline constexpr std::uint16_t ex_sampler_info = 18;  // EXsamplerInfo: id i32, interval u32, mode u16, exporter_sysid u16
inline constexpr std::size_t ex_sampler_info_size = 16;

// exporter.h exporter_info_record_t (32 bytes): header(4), version u32, ip_addr_t(16: v6 as two
// host-order u64, v4 in bytes 8..11 on little-endian), sa_family u16, sysid u16, id u32.
inline constexpr std::size_t exporter_info_size = 32;
inline constexpr std::uint16_t af_inet = 2, af_inet6 = 10;  // Linux <sys/socket.h>
// exporter.h sampler_record_t (24 bytes): header(4), exporter_sysid u16, algorithm u16, id i64,
// packetInterval u32 (#305), spaceInterval u32 (#306).
inline constexpr std::size_t sampler_record_size = 24;
// exporter.h samplerV0_record_t (16 bytes): header(4), id i32, interval u32, algorithm u16, exporter_sysid u16.
inline constexpr std::size_t sampler_legacy_size = 16;
// nfdump.h stat_record_t: 18 u64 (numflows, numbytes, numpackets, flows/bytes/packets per
// tcp/udp/icmp/other, firstseen, lastseen (msec), sequence_failure).
inline constexpr std::size_t stat_record_size = 18 * 8;

inline std::uint16_t load16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
inline std::uint32_t load32(const std::uint8_t* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
inline std::uint64_t load64(const std::uint8_t* p) noexcept {
  return static_cast<std::uint64_t>(load32(p)) | (static_cast<std::uint64_t>(load32(p + 4)) << 32);
}

}  // namespace xmr::nfcapd
