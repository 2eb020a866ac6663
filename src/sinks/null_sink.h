#pragma once
// A sink that only counts: `xmr-ray flows -o null` measures reading alone (bench/).
#include <cstdint>
#include <memory>

#include "sinks/flow_sink.h"

namespace xmr {

class NullSink final : public FlowSink {
 public:
  result<void> write(std::span<const FlowRecord> records) override {
    count_ += records.size();
    return {};
  }
  result<void> finish() override { return {}; }
  std::uint64_t count() const noexcept { return count_; }

 private:
  std::uint64_t count_ = 0;
};

}  // namespace xmr
