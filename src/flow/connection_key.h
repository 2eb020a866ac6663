#pragma once
// ConnectionKey: both directions of one connection map to the same key. The endpoint that
// sorts lower (address, then port) is "low"; a record goes low->high or high->low.
#include <cstddef>
#include <cstdint>
#include <functional>

#include "core/flow_record.h"

namespace xmr {

struct Endpoint {
  IpAddress addr;
  std::uint16_t port = 0;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
  friend auto operator<=>(const Endpoint&, const Endpoint&) = default;
};

struct ConnectionKey {
  Endpoint low;
  Endpoint high;
  std::uint8_t proto = 0;
  friend bool operator==(const ConnectionKey&, const ConnectionKey&) = default;
};

struct KeyedRecord {
  ConnectionKey key;
  bool from_low;  // true if the record's source is key.low
};

KeyedRecord key_of(const FlowRecord& r) noexcept;

struct ConnectionKeyHash {
  std::size_t operator()(const ConnectionKey& k) const noexcept;
};

}  // namespace xmr
