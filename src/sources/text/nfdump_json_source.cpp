// nfdump 1.7.1 `-o json` (src/output/output_json.c of nfdump 1.7.1): a pretty-printed array of
// flat objects; "first"/"last" are local wall-clock times "YYYY-MM-DDThh:mm:ss.mmm"; addresses in
// src4_addr/dst4_addr or src6_addr/dst6_addr; tcp_flags as the 8-character "CEUAPRSF" string.
// Streamed: a brace matcher cuts one object at a time (at most max_line_bytes), then
// nlohmann::json parses that object alone.
#include <fmt/format.h>

#include "sources/text/json_fields.h"
#include "sources/text/text_sources.h"
#include "sources/text/text_streams.h"
#include "sources/text/time_zone.h"

namespace xmr::text {

namespace {

class NfdumpJsonSource final : public FlowSource {
 public:
  NfdumpJsonSource(FilePtr f, const SourceContext& ctx, TimeZone tz) : ctx_(ctx), file_(std::move(f)), tz_(std::move(tz)) {
    buf_.resize(1u << 16);
  }

  result<std::size_t> read(std::vector<FlowRecord>& out, std::size_t max) override {
    std::size_t n = 0;
    while (n < max) {
      if (pending_) {
        out.push_back(*pending_);
        pending_.reset();
        ++n;
        continue;
      }
      auto obj = next_object();
      if (!obj) return tl::unexpected(obj.error());
      if (!*obj) break;
      FlowRecord r;
      if (convert(**obj, r)) {
        out.push_back(r);
        ++n;
      } else if (ctx_.diagnostics) {
        ctx_.diagnostics->add_skipped(1);
      }
    }
    if (ctx_.diagnostics) ctx_.diagnostics->add_read(n);
    return n;
  }

 private:
  int get() {
    if (pos_ == len_) {
      if (eof_) return -1;
      len_ = std::fread(buf_.data(), 1, buf_.size(), file_.get());
      pos_ = 0;
      if (len_ == 0) {
        eof_ = true;
        if (std::ferror(file_.get())) io_error_ = true;
        return -1;
      }
    }
    const int c = static_cast<unsigned char>(buf_[pos_++]);
    if (c == '\n') ++line_;
    return c;
  }

  // Next top-level object inside the array (text of "{...}"), or nullopt at the end.
  result<std::optional<std::string_view>> next_object() {
    while (true) {
      int c = get();
      while (c != -1 && c != '{') {
        if (c == ']' ) depth_array_done_ = true;
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t' && c != ',' && c != '[' && c != ']' && !junk_reported_) {
          report(ctx_, errc::bad_json, line_ + 1, fmt::format("unexpected character '{}' between objects", static_cast<char>(c)));
          junk_reported_ = true;
        }
        c = get();
      }
      if (c == -1) {
        if (io_error_) return make_error(errc::io_error, ctx_.name + ": read error");
        return std::optional<std::string_view>();
      }
      junk_reported_ = false;
      obj_line_ = line_ + 1;
      obj_.assign(1, '{');
      int depth = 1;
      bool in_str = false, esc = false, too_long = false;
      while (depth > 0) {
        c = get();
        if (c == -1) break;
        if (!too_long) {
          if (obj_.size() >= max_line_bytes) too_long = true;
          else obj_.push_back(static_cast<char>(c));
        }
        if (in_str) {
          if (esc) esc = false;
          else if (c == '\\') esc = true;
          else if (c == '"') in_str = false;
        } else if (c == '"') in_str = true;
        else if (c == '{' || c == '[') ++depth;
        else if (c == '}' || c == ']') --depth;
      }
      if (io_error_) return make_error(errc::io_error, ctx_.name + ": read error");
      if (depth > 0) {
        report(ctx_, errc::truncated, obj_line_, "input ends inside a JSON object");
        if (ctx_.diagnostics) ctx_.diagnostics->add_skipped(1);
        return std::optional<std::string_view>();
      }
      if (too_long) {
        report(ctx_, errc::bad_json, obj_line_, fmt::format("JSON object longer than {} bytes skipped", max_line_bytes));
        if (ctx_.diagnostics) ctx_.diagnostics->add_skipped(1);
        continue;
      }
      return std::optional<std::string_view>(obj_);
    }
  }

  bool fail(std::string_view what) {
    report(ctx_, errc::bad_json, obj_line_, what);
    return false;
  }

  std::optional<std::int64_t> time_field(JsonFields& f, const char* key) {
    auto s = f.str(key);
    if (!s) return std::nullopt;
    auto wall = parse_wall_time_ms(*s);
    if (!wall) {
      f.fail(std::string("field '") + key + "' is not a time");
      return std::nullopt;
    }
    return tz_.to_utc(*wall / 1000) * 1000 + *wall % 1000;
  }

  bool convert(std::string_view text, FlowRecord& r) {
    auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail("malformed JSON object");
    JsonFields f{j, {}};
    if (auto type = f.str("type"); type && *type != "FLOW") return fail(fmt::format("record type '{}' is not FLOW", *type));
    auto first = time_field(f, "first");
    auto last = time_field(f, "last");
    auto sa = f.has("src4_addr") ? f.addr("src4_addr") : f.addr("src6_addr");
    auto da = f.has("dst4_addr") ? f.addr("dst4_addr") : f.addr("dst6_addr");
    std::uint8_t flags = 0;
    if (auto fs = f.str("tcp_flags")) {
      auto v = parse_tcp_flags(*fs);
      if (!v) f.fail("field 'tcp_flags' is not a flag string");
      else flags = *v;
    }
    r.pkts = f.u64("in_packets");
    r.bytes = f.u64("in_bytes");
    r.proto = static_cast<std::uint8_t>(f.u64("proto", 0, 255));
    r.src_port = static_cast<std::uint16_t>(f.u64("src_port", 0, 65535));
    r.dst_port = static_cast<std::uint16_t>(f.u64("dst_port", 0, 65535));
    if (f.has("icmp_type"))
      r.dst_port = static_cast<std::uint16_t>(f.u64("icmp_type", 0, 255) << 8 | f.u64("icmp_code", 0, 255));
    r.src_tos = static_cast<std::uint8_t>(f.u64("src_tos", 0, 255));
    r.exporter_id = static_cast<std::uint32_t>(f.u64("export_sysid", 0, 0xffffffffu));
    r.input_if = static_cast<std::uint32_t>(f.u64("input_snmp", 0, 0xffffffffu));
    r.output_if = static_cast<std::uint32_t>(f.u64("output_snmp", 0, 0xffffffffu));
    auto router = f.has("ip4_router") ? f.addr("ip4_router") : f.addr("ip6_router");
    const std::uint64_t opk = f.u64("out_packets"), oby = f.u64("out_bytes");
    const auto dtos = static_cast<std::uint8_t>(f.u64("dst_tos", 0, 255));
    if (!f.ok()) return fail(f.problem);
    if (!first || !last) return fail("missing 'first' or 'last' time");
    if (!sa || !da) return fail("missing source or destination address");
    r.first_ms = *first;
    r.last_ms = *last;
    r.src_addr = *sa;
    r.dst_addr = *da;
    r.tcp_flags = flags;
    if (router) r.exporter_addr = *router;
    r.origin = Origin{ctx_.source_index, obj_line_};
    if (opk != 0 || oby != 0) {
      FlowRecord rev = r;
      rev.src_addr = r.dst_addr;
      rev.dst_addr = r.src_addr;
      rev.src_port = r.dst_port;
      rev.dst_port = r.src_port;
      rev.pkts = opk;
      rev.bytes = oby;
      rev.input_if = r.output_if;
      rev.output_if = r.input_if;
      rev.src_tos = dtos;
      pending_ = rev;
    }
    return true;
  }

  SourceContext ctx_;
  FilePtr file_;
  TimeZone tz_;
  std::string buf_;
  std::size_t pos_ = 0, len_ = 0;
  bool eof_ = false, io_error_ = false, junk_reported_ = false, depth_array_done_ = false;
  std::uint64_t line_ = 0, obj_line_ = 0;
  std::string obj_;
  std::optional<FlowRecord> pending_;
};

}  // namespace

result<std::unique_ptr<FlowSource>> make_nfdump_json_source(FilePtr f, const SourceContext& ctx) {
  auto tz = TimeZone::load(ctx.options.tz);
  if (!tz) return tl::unexpected(tz.error());
  return std::unique_ptr<FlowSource>(new NfdumpJsonSource(std::move(f), ctx, std::move(*tz)));
}

}  // namespace xmr::text

namespace xmr {
result<std::unique_ptr<FlowSource>> open_nfdump_json_source(const std::string& path, const SourceContext& ctx) {
  auto f = text::open_input(path);
  if (!f) return tl::unexpected(f.error());
  return text::make_nfdump_json_source(std::move(*f), ctx);
}
}  // namespace xmr
