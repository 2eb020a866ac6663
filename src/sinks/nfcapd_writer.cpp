// nfcapd writer: layout 2 files with V3 records that nfdump 1.7.1 reads back record for record.
// Layout facts from nfdump tag v1.7.1 (src/lib/nffileV2.h, src/lib/nfxV3.h, src/lib/nffile.c,
// src/include/exporter.h), checked against files nfpcapd/nfcapd/nfdump 1.7.1 write (see
// docs/formats/nfcapd.md).
#include "sinks/nfcapd_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "sinks/nfcapd_compress.h"

namespace xmr {

namespace {

// nffileV2.h fileHeaderV2_t (40 bytes) and its field offsets.
constexpr std::uint16_t file_magic = 0xA50C;       // MAGIC
constexpr std::uint16_t layout_version_2 = 2;      // LAYOUT_VERSION_2
constexpr std::uint32_t nfd_version = 0x01070100;  // NFDVERSION as nfdump 1.7.1 writes it (checked with xxd)
constexpr std::size_t file_header_size = 40;
// nffileV2.h dataBlock_t: NumRecords u32, size u32 (payload only), type u16, flags u16.
constexpr std::size_t block_header_size = 12;
constexpr std::uint16_t data_block_type_3 = 3;  // DATA_BLOCK_TYPE_3
// nffile.h WRITE_BUFFSIZE (1 MiB in 1.7.1): nfdump flushes a block before it grows past this.
constexpr std::size_t write_buffsize = 1048576;
// Largest record we emit: V3 header 12 + generic 52 + ipv6 36 + misc 20 + room for 16 more,
// plus an exporter info record 32 and a sampler record 24 placed before it.
constexpr std::size_t max_emit_size = 12 + 52 + 36 + 20 + 16 + 32 + 24;

// Record types (nfdump id.h) and appendix types (nffileV2.h).
constexpr std::uint16_t exporter_info_record_type = 7;  // ExporterInfoRecordType
constexpr std::uint16_t v3_record_type = 11;            // V3Record
constexpr std::uint16_t sampler_record_type = 15;       // SamplerRecordType
constexpr std::uint16_t type_ident = 0x8001;            // TYPE_IDENT
constexpr std::uint16_t type_stat = 0x8002;             // TYPE_STAT
// nfxV3.h element ids and sizes including the 4-byte element header.
constexpr std::uint16_t ex_generic_flow = 1, ex_generic_flow_size = 52;
constexpr std::uint16_t ex_ipv4_flow = 2, ex_ipv4_flow_size = 12;
constexpr std::uint16_t ex_ipv6_flow = 3, ex_ipv6_flow_size = 36;
constexpr std::uint16_t ex_flow_misc = 4, ex_flow_misc_size = 20;  // size as nfcapd 1.7.1 writes it (xxd)
constexpr std::uint16_t exporter_info_size = 32;  // exporter.h exporter_info_record_t
constexpr std::uint16_t sampler_record_size = 24;  // exporter.h sampler_record_t
// stat_record_t: 17 u64 + u32 sequence_failure, padded to 144 (+4 header = 148 as nfdump writes it).
constexpr std::uint16_t stat_record_size = 4 + 144;
constexpr std::uint16_t af_inet = 2, af_inet6 = 10;  // Linux <sys/socket.h>
constexpr std::uint32_t exporter_version_ipfix = 10;  // exporter_info_record_t.version: we do not know; say IPFIX

void put16(std::vector<std::uint8_t>& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put32(std::vector<std::uint8_t>& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put64(std::vector<std::uint8_t>& b, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void patch16(std::vector<std::uint8_t>& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v);
  b[at + 1] = static_cast<std::uint8_t>(v >> 8);
}
void patch32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint8_t compression_id(NfcapdCompression c) {
  // nffileV2.h NOT_COMPRESSED 0, LZO 1, BZ2 2, LZ4 3; ZSTD 4 (nfdump 1.7.2+ nffileV2.h).
  switch (c) {
    case NfcapdCompression::none: return 0;
    case NfcapdCompression::lzo: return 1;
    case NfcapdCompression::bz2: return 2;
    case NfcapdCompression::lz4: return 3;
    case NfcapdCompression::zstd: return 4;
  }
  return 0;
}

// stat_record_t counters as nfdump -I prints them.
struct StatRecord {
  std::uint64_t flows = 0, bytes = 0, packets = 0;
  std::uint64_t flows_by[4] = {}, bytes_by[4] = {}, packets_by[4] = {};  // tcp, udp, icmp, other
  std::uint64_t first_ms = 0, last_ms = 0;
};

class NfcapdWriter final : public FlowSink {
 public:
  NfcapdWriter(std::FILE* f, std::string path, const NfcapdWriterOptions& o)
      : f_(f), path_(std::move(path)), options_(o), compressor_(o.compression) {
    block_.reserve(write_buffsize + max_emit_size);
  }
  ~NfcapdWriter() override {
    if (f_ != nullptr) std::fclose(f_);
  }

  result<void> start() {
    std::vector<std::uint8_t> h;
    header_bytes(h, 0, 0);
    return write_raw(h.data(), h.size());
  }

  result<void> write(std::span<const FlowRecord> records) override {
    if (f_ == nullptr) return make_error(errc::io_error, path_ + ": write after finish");
    for (const FlowRecord& r : records) {
      if (block_.size() + max_emit_size > write_buffsize) {
        if (auto ok = flush_block(); !ok) return ok;
      }
      append_record(r);
    }
    return {};
  }

  result<void> finish() override {
    if (f_ == nullptr) return {};
    if (auto ok = flush_block(); !ok) return ok;
    // Appendix (nffile.c WriteAppendix): one block with the ident and the stat record, compressed
    // like the data blocks; the header then points at it.
    long appendix_at = std::ftell(f_);
    if (appendix_at < 0) return io_fail("ftell");
    append_appendix();
    std::uint32_t data_blocks = blocks_written_;
    if (auto ok = flush_block(); !ok) return ok;
    std::vector<std::uint8_t> h;
    header_bytes(h, static_cast<std::uint64_t>(appendix_at), data_blocks);
    if (std::fseek(f_, 0, SEEK_SET) != 0) return io_fail("fseek");
    if (auto ok = write_raw(h.data(), h.size()); !ok) return ok;
    int rc = std::fclose(f_);
    f_ = nullptr;
    if (rc != 0) return io_fail("close");
    return {};
  }

 private:
  result<void> io_fail(const char* what) {
    return make_error(errc::io_error, fmt::format("{}: {}: {}", path_, what, std::strerror(errno)));
  }
  result<void> write_raw(const void* p, std::size_t n) {
    if (n != 0 && std::fwrite(p, 1, n, f_) != n) return io_fail("write");
    return {};
  }

  void header_bytes(std::vector<std::uint8_t>& h, std::uint64_t appendix_at, std::uint32_t num_blocks) const {
    put16(h, file_magic);
    put16(h, layout_version_2);
    put32(h, nfd_version);
    put64(h, static_cast<std::uint64_t>(std::time(nullptr)));  // created
    h.push_back(compression_id(options_.compression));
    h.push_back(0);                                 // NOT_ENCRYPTED
    put16(h, appendix_at != 0 ? 1 : 0);             // appendixBlocks
    put32(h, 0);                                    // creator/unused: 0 as nfdump 1.7.1 writes
    put64(h, appendix_at);                          // offAppendix
    put32(h, 0);                                    // BlockSize: 0 as nfdump 1.7.1 writes
    put32(h, num_blocks);                           // NumBlocks (data blocks, without the appendix)
  }

  // The V3 record header's exporterID is nfdump's sysid, and readers (ours, nfdump's
  // "export sysid") report it as the exporter id, so it is the record's exporter_id whenever that
  // fits 16 bits. An exporter info record gives the address; a sampler record (exporter.h
  // sampler_record_t, nfdump 1.7.1 has no per-record sampler element: it warns "Unknown extension
  // '18'") gives the interval, so one sysid stands for one (address, id, interval) combination. A
  // combination whose id is taken by another, or too large, gets a free sysid from the top
  // (documented loss of exporter_id in docs/formats/nfcapd.md).
  std::uint16_t exporter_sysid(const FlowRecord& r) {
    if (r.exporter_addr.is_unspecified() && r.exporter_id == 0 && r.sampling_interval <= 1) return 0;
    ExporterKey key{r.exporter_addr, r.exporter_id, r.sampling_interval <= 1 ? 1 : r.sampling_interval};
    auto it = exporters_.find(key);
    std::uint16_t sysid = 0;
    if (it != exporters_.end()) {
      if (it->second.block == blocks_written_) return it->second.sysid;
      sysid = it->second.sysid;
    } else {
      // sysid 0 stays for records without exporter information.
      if (r.exporter_id != 0 && r.exporter_id <= 0xFFFF && !sysid_used_[r.exporter_id]) {
        sysid = static_cast<std::uint16_t>(r.exporter_id);
      } else {
        while (next_free_sysid_ > 0 && sysid_used_[next_free_sysid_]) --next_free_sysid_;
        sysid = next_free_sysid_;  // 0 only after 65535 distinct exporters: the rest share sysid 0
      }
      sysid_used_[sysid] = true;
    }
    exporters_[key] = {sysid, blocks_written_};
    // Repeated in every block that uses it, as nfcapd does, so that each block stands alone.
    if (!r.exporter_addr.is_unspecified() || r.exporter_id != 0) {
      put16(block_, exporter_info_record_type);
      put16(block_, exporter_info_size);
      put32(block_, exporter_version_ipfix);
      if (r.exporter_addr.is_v4()) {
        put64(block_, 0);
        put32(block_, r.exporter_addr.v4());  // ip_addr_t: v4 in bytes 8..11 on little-endian
        put32(block_, 0);
        put16(block_, af_inet);
      } else {
        put64(block_, r.exporter_addr.v6_hi());
        put64(block_, r.exporter_addr.v6_lo());
        put16(block_, r.exporter_addr.is_unspecified() ? 0 : af_inet6);
      }
      put16(block_, sysid);
      put32(block_, r.exporter_id);
      ++block_records_;
    }
    if (key.interval > 1) {
      put16(block_, sampler_record_type);
      put16(block_, sampler_record_size);
      put16(block_, sysid);
      put16(block_, 0);                           // algorithm #304: unknown
      put64(block_, static_cast<std::uint64_t>(-1));  // id #302: SAMPLER_GENERIC, the exporter's sampler
      put32(block_, 1);                           // #305 packetInterval
      put32(block_, key.interval - 1);            // #306 spaceInterval: 1 of every `interval` packets
      ++block_records_;
    }
    return sysid;
  }

  void append_record(const FlowRecord& r) {
    std::uint16_t sysid = exporter_sysid(r);
    bool v4 = r.src_addr.is_v4() && r.dst_addr.is_v4();
    bool misc = r.input_if != 0 || r.output_if != 0;
    std::size_t start = block_.size();
    // recordHeaderV3_t
    put16(block_, v3_record_type);
    put16(block_, 0);  // size, patched below
    put16(block_, static_cast<std::uint16_t>(2 + (misc ? 1 : 0)));
    block_.push_back(0);  // engineType
    block_.push_back(0);  // engineID
    put16(block_, sysid);
    block_.push_back(0);  // flags: counters are as exported, not scaled (no V3_FLAG_SAMPLED)
    block_.push_back(0);  // nfversion
    // EXgenericFlow
    put16(block_, ex_generic_flow);
    put16(block_, ex_generic_flow_size);
    put64(block_, static_cast<std::uint64_t>(r.first_ms));
    put64(block_, static_cast<std::uint64_t>(r.last_ms));
    put64(block_, 0);  // msecReceived: unknown
    put64(block_, r.pkts);
    put64(block_, r.bytes);
    put16(block_, r.src_port);
    put16(block_, r.dst_port);
    block_.push_back(r.proto);
    block_.push_back(r.tcp_flags);
    block_.push_back(0);  // fwdStatus
    block_.push_back(r.src_tos);
    if (v4) {
      put16(block_, ex_ipv4_flow);
      put16(block_, ex_ipv4_flow_size);
      put32(block_, r.src_addr.v4());
      put32(block_, r.dst_addr.v4());
    } else {
      put16(block_, ex_ipv6_flow);
      put16(block_, ex_ipv6_flow_size);
      put64(block_, r.src_addr.v6_hi());
      put64(block_, r.src_addr.v6_lo());
      put64(block_, r.dst_addr.v6_hi());
      put64(block_, r.dst_addr.v6_lo());
    }
    if (misc) {
      put16(block_, ex_flow_misc);
      put16(block_, ex_flow_misc_size);
      put32(block_, r.input_if);
      put32(block_, r.output_if);
      put64(block_, 0);  // masks, dir, dstTos, biFlowDir, flowEndReason, revTcpFlags, fill
    }
    patch16(block_, start + 2, static_cast<std::uint16_t>(block_.size() - start));
    ++block_records_;
    count_stats(r);
  }

  void count_stats(const FlowRecord& r) {
    stats_.flows += 1;
    stats_.bytes += r.bytes;
    stats_.packets += r.pkts;
    int k = r.proto == proto_tcp ? 0 : r.proto == proto_udp ? 1 : (r.proto == proto_icmp || r.proto == proto_icmp6) ? 2 : 3;
    stats_.flows_by[k] += 1;
    stats_.bytes_by[k] += r.bytes;
    stats_.packets_by[k] += r.pkts;
    auto first = static_cast<std::uint64_t>(r.first_ms), last = static_cast<std::uint64_t>(r.last_ms);
    if (stats_.flows == 1 || first < stats_.first_ms) stats_.first_ms = first;
    if (last > stats_.last_ms) stats_.last_ms = last;
  }

  void append_appendix() {
    std::string id = options_.ident.empty() ? std::string("none") : options_.ident.substr(0, 127);  // nfdump IDENTLEN 128 including the NUL
    put16(block_, type_ident);
    put16(block_, static_cast<std::uint16_t>(4 + id.size() + 1));
    block_.insert(block_.end(), id.begin(), id.end());
    block_.push_back(0);
    put16(block_, type_stat);
    put16(block_, stat_record_size);
    put64(block_, stats_.flows);
    put64(block_, stats_.bytes);
    put64(block_, stats_.packets);
    for (auto v : stats_.flows_by) put64(block_, v);
    for (auto v : stats_.bytes_by) put64(block_, v);
    for (auto v : stats_.packets_by) put64(block_, v);
    put64(block_, stats_.first_ms);
    put64(block_, stats_.last_ms);
    put32(block_, 0);  // sequence_failure
    put32(block_, 0);  // padding of stat_record_t to 8 bytes
    block_records_ += 2;
  }

  result<void> flush_block() {
    if (block_records_ == 0) return {};
    auto compressed = compressor_.compress(block_, packed_);
    if (!compressed) return make_error(errc::io_error, path_ + ": " + compressed.error().context);
    const std::vector<std::uint8_t>& payload = *compressed ? packed_ : block_;
    std::uint8_t h[block_header_size];
    patch32(h, block_records_);
    patch32(h + 4, static_cast<std::uint32_t>(payload.size()));
    h[8] = static_cast<std::uint8_t>(data_block_type_3);
    h[9] = 0;
    h[10] = 0;  // flags 0: compressed with the file's compression (nffileV2.h dataBlock_t.flags)
    h[11] = 0;
    if (auto ok = write_raw(h, sizeof h); !ok) return ok;
    if (auto ok = write_raw(payload.data(), payload.size()); !ok) return ok;
    block_.clear();
    block_records_ = 0;
    ++blocks_written_;
    return {};
  }

  std::FILE* f_;
  std::string path_;
  NfcapdWriterOptions options_;
  NfcapdCompressor compressor_;
  std::vector<std::uint8_t> block_, packed_;
  std::uint32_t block_records_ = 0;
  std::uint32_t blocks_written_ = 0;
  struct ExporterKey {
    IpAddress addr;
    std::uint32_t id;
    std::uint32_t interval;
    friend auto operator<=>(const ExporterKey&, const ExporterKey&) = default;
  };
  struct ExporterSlot {
    std::uint16_t sysid;
    std::uint32_t block;  // data block in which its records were last written
  };
  std::map<ExporterKey, ExporterSlot> exporters_;
  std::vector<bool> sysid_used_ = std::vector<bool>(65536, false);  // [0] never set: see exporter_sysid
  std::uint16_t next_free_sysid_ = 0xFFFF;
  StatRecord stats_;
};

}  // namespace

std::optional<NfcapdCompression> parse_nfcapd_compression(std::string_view name) noexcept {
  if (name == "none" || name == "0") return NfcapdCompression::none;
  if (name == "lzo" || name == "1") return NfcapdCompression::lzo;
  if (name == "bz2" || name == "2") return NfcapdCompression::bz2;
  if (name == "lz4" || name == "3" || name.empty()) return NfcapdCompression::lz4;
  if (name == "zstd" || name == "4") return NfcapdCompression::zstd;
  return std::nullopt;
}

result<std::unique_ptr<FlowSink>> open_nfcapd_writer(const std::string& path, const NfcapdWriterOptions& options) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return make_error(errc::io_error, fmt::format("{}: cannot create: {}", path, std::strerror(errno)));
  auto w = std::make_unique<NfcapdWriter>(f, path, options);
  if (auto ok = w->start(); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<FlowSink>(std::move(w));
}

}  // namespace xmr
