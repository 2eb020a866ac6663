#pragma once
// SHA-1 (FIPS 180-4 §6.1), only for the Community ID (community_id.h), whose v1 spec fixes the
// hash. Not for anything that needs collision resistance.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace xmr {

using Sha1Digest = std::array<std::uint8_t, 20>;

Sha1Digest sha1(std::span<const std::uint8_t> data) noexcept;

}  // namespace xmr
