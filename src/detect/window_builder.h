#pragma once
// WindowBuilder: turns a connection's closed slices into sliding windows of the last lW slices
// (by slice index: idle slices count) and hands each full window on. Shared by detection (score
// each window) and training/evaluation (collect each window with its label).
#include <cstdint>
#include <deque>
#include <span>
#include <unordered_map>

#include "flow/connection_table.h"

namespace xmr {

class WindowSink {
 public:
  virtual ~WindowSink() = default;
  // `window` holds the slices of the last lW slice indices that had traffic, oldest first;
  // `ordinal` counts this connection's windows from 1. An early window (enable_early_windows)
  // starts at the connection's first slice and spans fewer than lW slice indices.
  virtual void on_window(const ConnectionInfo& connection, std::span<const Slice> window, std::uint64_t ordinal) = 0;
  virtual void on_connection_end(const ConnectionInfo& connection, std::uint64_t windows) {
    (void)connection;
    (void)windows;
  }
};

class WindowBuilder final : public SliceSink {
 public:
  WindowBuilder(std::int64_t slice_ms, std::size_t window_slices, WindowSink& sink)
      : slice_ms_(slice_ms), window_slices_(window_slices ? window_slices : 1), sink_(sink) {}
  // Score early: also hand on windows of fewer than lW slices once the connection has lasted
  // `min_duration_ms` (its records span that long). Off by default (training uses full windows).
  void enable_early_windows(std::int64_t min_duration_ms) noexcept { early_min_ms_ = min_duration_ms; }
  void on_slice(const ConnectionInfo& connection, const Slice& slice) override;
  void on_close(const ConnectionInfo& connection) override;
  std::size_t tracked() const noexcept { return tracks_.size(); }

 private:
  struct Track {
    std::deque<Slice> window;
    std::uint64_t windows = 0;
  };
  std::int64_t slice_ms_;
  std::size_t window_slices_;
  std::int64_t early_min_ms_ = -1;
  WindowSink& sink_;
  std::unordered_map<ConnectionKey, Track, ConnectionKeyHash> tracks_;
};

}  // namespace xmr
