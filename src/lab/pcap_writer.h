#pragma once
// Classic libpcap file writer (https://www.tcpdump.org/manpages/pcap-savefile.5.html), microsecond
// timestamps, LINKTYPE_ETHERNET (1), rotated to capture-1.pcap, capture-2.pcap, ... once a file
// passes `rotate_bytes`.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"

namespace xmr::lab {

class PcapWriter {
 public:
  PcapWriter(std::filesystem::path dir, std::string stem, std::uint64_t rotate_bytes);
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  [[nodiscard]] result<void> write(std::int64_t time_us, const std::vector<std::uint8_t>& frame);
  [[nodiscard]] result<void> close();
  const std::vector<std::filesystem::path>& files() const { return files_; }
  std::uint64_t packets() const { return packets_; }
  std::uint64_t bytes() const { return total_bytes_; }

 private:
  result<void> open_next();
  std::filesystem::path dir_;
  std::string stem_;
  std::uint64_t rotate_bytes_;
  std::FILE* file_ = nullptr;
  std::uint64_t file_bytes_ = 0;
  std::uint64_t total_bytes_ = 0;
  std::uint64_t packets_ = 0;
  std::vector<std::filesystem::path> files_;
};

}  // namespace xmr::lab
