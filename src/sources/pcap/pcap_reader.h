#pragma once
// PcapReader: file -> packets, through libpcap (pcap and pcapng, either byte order, micro- or
// nanosecond timestamps; libpcap scales every timestamp to nanoseconds for us). Knows nothing
// about IP or flows. Owns the pcap_t (and the FILE* it was opened on).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>

#include "core/error.h"

struct pcap;  // libpcap's pcap_t, kept out of this header

namespace xmr {

struct RawPacket {
  std::int64_t time_ns = 0;  // Unix epoch nanoseconds
  std::uint32_t wire_len = 0;
  std::span<const std::uint8_t> data;  // captured bytes; valid until the next next() call
  std::uint64_t number = 0;            // 1-based packet number in the file
};

// bad_time: libpcap read the packet but its timestamp is outside what int64 nanoseconds hold
// (beyond the years 1678-2262): the packet is skipped, reading goes on.
enum class NextStatus { packet, end, error, bad_time };

class PcapReader {
 public:
  // Opens `path`. Errors: io_error (cannot open), bad_header / unsupported (libpcap refuses the
  // file header), with libpcap's message.
  static result<std::unique_ptr<PcapReader>> open(const std::string& path);
  // Takes ownership of `file` (closed by libpcap, also on failure).
  static result<std::unique_ptr<PcapReader>> open(std::FILE* file, const std::string& name);
  ~PcapReader();
  PcapReader(const PcapReader&) = delete;
  PcapReader& operator=(const PcapReader&) = delete;

  int link_type() const noexcept { return link_type_; }
  // packet: `out` filled. end: clean end of file. error: libpcap failed on packet out.number
  // (truncated record, impossible caplen); the message is in last_error(). After an error no
  // more packets can be read (libpcap cannot resynchronise inside a file).
  NextStatus next(RawPacket& out);
  const std::string& last_error() const noexcept { return last_error_; }
  // truncated for a short record, bad_header for anything else libpcap refuses mid-file.
  errc last_error_code() const noexcept;

 private:
  explicit PcapReader(::pcap* handle);
  ::pcap* handle_;
  int link_type_;
  std::uint64_t count_ = 0;
  std::string last_error_;
};

}  // namespace xmr
