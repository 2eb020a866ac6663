#include "sources/pcap/pcap_reader.h"

#include <pcap/pcap.h>

#include <cerrno>
#include <cstring>

namespace xmr {
namespace {

errc classify_open_error(const char* msg) {
  // libpcap 1.10 sf-pcap.c / sf-pcapng.c messages: "unknown file format", "bad dump file
  // format", "archive data truncated", "truncated dump file", "unsupported ... version".
  if (std::strstr(msg, "truncated") != nullptr) return errc::truncated;
  if (std::strstr(msg, "unsupported") != nullptr || std::strstr(msg, "version") != nullptr) return errc::unsupported;
  return errc::bad_header;
}

}  // namespace

PcapReader::PcapReader(::pcap* handle) : handle_(handle), link_type_(pcap_datalink(handle)) {}

PcapReader::~PcapReader() { pcap_close(handle_); }

result<std::unique_ptr<PcapReader>> PcapReader::open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return make_error(errc::io_error, path + ": " + std::strerror(errno));
  return open(f, path);
}

result<std::unique_ptr<PcapReader>> PcapReader::open(std::FILE* file, const std::string& name) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  // Nanosecond precision: libpcap converts microsecond files, so one code path serves both.
  ::pcap* h = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (h == nullptr) {
    std::fclose(file);  // libpcap leaves the FILE open when it fails
    return make_error(classify_open_error(errbuf), name + ": " + errbuf);
  }
  return std::unique_ptr<PcapReader>(new PcapReader(h));
}

errc PcapReader::last_error_code() const noexcept {
  return last_error_.find("truncated") != std::string::npos ? errc::truncated : errc::bad_header;
}

NextStatus PcapReader::next(RawPacket& out) {
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  const int rc = pcap_next_ex(handle_, &hdr, &data);
  if (rc == PCAP_ERROR_BREAK) return NextStatus::end;  // -2: end of a savefile
  out.number = ++count_;
  if (rc != 1) {
    last_error_ = pcap_geterr(handle_);
    return NextStatus::error;
  }
  // pcapng carries 64-bit timestamps: a hostile or corrupt one must not overflow (UBSan found it).
  std::int64_t sec_ns = 0;
  if (__builtin_mul_overflow(static_cast<std::int64_t>(hdr->ts.tv_sec), std::int64_t{1'000'000'000}, &sec_ns) ||
      __builtin_add_overflow(sec_ns, static_cast<std::int64_t>(hdr->ts.tv_usec), &out.time_ns)) {
    out.wire_len = hdr->len;
    return NextStatus::bad_time;
  }
  out.wire_len = hdr->len;
  out.data = std::span<const std::uint8_t>(data, hdr->caplen);
  return NextStatus::packet;
}

}  // namespace xmr
