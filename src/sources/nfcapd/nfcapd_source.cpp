// nfcapd reader: layout 2 files with V3 records (nfdump 1.7). Layout and element ids in
// nfcapd_format.h; behaviour and messages in docs/formats/nfcapd.md.
#include "sources/nfcapd/nfcapd_source.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "sources/nfcapd/nfcapd_decompress.h"
#include "sources/nfcapd/nfcapd_format.h"
#include "sources/nfcapd/nfcapd_stream.h"

namespace xmr {
namespace {

using namespace nfcapd;

struct ExporterInfo {
  IpAddress addr;
  bool known = false;
  std::uint32_t sampling_interval = 0;  // 0 = no sampler record for this exporter
};

class NfcapdSource final : public FlowSource {
 public:
  NfcapdSource(std::FILE* f, const SourceContext& ctx, Compression comp, std::uint64_t file_size,
               std::uint64_t appendix_offset)
      : f_(f), ctx_(ctx), comp_(comp), file_size_(file_size), appendix_offset_(appendix_offset),
        offset_(file_header_size), raw_(max_block_size), plain_(max_block_size) {}
  ~NfcapdSource() override { std::fclose(f_); }

  result<std::size_t> read(std::vector<FlowRecord>& out, std::size_t max) override {
    std::size_t n = 0;
    while (n < max) {
      if (next_ == pending_.size()) {
        pending_.clear();
        next_ = 0;
        auto more = next_block();
        if (!more) return tl::unexpected(more.error());
        if (!*more) break;
        continue;
      }
      std::size_t take = std::min(max - n, pending_.size() - next_);
      out.insert(out.end(), pending_.begin() + static_cast<std::ptrdiff_t>(next_),
                 pending_.begin() + static_cast<std::ptrdiff_t>(next_ + take));
      next_ += take;
      n += take;
    }
    return n;
  }

 private:
  void report(errc code, std::uint64_t pos, const std::string& msg) {
    ctx_.diagnostics->report(code, ctx_.name, PositionKind::byte_offset, pos, msg);
  }

  // Reads and decodes the next data block into pending_. false at the end of the file.
  result<bool> next_block() {
    while (!done_) {
      const std::uint64_t block_pos = offset_;
      if (appendix_offset_ != 0 && block_pos == appendix_offset_) {
        done_ = true;  // the appendix (ident, stat) holds no flows; nffile.c ReadAppendix
        break;
      }
      std::uint8_t hdr[block_header_size];
      std::size_t got = std::fread(hdr, 1, sizeof hdr, f_);
      if (got == 0 && std::feof(f_)) {
        done_ = true;
        break;
      }
      if (got != sizeof hdr) {
        if (std::ferror(f_)) return make_error(errc::io_error, ctx_.name + ": " + std::strerror(errno));
        report(errc::truncated, block_pos, "file ends inside a block header (" + std::to_string(got) + " of 12 bytes)");
        done_ = true;
        break;
      }
      const std::uint32_t num_records = load32(hdr);
      const std::uint32_t size = load32(hdr + 4);
      const std::uint16_t type = load16(hdr + 8);
      const std::uint16_t flags = load16(hdr + 10);
      offset_ += block_header_size;
      if (size > max_block_size) {
        report(errc::bad_header, block_pos,
               "block size " + std::to_string(size) + " exceeds nfdump's maximum " + std::to_string(max_block_size) +
                   "; cannot resync, rest of file skipped");
        ctx_.diagnostics->add_skipped(num_records);
        done_ = true;
        break;
      }
      if (offset_ + size > file_size_) {
        report(errc::truncated, block_pos,
               "block of " + std::to_string(size) + " bytes runs past the end of the file (" +
                   std::to_string(file_size_ - offset_) + " bytes left)");
        ctx_.diagnostics->add_skipped(num_records);
        done_ = true;
        break;
      }
      if (std::fread(raw_.data(), 1, size, f_) != size) {
        if (std::ferror(f_)) return make_error(errc::io_error, ctx_.name + ": " + std::strerror(errno));
        report(errc::truncated, block_pos, "file ends inside a block");
        ctx_.diagnostics->add_skipped(num_records);
        done_ = true;
        break;
      }
      offset_ += size;
      if (type != data_block_type_3) {
        if (type != data_block_type_2 || num_records != 0)
          report(errc::unsupported, block_pos, "block type " + std::to_string(type) + " skipped (only type 3 holds V3 records)");
        ctx_.diagnostics->add_skipped(num_records);
        continue;
      }
      Compression c = (flags & flag_block_uncompressed) ? Compression::none : comp_;
      std::span<const std::uint8_t> payload;
      if (c == Compression::none) {
        payload = std::span<const std::uint8_t>(raw_.data(), size);
      } else {
        std::string why;
        auto n = decompress_block(c, std::span<const std::uint8_t>(raw_.data(), size), plain_, why);
        if (!n) {
          report(errc::decompress_failed, block_pos, why + "; " + std::to_string(num_records) + " records skipped");
          ctx_.diagnostics->add_skipped(num_records);
          continue;
        }
        payload = std::span<const std::uint8_t>(plain_.data(), *n);
      }
      decode_block(payload, num_records, block_pos);
      if (!pending_.empty()) return true;
    }
    return false;
  }

  void decode_block(std::span<const std::uint8_t> data, std::uint32_t num_records, std::uint64_t block_pos) {
    std::size_t pos = 0;
    std::uint32_t seen = 0;
    while (seen < num_records && pos < data.size()) {
      if (data.size() - pos < record_header_size) {
        report(errc::corrupt_block, block_pos, "record header at block byte " + std::to_string(pos) + " cut by the block end");
        break;
      }
      const std::uint8_t* p = data.data() + pos;
      const std::uint16_t type = load16(p);
      const std::uint16_t size = load16(p + 2);
      if (size < record_header_size || size > data.size() - pos) {
        report(errc::corrupt_block, block_pos,
               "record at block byte " + std::to_string(pos) + " declares size " + std::to_string(size) + " (block has " +
                   std::to_string(data.size() - pos) + " bytes left); rest of block skipped");
        break;
      }
      ++seen;
      switch (type) {
        case v3_record: decode_v3(p, size, block_pos, pos); break;
        case exporter_info_record: decode_exporter(p, size); break;
        case sampler_record:
          if (size >= sampler_record_size) {
            const std::uint32_t pi = load32(p + 16), si = load32(p + 20);
            // sampled 1 of (packetInterval + spaceInterval) every packetInterval packets (RFC 7270 #305/#306)
            if (pi != 0) exporter(load16(p + 4)).sampling_interval = static_cast<std::uint32_t>((std::uint64_t{pi} + si) / pi);
          }
          break;
        case sampler_legacy_record:
          if (size >= sampler_legacy_size && load32(p + 8) != 0) exporter(load16(p + 14)).sampling_interval = load32(p + 8);
          break;
        default: break;  // stat, nbar, ifname, vrf, appendix: no flows
      }
      pos += size;
    }
    if (seen < num_records) {
      if (pos >= data.size())
        report(errc::corrupt_block, block_pos,
               "block declares " + std::to_string(num_records) + " records but holds " + std::to_string(seen));
      ctx_.diagnostics->add_skipped(num_records - seen);
    }
  }

  ExporterInfo& exporter(std::uint16_t sysid) {
    if (sysid >= exporters_.size()) exporters_.resize(std::size_t{sysid} + 1);  // bounded: sysid is u16
    return exporters_[sysid];
  }

  void decode_exporter(const std::uint8_t* p, std::size_t size) {
    if (size < exporter_info_size) return;
    const std::uint16_t family = load16(p + 24);
    ExporterInfo& e = exporter(load16(p + 26));
    if (family == af_inet6)
      e.addr = IpAddress::from_v6_halves(load64(p + 8), load64(p + 16));
    else
      e.addr = IpAddress::from_v4(load32(p + 16));  // ip_addr_t: v4 in the third u32 (little-endian)
    e.known = true;
  }

  void decode_v3(const std::uint8_t* rec, std::size_t size, std::uint64_t block_pos, std::size_t rec_pos) {
    if (size < v3_header_size) {
      report(errc::bad_record, block_pos, "V3 record at block byte " + std::to_string(rec_pos) + " shorter than its header");
      ctx_.diagnostics->add_skipped(1);
      return;
    }
    const std::uint16_t num_elements = load16(rec + 4);
    const std::uint16_t exporter_id = load16(rec + 8);
    FlowRecord r;
    r.exporter_id = exporter_id;
    std::uint64_t out_pkts = 0, out_bytes = 0;
    std::uint8_t rev_flags = 0, dst_tos = 0;
    bool have_flow = false, have_addr = false;
    std::size_t pos = v3_header_size;
    for (std::uint16_t i = 0; i < num_elements; ++i) {
      if (size - pos < element_header_size) {
        report(errc::bad_record, block_pos, "V3 record at block byte " + std::to_string(rec_pos) + ": element " +
                                                std::to_string(i) + " header past the record end");
        ctx_.diagnostics->add_skipped(1);
        return;
      }
      const std::uint8_t* e = rec + pos;
      const std::uint16_t etype = load16(e);
      const std::uint16_t elen = load16(e + 2);
      if (elen < element_header_size || elen > size - pos) {
        report(errc::bad_record, block_pos,
               "V3 record at block byte " + std::to_string(rec_pos) + ": element type " + std::to_string(etype) +
                   " length " + std::to_string(elen) + " does not fit the record");
        ctx_.diagnostics->add_skipped(1);
        return;
      }
      const std::uint8_t* d = e + element_header_size;
      switch (etype) {
        case ex_generic_flow:
          if (elen >= ex_generic_flow_size) {
            r.first_ms = static_cast<std::int64_t>(load64(d));
            r.last_ms = static_cast<std::int64_t>(load64(d + 8));
            r.pkts = load64(d + 24);
            r.bytes = load64(d + 32);
            r.src_port = load16(d + 40);
            r.dst_port = load16(d + 42);
            r.proto = d[44];
            r.tcp_flags = d[45];
            r.src_tos = d[47];
            have_flow = true;
          }
          break;
        case ex_ipv4_flow:
          if (elen >= ex_ipv4_flow_size) {
            r.src_addr = IpAddress::from_v4(load32(d));
            r.dst_addr = IpAddress::from_v4(load32(d + 4));
            have_addr = true;
          }
          break;
        case ex_ipv6_flow:
          if (elen >= ex_ipv6_flow_size) {
            r.src_addr = IpAddress::from_v6_halves(load64(d), load64(d + 8));
            r.dst_addr = IpAddress::from_v6_halves(load64(d + 16), load64(d + 24));
            have_addr = true;
          }
          break;
        case ex_flow_misc:
          if (elen >= ex_flow_misc_size) {
            r.input_if = load32(d);
            r.output_if = load32(d + 4);
            dst_tos = d[11];
            rev_flags = d[14];
          }
          break;
        case ex_cnt_flow:
          if (elen >= ex_cnt_flow_size) {
            out_pkts = load64(d + 8);
            out_bytes = load64(d + 16);
          }
          break;
        case ex_sampler_info:
          if (elen >= ex_sampler_info_size && load32(d + 4) != 0) r.sampling_interval = load32(d + 4);
          break;
        default: break;  // other elements (and ids renumbered by later nfdump versions): skipped by length
      }
      pos += elen;
    }
    if (!have_flow) return;  // e.g. NSEL/NAT event records without a flow element: nothing to count
    (void)have_addr;         // nfdump prints 0.0.0.0 for records without addresses; so do we
    if (exporter_id < exporters_.size()) {
      const ExporterInfo& x = exporters_[exporter_id];
      if (x.known) r.exporter_addr = x.addr;
      if (r.sampling_interval == 1 && x.sampling_interval != 0) r.sampling_interval = x.sampling_interval;
    }
    r.origin = Origin{ctx_.source_index, block_pos};
    pending_.push_back(r);
    if (out_pkts != 0 || out_bytes != 0) {
      // biflow (IPFIX RFC 5103 / NSEL): the reverse direction as its own record
      FlowRecord b = r;
      std::swap(b.src_addr, b.dst_addr);
      std::swap(b.src_port, b.dst_port);
      std::swap(b.input_if, b.output_if);
      b.pkts = out_pkts;
      b.bytes = out_bytes;
      b.tcp_flags = rev_flags;
      b.src_tos = dst_tos;
      pending_.push_back(b);
    }
  }

  std::FILE* f_;
  SourceContext ctx_;
  Compression comp_;
  std::uint64_t file_size_;
  std::uint64_t appendix_offset_;
  std::uint64_t offset_;
  bool done_ = false;
  std::vector<std::uint8_t> raw_, plain_;
  std::vector<FlowRecord> pending_;
  std::size_t next_ = 0;
  std::vector<ExporterInfo> exporters_;
};

}  // namespace

bool looks_like_nfcapd(std::span<const std::uint8_t> head) noexcept {
  // magic only: any layout version is "nfcapd", so that old/new layouts get a precise message
  return head.size() >= 2 && load16(head.data()) == nfcapd::magic;
}

result<std::unique_ptr<FlowSource>> open_nfcapd_stream(std::FILE* f, const SourceContext& ctx) {
  const std::string& name = ctx.name;
  std::uint64_t file_size = 0;
  if (std::fseek(f, 0, SEEK_END) == 0) {
    long end = std::ftell(f);
    if (end >= 0) file_size = static_cast<std::uint64_t>(end);
  }
  std::rewind(f);
  std::uint8_t h[file_header_size];
  std::size_t got = std::fread(h, 1, sizeof h, f);
  if (got < 4) {
    std::fclose(f);
    return make_error(errc::truncated, name + ": byte 0: file shorter than the nfcapd header");
  }
  if (load16(h) != magic) {
    std::fclose(f);
    return make_error(errc::bad_header, name + ": byte 0: not an nfcapd file (bad magic)");
  }
  const std::uint16_t version = load16(h + 2);
  if (version == layout_version_1) {
    std::fclose(f);
    return make_error(errc::unsupported, name +
                                             ": nfdump 1.6 layout 1 files are not supported; convert with nfdump 1.7: "
                                             "nfdump -r old -w new");
  }
  if (version != layout_version_2) {
    std::fclose(f);
    return make_error(errc::unsupported, name + ": byte 2: nfcapd layout version " + std::to_string(version) + " unknown");
  }
  if (got < file_header_size) {
    std::fclose(f);
    return make_error(errc::truncated, name + ": byte " + std::to_string(got) + ": file ends inside the 40-byte header");
  }
  const std::uint8_t comp = h[off_compression];
  if (comp > static_cast<std::uint8_t>(Compression::zstd)) {
    std::fclose(f);
    return make_error(errc::unsupported, name + ": byte 16: compression id " + std::to_string(comp) + " unknown");
  }
  if (h[off_encryption] != 0) {
    std::fclose(f);
    return make_error(errc::unsupported, name + ": byte 17: encrypted nfcapd files are not supported");
  }
  std::uint64_t appendix = 0;
  if (load16(h + off_appendix_blocks) != 0) {
    appendix = load64(h + off_appendix);
    if (appendix < file_header_size || appendix > file_size) {
      // nfdump refuses such files; we read the blocks up to the end instead and say so
      ctx.diagnostics->report(errc::bad_header, name, PositionKind::byte_offset, off_appendix,
                              "appendix offset " + std::to_string(appendix) + " outside the file; ignored");
      appendix = 0;
    }
  }
  static_cast<void>(std::setvbuf(f, nullptr, _IOFBF, 1 << 20));
  return std::unique_ptr<FlowSource>(
      std::make_unique<NfcapdSource>(f, ctx, static_cast<Compression>(comp), file_size, appendix));
}

result<std::unique_ptr<FlowSource>> open_nfcapd_source(const std::string& path, const SourceContext& ctx) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return make_error(errc::io_error, path + ": " + std::strerror(errno));
  return open_nfcapd_stream(f, ctx);
}

}  // namespace xmr
