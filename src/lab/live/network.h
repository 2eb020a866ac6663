#pragma once
// The live lab's network: two namespaces the lab creates (clients, servers) joined by one veth pair
// at MTU 1500 with TSO/GSO/GRO off, every client and server address of the scenario on its side
// (/32 or /128) with host routes to the other side. Removed by the destructor (and a stale pair of
// a dead lab process is removed by the next run).
#include <string>
#include <vector>

#include "core/error.h"
#include "core/ip_address.h"

namespace xmr::lab::live {

struct NetworkPlan {
  std::vector<IpAddress> client_addresses;
  std::vector<IpAddress> server_addresses;
  unsigned mtu = 1500;  // Ethernet payload (IEEE 802.3), what a real LAN/WAN path carries
};

class LabNetwork {
 public:
  LabNetwork() = default;
  LabNetwork(const LabNetwork&) = delete;
  LabNetwork& operator=(const LabNetwork&) = delete;
  ~LabNetwork() { teardown(); }

  // Creates namespaces xmrlab-<pid>-c / -s and veth xl<pid>c / xl<pid>s. `log_dir` receives the
  // commands' output when one fails.
  result<void> setup(const NetworkPlan& plan);
  void teardown();

  const std::string& client_ns() const { return client_ns_; }
  const std::string& server_ns() const { return server_ns_; }
  const std::string& client_if() const { return client_if_; }  // the capture point
  const std::string& server_if() const { return server_if_; }
  // `ethtool -k` lines for the offloads we turned off, as read back (for the manifest).
  const std::vector<std::string>& offload_state() const { return offload_state_; }

  // Deletes xmrlab-<pid>-* namespaces whose process no longer exists (a lab killed by SIGKILL).
  static void remove_stale();

 private:
  std::string client_ns_, server_ns_, client_if_, server_if_;
  bool created_ = false;
  std::vector<std::string> offload_state_;
};

}  // namespace xmr::lab::live
