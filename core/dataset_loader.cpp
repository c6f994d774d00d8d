#include "core/dataset_loader.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <optional>
#include <string>

#include "core/loader_util.hpp"

namespace tripline {

namespace {

enum class DatasetType : uint8_t { kString, kMd5, kSha256, kIpv4, kIp };

constexpr std::array<std::pair<std::string_view, DatasetType>, 5> kTypeNames = {{
    {"string", DatasetType::kString},
    {"md5", DatasetType::kMd5},
    {"sha256", DatasetType::kSha256},
    {"ipv4", DatasetType::kIpv4},
    {"ip", DatasetType::kIp},
}};

// "dns-bl.string.dataset" -> set "dns-bl", type string; "bad.dataset" -> set "bad", no type.
struct SetName {
  std::string_view set;
  std::optional<DatasetType> type;
};

SetName split_set_name(std::string_view base) {
  constexpr std::string_view kExt = ".dataset";
  if (base.size() > kExt.size() && detail::iequals(base.substr(base.size() - kExt.size()), kExt))
    base.remove_suffix(kExt.size());
  const size_t dot = base.rfind('.');
  if (dot != std::string_view::npos && dot > 0) {
    for (const auto& [name, type] : kTypeNames)
      if (detail::iequals(base.substr(dot + 1), name)) return {base.substr(0, dot), type};
  }
  return {base, std::nullopt};
}

bool is_ip_address(const Classification& c) {
  return c.kind == Classification::kIndicator && c.type == IndicatorType::kIp && c.port == 0;
}

DatasetType sniff_type(std::string_view value) {
  if (is_ip_address(classify_indicator(value))) return DatasetType::kIp;
  const std::string_view hash = detail::hash_kind(value);
  if (hash == "md5") return DatasetType::kMd5;
  if (hash == "sha256") return DatasetType::kSha256;
  return DatasetType::kString;
}

int base64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// RFC 4648 base64 with padding, as Suricata writes string sets; false when malformed.
bool base64_decode(std::string_view in, std::string& out) {
  out.clear();
  if (in.empty() || in.size() % 4 != 0) return false;
  size_t pad = 0;
  while (pad < 2 && in[in.size() - 1 - pad] == '=') ++pad;
  for (size_t i = 0; i < in.size(); i += 4) {
    uint32_t bits = 0;
    const size_t digits = i + 4 == in.size() ? 4 - pad : 4;
    for (size_t k = 0; k < 4; ++k) {
      const int d = k < digits ? base64_digit(in[i + k]) : 0;
      if (d < 0) return false;
      bits = bits << 6 | static_cast<uint32_t>(d);
    }
    out += static_cast<char>(bits >> 16);
    if (digits > 2) out += static_cast<char>(bits >> 8 & 0xff);
    if (digits > 3) out += static_cast<char>(bits & 0xff);
  }
  return true;
}

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

bool is_decimal(std::string_view s) {
  return !s.empty() && s.size() <= 5 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

class DatasetReader {
 public:
  DatasetReader(std::string_view file_name, RuleSet& rules) : file_(file_name), rules_(rules) {
    const SetName name = split_set_name(detail::base_name(file_name));
    declared_ = name.type;
    base_meta_.rule_set = std::string(detail::base_name(file_name));
    base_meta_.source = std::string(name.set);
  }

  void line(uint32_t line_no, std::string_view line) {
    line = detail::trim(line);
    if (line.empty() || line[0] == '#') return;
    const size_t comma = line.find(',');
    const std::string_view data = detail::trim(line.substr(0, comma));
    meta_ = base_meta_;
    if (comma != std::string_view::npos) {
      const std::string_view rep = detail::trim(line.substr(comma + 1));
      uint32_t value = 0;
      if (!is_decimal(rep) ||
          std::from_chars(rep.data(), rep.data() + rep.size(), value).ec != std::errc() ||
          value > 65535)
        return error(line_no, "invalid reputation value " + detail::quoted(rep));
      meta_.extra.emplace_back("datarep", std::string(rep));
    }
    if (!type_) type_ = declared_ ? *declared_ : sniff_type(data);
    switch (*type_) {
      case DatasetType::kIp:
      case DatasetType::kIpv4:
        return address(line_no, data);
      case DatasetType::kMd5:
      case DatasetType::kSha256:
        return hash(line_no, data);
      case DatasetType::kString:
        return string(line_no, data);
    }
  }

 private:
  void error(uint32_t line_no, std::string message) {
    rules_.add_diagnostic(Diagnostic{file_, line_no, "", std::move(message), Severity::kError});
  }

  void address(uint32_t line_no, std::string_view data) {
    detail::classify_into(data, scratch_, c_);
    const bool v4_only = *type_ == DatasetType::kIpv4;
    if (!is_ip_address(c_) || (v4_only && c_.normalized.find(':') != std::string::npos))
      return error(line_no, "value " + detail::quoted(data) + " is not an " +
                                (v4_only ? "ipv4" : "ip") + " address");
    constexpr std::string_view kMapped = "::ffff:";
    if (c_.normalized.starts_with(kMapped) && c_.normalized.find('.') != std::string::npos)
      c_.normalized.erase(0, kMapped.size());
    detail::emit(rules_, file_, line_no, data, c_, meta_);
  }

  void hash(uint32_t line_no, std::string_view data) {
    const std::string_view kind = *type_ == DatasetType::kMd5 ? "md5" : "sha256";
    if (detail::hash_kind(data) != kind)
      return error(line_no,
                   "value " + detail::quoted(data) + " is not an " + std::string(kind) + " hash");
    rules_.add_skipped(SkippedIndicator{file_, line_no, std::string(kind), std::string(data)});
  }

  void string(uint32_t line_no, std::string_view data) {
    if (!base64_decode(data, decoded_))
      return error(line_no, "invalid base64 " + detail::quoted(data));
    detail::classify_into(decoded_, scratch_, c_);
    if (c_.kind == Classification::kIndicator && c_.type == IndicatorType::kDomain)
      return detail::emit(rules_, file_, line_no, decoded_, c_, meta_);
    rules_.add_skipped(SkippedIndicator{file_, line_no, "string",
                                        printable(decoded_) ? decoded_ : std::string(data)});
  }

  std::string file_;
  RuleSet& rules_;
  std::optional<DatasetType> declared_;
  std::optional<DatasetType> type_;  // declared, or sniffed from the first value
  IndicatorMeta base_meta_;
  IndicatorMeta meta_;
  Classification c_;
  std::string scratch_;
  std::string decoded_;
};

}  // namespace

void load_dataset(std::string_view text, std::string_view file_name, RuleSet& rules) {
  text = detail::strip_bom(text);
  detail::reserve_for(rules, static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  DatasetReader reader(file_name, rules);
  uint32_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
    const size_t end =
        nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data()) : text.size();
    reader.line(++line_no, text.substr(pos, end - pos));
    pos = end + 1;
  }
}

}  // namespace tripline
