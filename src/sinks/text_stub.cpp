// TEMPORARY placeholder until the text sinks land; their owner deletes this file.
#include "sinks/text_sinks.h"
namespace xmr {
#define XMR_STUB(fn) \
  result<std::unique_ptr<FlowSink>> fn(const std::string& path) { return make_error(errc::unsupported, path + ": not built yet"); }
XMR_STUB(open_table_sink)
XMR_STUB(open_csv_sink)
XMR_STUB(open_json_sink)
}  // namespace xmr
