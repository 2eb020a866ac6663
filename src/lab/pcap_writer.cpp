#include "lab/pcap_writer.h"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace xmr::lab {

namespace {
void le32(std::uint8_t* p, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(x >> (8 * i));
}
void le16(std::uint8_t* p, std::uint16_t x) {
  p[0] = static_cast<std::uint8_t>(x);
  p[1] = static_cast<std::uint8_t>(x >> 8);
}
}  // namespace

PcapWriter::PcapWriter(std::filesystem::path dir, std::string stem, std::uint64_t rotate_bytes)
    : dir_(std::move(dir)), stem_(std::move(stem)), rotate_bytes_(rotate_bytes) {}

PcapWriter::~PcapWriter() { (void)close(); }

result<void> PcapWriter::open_next() {
  if (auto r = close(); !r) return r;
  const std::string name = files_.empty() ? stem_ + ".pcap" : fmt::format("{}-{}.pcap", stem_, files_.size());
  const auto path = dir_ / name;
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) return make_error(errc::io_error, fmt::format("{}: {}", path.string(), std::strerror(errno)));
  files_.push_back(path);
  // pcap global header: magic a1b2c3d4 (microseconds), version 2.4, snaplen, LINKTYPE_ETHERNET = 1.
  std::uint8_t h[24] = {};
  le32(h, 0xa1b2c3d4);
  le16(h + 4, 2);
  le16(h + 6, 4);
  le32(h + 16, 262144);
  le32(h + 20, 1);
  if (std::fwrite(h, 1, sizeof h, file_) != sizeof h)
    return make_error(errc::io_error, fmt::format("{}: write failed", path.string()));
  file_bytes_ = sizeof h;
  return {};
}

result<void> PcapWriter::write(std::int64_t time_us, const std::vector<std::uint8_t>& frame) {
  if (!file_ || (rotate_bytes_ > 0 && file_bytes_ + frame.size() + 16 > rotate_bytes_ && file_bytes_ > 24)) {
    if (auto r = open_next(); !r) return r;
  }
  std::uint8_t h[16];
  le32(h, static_cast<std::uint32_t>(time_us / 1000000));
  le32(h + 4, static_cast<std::uint32_t>(time_us % 1000000));
  le32(h + 8, static_cast<std::uint32_t>(frame.size()));
  le32(h + 12, static_cast<std::uint32_t>(frame.size()));
  if (std::fwrite(h, 1, sizeof h, file_) != sizeof h || std::fwrite(frame.data(), 1, frame.size(), file_) != frame.size())
    return make_error(errc::io_error, fmt::format("{}: write failed", files_.back().string()));
  file_bytes_ += 16 + frame.size();
  total_bytes_ += 16 + frame.size();
  ++packets_;
  return {};
}

result<void> PcapWriter::close() {
  if (!file_) return {};
  const bool ok = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!ok) return make_error(errc::io_error, fmt::format("{}: close failed", files_.back().string()));
  return {};
}

}  // namespace xmr::lab
