#include "core/loaders.hpp"

#include <algorithm>

#include "core/loader_util.hpp"

namespace tripline {

namespace {

// RFC 4180 records, one at a time, into reused field buffers.
class CsvReader {
 public:
  explicit CsvReader(std::string_view text) : text_(text) {}

  enum Status : uint8_t { kEnd, kRecord, kError };

  // Reads the next record into fields[0..count); `line` is where it starts.
  Status next(std::vector<std::string>& fields, size_t& count, uint32_t& line, std::string& error) {
    count = 0;
    if (pos_ >= text_.size()) return kEnd;
    line = line_;
    for (;;) {
      if (count == fields.size()) fields.emplace_back();
      std::string& field = fields[count++];
      field.clear();
      if (pos_ < text_.size() && text_[pos_] == '"') {
        if (!read_quoted(field, error)) return kError;
      } else {
        const size_t end = std::min(text_.find_first_of(",\n", pos_), text_.size());
        std::string_view raw = text_.substr(pos_, end - pos_);
        if (end < text_.size() && text_[end] == '\n' && !raw.empty() && raw.back() == '\r')
          raw.remove_suffix(1);
        field.assign(raw);
        pos_ = end;
      }
      if (pos_ >= text_.size()) return kRecord;
      if (text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      ++pos_;  // '\n'
      ++line_;
      return kRecord;
    }
  }

 private:
  // pos_ is at the opening quote; leaves pos_ at the separator or end of line after the field.
  bool read_quoted(std::string& field, std::string& error) {
    ++pos_;
    for (;;) {
      const size_t quote = text_.find('"', pos_);
      if (quote == std::string_view::npos) {
        error = "unterminated quoted field";
        skip_rest();
        return false;
      }
      const std::string_view chunk = text_.substr(pos_, quote - pos_);
      line_ += static_cast<uint32_t>(std::count(chunk.begin(), chunk.end(), '\n'));
      field += chunk;
      pos_ = quote + 1;
      if (pos_ < text_.size() && text_[pos_] == '"') {
        field += '"';
        ++pos_;
        continue;
      }
      break;
    }
    if (pos_ < text_.size() && text_[pos_] == '\r' && pos_ + 1 < text_.size() &&
        text_[pos_ + 1] == '\n')
      ++pos_;
    if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n') {
      error = "unexpected character after closing quote";
      skip_line();
      return false;
    }
    return true;
  }

  void skip_line() {
    const size_t nl = text_.find('\n', pos_);
    pos_ = nl == std::string_view::npos ? text_.size() : nl + 1;
    if (nl != std::string_view::npos) ++line_;
  }
  void skip_rest() { pos_ = text_.size(); }

  std::string_view text_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
};

enum class Column : uint8_t {
  kExtra,
  kValue,
  kType,
  kSource,
  kCampaign,
  kTlp,
  kConfidence,
  kDescription
};

Column column_role(std::string_view name) {
  using detail::iequals;
  name = detail::trim(name);
  for (const char* n : {"indicator", "value", "ioc", "indicator_value", "observable"})
    if (iequals(name, n)) return Column::kValue;
  for (const char* n : {"type", "indicator_type", "ioc_type", "attribute_type"})
    if (iequals(name, n)) return Column::kType;
  if (iequals(name, "source")) return Column::kSource;
  if (iequals(name, "campaign")) return Column::kCampaign;
  if (iequals(name, "tlp")) return Column::kTlp;
  if (iequals(name, "confidence")) return Column::kConfidence;
  for (const char* n : {"description", "comment", "desc"})
    if (iequals(name, n)) return Column::kDescription;
  return Column::kExtra;
}

bool is_blank(const std::vector<std::string>& fields, size_t count) {
  return count == 1 && detail::trim(fields[0]).empty();
}

}  // namespace

void load_csv(std::string_view text, std::string_view file_name, RuleSet& rules) {
  const std::string file(file_name);
  text = detail::strip_bom(text);
  CsvReader reader(text);
  std::vector<std::string> fields;
  size_t count = 0;
  uint32_t line = 0;
  std::string error;
  auto diagnose = [&](uint32_t at, std::string message) {
    rules.add_diagnostic(Diagnostic{file, at, "", std::move(message), Severity::kError});
  };

  // Header row: the first non-blank record.
  CsvReader::Status status;
  while ((status = reader.next(fields, count, line, error)) == CsvReader::kRecord &&
         is_blank(fields, count)) {
  }
  if (status == CsvReader::kEnd) return;
  if (status == CsvReader::kError) {
    diagnose(line, error);
    return;
  }
  std::vector<Column> roles(count, Column::kExtra);
  std::vector<std::string> names(count);
  size_t role_column[8];
  std::fill(std::begin(role_column), std::end(role_column), SIZE_MAX);
  for (size_t i = 0; i < count; ++i) {
    names[i] = std::string(detail::trim(fields[i]));
    const Column role = column_role(names[i]);
    size_t& slot = role_column[static_cast<size_t>(role)];
    if (role != Column::kExtra && slot == SIZE_MAX) {
      slot = i;
      roles[i] = role;
    }
  }
  const size_t value_col = role_column[static_cast<size_t>(Column::kValue)];
  const size_t type_col = role_column[static_cast<size_t>(Column::kType)];
  if (value_col == SIZE_MAX) {
    diagnose(line,
             "missing value column (one of indicator, value, ioc, indicator_value, observable)");
    return;
  }
  const size_t columns = count;
  detail::reserve_for(rules, static_cast<size_t>(std::count(text.begin(), text.end(), '\n')));

  const std::string rule_set(detail::base_name(file_name));
  const std::string default_source(detail::stem(rule_set));
  IndicatorMeta meta;
  std::string scratch;
  detail::Piece pieces[2];
  while ((status = reader.next(fields, count, line, error)) != CsvReader::kEnd) {
    if (status == CsvReader::kError) {
      diagnose(line, error);
      continue;
    }
    if (is_blank(fields, count)) continue;
    if (count != columns) {
      diagnose(line,
               "expected " + std::to_string(columns) + " fields, got " + std::to_string(count));
      continue;
    }
    meta = IndicatorMeta{};
    meta.rule_set = rule_set;
    bool bad = false;
    for (size_t i = 0; i < columns && !bad; ++i) {
      const std::string_view v = detail::trim(fields[i]);
      switch (roles[i]) {
        case Column::kValue:
        case Column::kType:
          break;
        case Column::kSource:
          meta.source = v;
          break;
        case Column::kCampaign:
          meta.campaign = v;
          break;
        case Column::kDescription:
          meta.description = v;
          break;
        case Column::kTlp:
          if (v.empty()) break;
          meta.tlp = detail::normalize_tlp(v);
          if (meta.tlp.empty()) {
            diagnose(line, "unknown tlp " + detail::quoted(v));
            bad = true;
          }
          break;
        case Column::kConfidence:
          if (v.empty()) break;
          meta.confidence = detail::parse_confidence(v);
          if (meta.confidence < 0) {
            diagnose(line, "invalid confidence " + detail::quoted(v));
            bad = true;
          }
          break;
        case Column::kExtra:
          if (!v.empty()) meta.extra.emplace_back(names[i], v);
          break;
      }
    }
    if (bad) continue;
    if (meta.source.empty()) meta.source = default_source;

    const std::string_view value = detail::trim(fields[value_col]);
    const std::string_view type_name =
        type_col == SIZE_MAX ? std::string_view() : detail::trim(fields[type_col]);
    size_t n = 1;
    if (type_name.empty()) {
      pieces[0].written = value;
      detail::classify_into(value, scratch, pieces[0].c);
    } else {
      n = detail::classify_declared(detail::lookup_declared_type(type_name), type_name, value,
                                    scratch, pieces);
    }
    for (size_t i = 0; i < n; ++i)
      detail::emit(rules, file_name, line, pieces[i].written, pieces[i].c, meta);
  }
}

}  // namespace tripline
