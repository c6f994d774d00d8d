#include "engine/eve_writer.hpp"

#include <ctime>

#include "core/flow_table.hpp"
#include "engine/json_line.hpp"
#include "engine/pipeline.hpp"
#include "matchers/signature_engine.hpp"
#include "output/alert_id.hpp"
#include "output/event_sink.hpp"
#include "output/sightings.hpp"

namespace tripline {
namespace {

const char* proto_name(uint8_t proto, char* buf) {
  switch (proto) {
    case 1:
      return "ICMP";
    case 2:
      return "IGMP";
    case 6:
      return "TCP";
    case 17:
      return "UDP";
    case 47:
      return "GRE";
    case 50:
      return "ESP";
    case 51:
      return "AH";
    case 58:
      return "IPV6-ICMP";
    case 132:
      return "SCTP";
  }
  std::snprintf(buf, 4, "%u", proto);
  return buf;
}

// Confidence (0..100) to Suricata severity (1 = high).
int severity_of(int confidence) {
  if (confidence >= 75) return 1;
  if (confidence >= 40 || confidence < 0) return 2;
  return 3;
}

std::string signature_of(const CompiledIndicator& indicator, const IndicatorMeta& meta) {
  std::string s = "TRIPLINE IOC ";
  s += to_string(indicator.type);
  s += ' ';
  s += indicator.value;
  if (!meta.campaign.empty()) s += " (" + meta.campaign + ")";
  return s;
}

void metadata_entry(JsonLine& json, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  json.begin_array(key).string_item(value).end_array();
}

}  // namespace

EveWriter::EveWriter(std::FILE* out, const CompiledRules& rules, std::vector<std::string> inputs,
                     EveOptions options)
    : out_(out), rules_(&rules), inputs_(std::move(inputs)), options_(std::move(options)) {
  line_.reserve(4096);
}

EveWriter::EveWriter(std::FILE* out, RuleVersions& versions, std::vector<std::string> inputs,
                     EveOptions options)
    : EveWriter(out, *versions.latest().rules, std::move(inputs), std::move(options)) {
  versions_ = &versions;
  rules_epoch_ = versions.latest().epoch;
}

bool EveWriter::use_rules_of(const Alert& a) {
  if (a.is_epoch_marker()) {
    // Nothing of the older sets follows from this worker; drop what no worker needs now.
    if (versions_ != nullptr && versions_->worker_moved(a.worker, a.epoch)) rules_epoch_ = kNoEpoch;
    return false;
  }
  if (versions_ != nullptr && a.epoch != rules_epoch_) {
    rules_ = &versions_->rules(a.epoch);
    rules_epoch_ = a.epoch;
  }
  return true;
}

void EveWriter::reopen_on(std::atomic<bool>* requested, std::string path) {
  reopen_requested_ = requested;
  path_ = std::move(path);
}

bool EveWriter::reopen_if_requested() {
  if (reopen_requested_ == nullptr || !reopen_requested_->exchange(false)) return true;
  return std::freopen(path_.c_str(), "a", out_) != nullptr;
}

// Same alert, same id, on every run: what matched (indicator value or rule gid:sid, never the
// load-order id), where (flow, frame, time) and which sensor saw it.
std::string EveWriter::alert_id(const Alert& a) const {
  std::string rule;
  if (a.indicator & Alert::kSignatureBit) {
    const Signature& s = rules_->signatures()->signature(a.indicator & ~Alert::kSignatureBit);
    rule = "sig:" + std::to_string(s.gid) + ":" + std::to_string(s.sid);
  } else {
    const CompiledIndicator& indicator = rules_->indicator(a.indicator);
    rule = "ioc:";
    rule += to_string(indicator.type);
    rule += ':';
    rule += indicator.value;
  }
  return tripline::alert_id({options_.host, a.flow_id, rule, a.pcap_cnt, a.ts_ns});
}

std::string EveWriter::format_timestamp(uint64_t ts_ns) {
  const time_t seconds = static_cast<time_t>(ts_ns / 1000000000ull);
  const unsigned micros = static_cast<unsigned>((ts_ns % 1000000000ull) / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06u+0000", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
  return buf;
}

// A signature's rule set as ioc.rule_set names it: its --rules NAME, else its file's name.
static std::string_view rule_set_of(const Signature& rule) {
  if (!rule.rule_set.empty()) return rule.rule_set;
  const std::string_view path = rule.file;
  return path.substr(path.find_last_of('/') + 1);
}

// What the threshold filter looks at: the alert's gid:sid as written in alert.gid and
// alert.signature_id, and its rule set as written in ioc.rule_set.
AlertSubject EveWriter::threshold_subject(const Alert& a) const {
  AlertSubject s;
  if (a.indicator & Alert::kSignatureBit) {
    const Signature& rule = rules_->signatures()->signature(a.indicator & ~Alert::kSignatureBit);
    s.gid = rule.gid;
    s.sid = rule.sid;
    s.rule_set = rule_set_of(rule);
  } else {
    const CompiledIndicator& indicator = rules_->indicator(a.indicator);
    s.gid = 1;
    s.sid = indicator.signature_id;
    s.rule_set = rules_->meta(indicator.meta).rule_set;
  }
  s.src = a.ip_version == 4 ? IpAddress::v4(a.src) : IpAddress::v6(a.src);
  s.dst = a.ip_version == 4 ? IpAddress::v4(a.dst) : IpAddress::v6(a.dst);
  s.flow_id = a.flow_id;
  s.ts_ns = a.ts_ns;
  return s;
}

ThresholdCounters EveWriter::threshold_counters() const {
  return options_.thresholds != nullptr ? options_.thresholds->counters() : ThresholdCounters{};
}

std::string_view EveWriter::stix_id(const Alert& a) const {
  if ((a.indicator & Alert::kSignatureBit) == 0)
    return rules_->meta(rules_->indicator(a.indicator).meta).id;
  const Signature& rule = rules_->signatures()->signature(a.indicator & ~Alert::kSignatureBit);
  for (const auto& [key, value] : rule.metadata)
    if (key == "stix_id") return value;
  return {};
}

bool EveWriter::write_alert(const Alert& a) {
  if (!use_rules_of(a)) return false;
  if (options_.sightings != nullptr) {
    options_.sightings->record(stix_id(a), a.ts_ns);
    if ((a.indicator & Alert::kSignatureBit) == 0)  // the other listings were seen too
      for (const uint32_t id : rules_->same_indicator(a.indicator))
        if (id != a.indicator)
          options_.sightings->record(rules_->meta(rules_->indicator(id).meta).id, a.ts_ns);
  }
  if (options_.thresholds != nullptr &&
      options_.thresholds->decide(threshold_subject(a)) != ThresholdVerdict::kWrite)
    return false;
  char ip_text[kIpTextMax];
  char proto_buf[4];

  line_.clear();
  JsonLine json(line_);
  json.begin_object();
  json.string("timestamp", format_timestamp(a.ts_ns));
  json.number("flow_id", a.flow_id);
  json.number("pcap_cnt", a.pcap_cnt);
  if (a.input < inputs_.size()) json.string("pcap_filename", inputs_[a.input]);
  json.string("event_type", "alert");
  const IpAddress src = a.ip_version == 4 ? IpAddress::v4(a.src) : IpAddress::v6(a.src);
  const IpAddress dst = a.ip_version == 4 ? IpAddress::v4(a.dst) : IpAddress::v6(a.dst);
  json.string("src_ip", {ip_text, format_ip(src, ip_text)});
  if (a.has_ports) json.number("src_port", a.src_port);
  json.string("dest_ip", {ip_text, format_ip(dst, ip_text)});
  if (a.has_ports) json.number("dest_port", a.dst_port);
  json.string("proto", proto_name(a.proto, proto_buf));
  if (a.has_icmp) json.number("icmp_type", a.icmp_type).number("icmp_code", a.icmp_code);
  if (const char* app = app_proto_name(static_cast<AppProto>(a.app_proto))) {
    json.string("app_proto", app);
  }
  json.string("direction", a.to_server ? "to_server" : "to_client");
  if (a.has_ja3 || a.has_ja3s) {  // Suricata's tls.ja3 / tls.ja3s objects (hash only)
    json.begin_object("tls");
    if (a.has_ja3) json.begin_object("ja3").string("hash", {a.ja3, 32}).end_object();
    if (a.has_ja3s) json.begin_object("ja3s").string("hash", {a.ja3s, 32}).end_object();
    json.end_object();
  }

  if (a.indicator & Alert::kSignatureBit)
    signature_objects(json, a);
  else
    indicator_objects(json, a);
  if (!options_.host.empty()) json.string("host", options_.host);
  json.end_object();
  line_ += '\n';
  std::fwrite(line_.data(), 1, line_.size(), out_);
  if (options_.sink != nullptr) options_.sink->publish(alert_id(a), line_);
  ++alerts_written_;
  return true;
}

void EveWriter::indicator_objects(JsonLine& json, const Alert& a) const {
  const CompiledIndicator& indicator = rules_->indicator(a.indicator);
  const IndicatorMeta& meta = rules_->meta(indicator.meta);
  json.begin_object("alert");
  json.string("action", "allowed");
  json.number("gid", 1);
  json.number("signature_id", indicator.signature_id);
  json.number("rev", 1);
  json.string("signature", signature_of(indicator, meta));
  json.string("category", "Threat Intelligence Indicator");
  json.number("severity", severity_of(meta.confidence));
  json.begin_object("metadata");
  metadata_entry(json, "ioc_type", to_string(indicator.type));
  metadata_entry(json, "source", meta.source);
  metadata_entry(json, "campaign", meta.campaign);
  metadata_entry(json, "tlp", meta.tlp);
  if (meta.confidence >= 0) metadata_entry(json, "confidence", std::to_string(meta.confidence));
  json.end_object();
  json.end_object();

  json.begin_object("ioc");
  json.string("type", to_string(indicator.type));
  json.string("value", indicator.value);
  json.string("matched", a.matched_text());
  json.string("field", alert_field_name(a.field));
  json.string("source", meta.source);
  json.string("campaign", meta.campaign);
  json.string("tlp", meta.tlp);
  if (meta.confidence >= 0) json.number("confidence", static_cast<uint64_t>(meta.confidence));
  json.string("rule_set", meta.rule_set);
  if (!meta.id.empty()) json.string("id", meta.id);  // STIX indicator id, MISP attribute uuid
  if (!meta.description.empty()) json.string("description", meta.description);
  if (!meta.extra.empty()) {
    json.begin_object("meta");
    for (const auto& [k, v] : meta.extra)
      if (!k.empty()) json.string(k, v);
    json.end_object();
  }
  // The same indicator from several rule sets: one alert, naming every listing.
  if (const IdSpan same = rules_->same_indicator(a.indicator); !same.empty()) {
    json.begin_array("sources");
    for (const uint32_t id : same) {
      const CompiledIndicator& listed = rules_->indicator(id);
      const IndicatorMeta& m = rules_->meta(listed.meta);
      json.begin_object();
      json.string("rule_set", m.rule_set).string("source", m.source);
      json.number("signature_id", listed.signature_id);
      if (!m.campaign.empty()) json.string("campaign", m.campaign);
      if (!m.tlp.empty()) json.string("tlp", m.tlp);
      if (m.confidence >= 0) json.number("confidence", static_cast<uint64_t>(m.confidence));
      if (!m.id.empty()) json.string("id", m.id);
      json.end_object();
    }
    json.end_array();
  }
  json.end_object();
}

void EveWriter::signature_objects(JsonLine& json, const Alert& a) const {
  const Signature& rule = rules_->signatures()->signature(a.indicator & ~Alert::kSignatureBit);
  const Classtype classtype = classtype_of(rule.classtype);
  json.begin_object("alert");
  json.string("action", "allowed");
  json.number("gid", rule.gid);
  json.number("signature_id", rule.sid);
  json.number("rev", rule.rev);
  json.string("signature", rule.msg);
  if (!rule.classtype.empty()) json.string("category", classtype.description);
  json.number("severity",
              static_cast<uint64_t>(rule.priority > 0 ? rule.priority : classtype.priority));
  if (!rule.metadata.empty()) {  // Suricata: each key with the list of its values
    json.begin_object("metadata");
    std::vector<bool> done(rule.metadata.size(), false);
    for (size_t i = 0; i < rule.metadata.size(); ++i) {
      if (done[i]) continue;
      json.begin_array(rule.metadata[i].first);
      for (size_t k = i; k < rule.metadata.size(); ++k)
        if (!done[k] && rule.metadata[k].first == rule.metadata[i].first) {
          json.string_item(rule.metadata[k].second);
          done[k] = true;
        }
      json.end_array();
    }
    json.end_object();
  }
  json.end_object();

  const std::string_view path = rule.file;
  const std::string_view file = path.substr(path.find_last_of('/') + 1);
  json.begin_object("ioc");
  json.string("type", "content");
  json.string("value", std::to_string(rule.gid) + ":" + std::to_string(rule.sid) + ":" +
                           std::to_string(rule.rev));
  json.string("matched", a.matched_text());
  json.string("field", to_string(static_cast<SigBuffer>(a.sig_buffer)));
  // Rules that came from STIX or MISP carry their publisher's context as metadata.
  auto meta = [&rule](std::string_view key) -> std::string_view {
    for (const auto& [k, v] : rule.metadata)
      if (k == key) return v;
    return {};
  };
  const std::string_view source = meta("source");
  json.string("source", !source.empty() ? source : file.substr(0, file.find_last_of('.')));
  if (const std::string_view campaign = meta("campaign"); !campaign.empty())
    json.string("campaign", campaign);
  if (const std::string_view tlp = meta("tlp"); !tlp.empty()) json.string("tlp", tlp);
  json.string("rule_set", rule_set_of(rule));
  if (const std::string_view id = meta("stix_id"); !id.empty()) json.string("id", id);
  if (const std::string_view id = meta("misp_uuid"); !id.empty()) json.string("id", id);
  json.end_object();
}

void EveWriter::write_stats(const PipelineReport& report, uint64_t ts_ns) {
  const std::string line = stats_line(report, ts_ns, options_.host, threshold_counters());
  std::fwrite(line.data(), 1, line.size(), out_);
  if (options_.sink != nullptr) options_.sink->publish(stats_id(options_.host, ts_ns), line);
}

std::string EveWriter::stats_line(const PipelineReport& report, uint64_t ts_ns,
                                  std::string_view host, const ThresholdCounters& thresholds) {
  const WorkerStats total = report.total();
  DecodeCounters decode = report.decode;
  decode += total.decode;
  uint64_t invalid = 0;
  for (uint64_t e : decode.errors) invalid += e;

  std::string line;
  JsonLine json(line);
  json.begin_object();
  json.string("timestamp", format_timestamp(ts_ns));
  json.string("event_type", "stats");
  json.begin_object("stats");
  json.real("uptime", report.seconds);

  json.begin_object("capture");
  json.number("packets", report.packets).number("bytes", report.bytes);
  json.number("kernel_packets", report.capture.received)
      .number("kernel_drops", report.capture.kernel_dropped)
      .number("kernel_ifdrops", report.capture.interface_dropped)
      .number("no_mbufs", report.capture.no_buffer);
  json.begin_array("inputs");
  for (const auto& in : report.inputs) {
    json.begin_object();
    json.string("name", in.name).number("packets", in.packets).number("bytes", in.bytes);
    json.boolean("complete", in.complete);
    if (!in.message.empty()) json.string("message", in.message);
    json.end_object();
  }
  json.end_array();
  json.end_object();

  json.begin_object("decoder");
  json.number("pkts", report.packets).number("bytes", report.bytes);
  json.number("not_ip", decode.not_ip).number("invalid", invalid);
  json.begin_object("errors");
  for (size_t i = 1; i < decode.errors.size(); ++i)
    json.number(decode_error_name(static_cast<DecodeError>(i)), decode.errors[i]);
  json.end_object();
  json.end_object();

  json.begin_object("defrag");
  json.number("fragments", total.defrag.fragments).number("reassembled", total.defrag.reassembled);
  json.number("timeouts", total.defrag.timeouts).number("evicted", total.defrag.evicted);
  json.number("overlaps", total.defrag.overlaps).number("too_large", total.defrag.too_large);
  json.number("misaligned", total.defrag.misaligned);
  json.end_object();

  json.begin_object("flow");
  json.number("created", total.flows.created).number("timed_out", total.flows.timed_out);
  json.number("evicted", total.flows.evicted).number("reused", total.flows.reused);
  json.number("active", total.flows.active);
  json.end_object();

  json.begin_object("tcp");
  json.number("in_order", total.tcp.in_order).number("out_of_order", total.tcp.out_of_order);
  json.number("retransmissions", total.tcp.retransmissions).number("overlaps", total.tcp.overlaps);
  json.number("gaps", total.tcp.gaps).number("out_of_room", total.tcp.out_of_room);
  json.end_object();

  json.begin_object("app_layer");
  json.number("dns_messages", total.app.dns_messages)
      .number("dns_malformed", total.app.dns_malformed);
  json.number("tls_client_hellos", total.app.tls_client_hellos)
      .number("tls_malformed", total.app.tls_malformed);
  json.number("http_requests", total.app.http_requests)
      .number("http_malformed", total.app.http_malformed);
  json.number("tcp_gaps", total.app.tcp_gaps)
      .number("buffers_exhausted", total.app.buffers_exhausted)
      .number("fields_dropped", total.app.fields_dropped)
      .number("fields_too_long", total.app.fields_too_long);
  json.end_object();

  json.begin_object("detect");
  json.number("alert", total.alerts).number("alerts_shed", total.alerts_shed);
  json.number("dedup_overflow", total.dedup_overflow);
  json.number("expired_matches", total.expired_matches);
  json.number("signature_candidates_dropped", total.signature_candidates_dropped);
  // threshold.config, on the writer thread (output/threshold_filter.hpp)
  json.number("suppressed", thresholds.suppressed).number("thresholded", thresholds.thresholded);
  json.number("threshold_evictions", thresholds.evictions)
      .number("threshold_trackers", thresholds.trackers);
  json.begin_object("stream");  // TCP payload inspection (engine/stream_inspector.hpp)
  json.number("streams", total.stream.streams).number("bytes", total.stream.bytes);
  json.number("slots_exhausted", total.stream.slots_exhausted).number("gaps", total.stream.gaps);
  json.number("checks", total.stream.checks)
      .number("retries_dropped", total.stream.retries_dropped);
  json.number("matches_dropped", total.stream.matches_dropped)
      .number("scan_errors", total.stream.scan_errors);
  json.end_object();
  // Hot reload (engine/rule_reloader.hpp), with Suricata's detect.engines fields.
  json.number("rule_set", report.reload.epoch).number("reloads", report.reload.reloads);
  json.number("reload_failures", report.reload.failures);
  json.begin_array("engines").begin_object().number("id", 0);
  if (report.reload.last_reload_ns != 0)
    json.string("last_reload", format_timestamp(report.reload.last_reload_ns));
  json.number("rules_loaded", report.reload.rules_loaded)
      .number("rules_failed", report.reload.rules_failed);
  json.end_object().end_array();
  json.end_object();

  json.begin_array("workers");
  for (size_t i = 0; i < report.per_worker.size(); ++i) {
    const WorkerStats& w = report.per_worker[i];
    json.begin_object();
    json.number("worker", i).number("packets", w.packets).number("bytes", w.bytes);
    json.number("flows", w.flows.created).number("alerts", w.alerts);
    json.number("alerts_shed", w.alerts_shed);
    json.end_object();
  }
  json.end_array();
  json.end_object();
  if (!host.empty()) json.string("host", host);
  json.end_object();
  line += '\n';
  return line;
}

void EveWriter::drain(AlertQueue& alerts) {
  Alert alert;
  for (;;) {
    if (!alerts.try_pop(alert)) {
      flush();
      if (!alerts.pop(alert)) return;
    }
    reopen_if_requested();
    write_alert(alert);
  }
}

bool EveWriter::flush() { return std::fflush(out_) == 0 && !std::ferror(out_); }

}  // namespace tripline
