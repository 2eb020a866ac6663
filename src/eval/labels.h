#pragma once
// Ground-truth labels as the traffic lab writes them (DIR/labels.csv, issue 4): one row per TCP
// connection, header
//   client_ip,client_port,server_ip,server_port,proto,label,family,profile,pool,tls,start_ms,end_ms,hashrate_hs
// `label` is `mining` or `benign`; client = the side that opened the connection.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/diagnostics.h"
#include "core/error.h"
#include "flow/connection_key.h"

namespace xmr {

struct ConnectionLabel {
  bool mining = false;
  std::string profile;
  std::string pool;
  bool tls = false;
  Endpoint client;            // the side that sent the SYN (the miner for mining rows)
  Endpoint server;
  std::int64_t start_ms = 0;  // first packet (the SYN): time to first alert counts from here
  std::string family;
};

class LabelSet {
 public:
  // Bad rows are reported to `diagnostics` (file and line) and skipped.
  [[nodiscard]] static result<LabelSet> load(const std::string& path, Diagnostics& diagnostics);
  void add(const Endpoint& client, const Endpoint& server, std::uint8_t proto, ConnectionLabel label);
  // The label of a connection, whichever way round the key is.
  const ConnectionLabel* find(const ConnectionKey& key) const;
  std::size_t size() const noexcept { return labels_.size(); }

 private:
  std::unordered_map<ConnectionKey, ConnectionLabel, ConnectionKeyHash> labels_;
};

}  // namespace xmr
