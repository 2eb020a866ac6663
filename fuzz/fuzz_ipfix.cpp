// Fuzz target: one IPFIX (RFC 7011) export datagram per input, with template state kept across inputs
// (fuzz/netflow_fuzz_common.h).
#include "netflow_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static xmr::fuzz::NetflowFuzzState state;
  return xmr::fuzz::run_netflow_datagram(state, 10, data, size);
}
