#include "lab/live/network.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "lab/live/process.h"

namespace xmr::lab::live {

namespace {

std::string with_prefix(const IpAddress& a) { return a.to_string() + (a.is_v4() ? "/32" : "/128"); }

// Configures one side: address(es), MTU, offloads, link up, host routes to the other side.
result<void> configure_side(const std::string& ns, const std::string& ifname, const std::vector<IpAddress>& own,
                            const std::vector<IpAddress>& peer, unsigned mtu) {
  if (auto r = run_checked({"ip", "link", "set", "lo", "up"}, ns); !r) return r;
  if (auto r = run_checked({"ip", "link", "set", ifname, "mtu", std::to_string(mtu)}, ns); !r) return r;
  // Segmentation offloads off: with them the capture would show 64 KiB "segments" no wire carries
  // (issue 4). tx/rx checksum offload stays: it changes no size or count.
  if (auto r = run_checked({"ethtool", "-K", ifname, "tso", "off", "gso", "off", "gro", "off"}, ns); !r) return r;
  // IPv6: no DAD (the address is usable at once) and no router solicitations on the capture link.
  (void)run_tool({"sysctl", "-q", "-w", fmt::format("net.ipv6.conf.{}.accept_ra=0", ifname)}, "", ns);
  if (auto r = run_checked({"ip", "link", "set", ifname, "up"}, ns); !r) return r;
  for (const auto& a : own) {
    std::vector<std::string> cmd{"ip", "addr", "add", with_prefix(a), "dev", ifname};
    if (!a.is_v4()) cmd.push_back("nodad");
    if (auto r = run_checked(cmd, ns); !r) return r;
  }
  for (const auto& a : peer) {
    if (auto r = run_checked({"ip", a.is_v4() ? "-4" : "-6", "route", "add", with_prefix(a), "dev", ifname}, ns); !r)
      return r;
  }
  return {};
}

}  // namespace

result<void> LabNetwork::setup(const NetworkPlan& plan) {
  const auto pid = static_cast<long>(getpid());
  client_ns_ = fmt::format("xmrlab-{}-c", pid);
  server_ns_ = fmt::format("xmrlab-{}-s", pid);
  client_if_ = fmt::format("xl{}c", pid);  // IFNAMSIZ 16: "xl" + pid (<= 7 digits) + 1
  server_if_ = fmt::format("xl{}s", pid);
  created_ = true;  // from here on, teardown removes whatever part exists
  if (auto r = run_checked({"ip", "netns", "add", client_ns_}); !r) return r;
  if (auto r = run_checked({"ip", "netns", "add", server_ns_}); !r) return r;
  if (auto r = run_checked({"ip", "link", "add", client_if_, "netns", client_ns_, "type", "veth", "peer", "name",
                            server_if_, "netns", server_ns_});
      !r)
    return r;
  if (auto r = configure_side(client_ns_, client_if_, plan.client_addresses, plan.server_addresses, plan.mtu); !r) return r;
  if (auto r = configure_side(server_ns_, server_if_, plan.server_addresses, plan.client_addresses, plan.mtu); !r) return r;
  // Read the offload state back: the calibration depends on it, so it goes into the manifest.
  for (const auto& [ns, ifname] : {std::pair{client_ns_, client_if_}, std::pair{server_ns_, server_if_}}) {
    char tmpl[] = "/tmp/xmrlab-ethtool-XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd < 0) continue;
    close(fd);
    (void)run_tool({"ethtool", "-k", ifname}, tmpl, ns);
    std::ifstream in(tmpl);
    std::string line;
    while (std::getline(in, line)) {
      for (const char* key : {"tcp-segmentation-offload:", "generic-segmentation-offload:", "generic-receive-offload:"}) {
        if (line.rfind(key, 0) == 0) {
          offload_state_.push_back(ifname + " " + line);
          if (line.find(": off") == std::string::npos)
            return make_error(errc::io_error, fmt::format("{}: offload still on after ethtool -K: {}", ifname, line));
        }
      }
    }
    unlink(tmpl);
  }
  return {};
}

void LabNetwork::teardown() {
  if (!created_) return;
  created_ = false;
  // Deleting a namespace deletes the veth end inside it, and with it the pair.
  (void)run_tool({"ip", "netns", "del", client_ns_}, "");
  (void)run_tool({"ip", "netns", "del", server_ns_}, "");
}

void LabNetwork::remove_stale() {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/run/netns", ec)) {
    const std::string name = e.path().filename().string();
    long pid = 0;
    char side = 0;
    if (std::sscanf(name.c_str(), "xmrlab-%ld-%c", &pid, &side) != 2 || pid <= 0) continue;
    if (kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM) continue;  // its lab still runs
    (void)run_tool({"ip", "netns", "del", name}, "");
  }
}

}  // namespace xmr::lab::live
