#pragma once
// ByteReader: the one checked way to read binary input (style.md §2, like tcpdump's GET_*).
// Every read checks the bytes left; a failed read returns false/nullopt and leaves the
// reader at the end so that no caller can read past a declared length by accident.
// sub(n) cuts a reader of exactly n bytes for a block, set or record.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

namespace xmr {

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(std::span<const std::uint8_t> data) : data_(data) {}
  ByteReader(const std::uint8_t* p, std::size_t n) : data_(p, n) {}

  std::size_t size() const noexcept { return data_.size(); }
  std::size_t offset() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  bool empty() const noexcept { return pos_ == data_.size(); }
  const std::uint8_t* current() const noexcept { return data_.data() + pos_; }

  bool skip(std::size_t n) noexcept {
    if (n > remaining()) return fail();
    pos_ += n;
    return true;
  }
  // A reader over the next n bytes; advances this one past them. nullopt if fewer remain.
  std::optional<ByteReader> sub(std::size_t n) noexcept {
    if (n > remaining()) {
      fail();
      return std::nullopt;
    }
    ByteReader r(data_.subspan(pos_, n));
    pos_ += n;
    return r;
  }
  bool bytes(void* out, std::size_t n) noexcept {
    if (n > remaining()) return fail();
    std::memcpy(out, data_.data() + pos_, n);
    pos_ += n;
    return true;
  }

  // Little-endian (nfcapd files are written in host order, x86: little-endian).
  std::optional<std::uint8_t> u8() noexcept { return read_le<std::uint8_t>(); }
  std::optional<std::uint16_t> le16() noexcept { return read_le<std::uint16_t>(); }
  std::optional<std::uint32_t> le32() noexcept { return read_le<std::uint32_t>(); }
  std::optional<std::uint64_t> le64() noexcept { return read_le<std::uint64_t>(); }
  // Big-endian (network order: NetFlow, IPFIX, packet headers, pcap of the other byte order).
  std::optional<std::uint16_t> be16() noexcept { return read_be<std::uint16_t>(); }
  std::optional<std::uint32_t> be32() noexcept { return read_be<std::uint32_t>(); }
  std::optional<std::uint64_t> be64() noexcept { return read_be<std::uint64_t>(); }

 private:
  bool fail() noexcept {
    pos_ = data_.size();
    return false;
  }
  template <class T>
  std::optional<T> read_le() noexcept {
    if (sizeof(T) > remaining()) {
      fail();
      return std::nullopt;
    }
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(static_cast<T>(data_[pos_ + i]) << (8 * i));
    pos_ += sizeof(T);
    return v;
  }
  template <class T>
  std::optional<T> read_be() noexcept {
    if (sizeof(T) > remaining()) {
      fail();
      return std::nullopt;
    }
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>((v << 8) | data_[pos_ + i]);
    pos_ += sizeof(T);
    return v;
  }

  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
};

}  // namespace xmr
