#pragma once
// SourceCatalog: names the inputs of one run so that a FlowRecord's Origin (an index and a
// position) can be turned back into "file:position" for an error message or an alert.
#include <cstdint>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/flow_record.h"

namespace xmr {

class SourceCatalog {
 public:
  std::uint32_t add(std::string name, PositionKind kind) {
    entries_.push_back({std::move(name), kind});
    return static_cast<std::uint32_t>(entries_.size() - 1);
  }
  const std::string& name(std::uint32_t index) const { return entries_.at(index).name; }
  PositionKind kind(std::uint32_t index) const { return entries_.at(index).kind; }
  std::size_t size() const noexcept { return entries_.size(); }
  // "capture.pcap packet 17"
  std::string describe(const Origin& origin) const;

 private:
  struct Entry {
    std::string name;
    PositionKind kind;
  };
  std::vector<Entry> entries_;
};

}  // namespace xmr
