#include "core/loaders.hpp"

#include <simdjson.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

#include "core/dataset_loader.hpp"
#include "core/iprep_loader.hpp"
#include "core/loader_util.hpp"
#include "core/misp_loader.hpp"
#include "core/stix_loader.hpp"

namespace tripline {

namespace {

namespace fs = std::filesystem;

bool has_extension(std::string_view name, std::string_view ext) {
  return name.size() > ext.size() && detail::iequals(name.substr(name.size() - ext.size()), ext);
}

void error(RuleSet& rules, const std::string& file, std::string message) {
  rules.add_diagnostic(Diagnostic{file, 0, "", std::move(message), Severity::kError});
}

bool read_whole_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) return false;
  in.seekg(0, std::ios::beg);
  out.resize(static_cast<size_t>(size));
  in.read(out.data(), size);
  return static_cast<std::streamoff>(in.gcount()) == size;
}

// README, README.md, readme.txt, ...: a rule set's documentation, not a rule file.
bool is_readme(std::string_view name) {
  return detail::iequals(name.substr(0, name.find('.')), "readme");
}

bool is_misp_feed(const fs::path& directory) {
  std::error_code ec;
  return fs::is_regular_file(directory / "manifest.json", ec);
}

// The categories file beside an iprep file, when readable; its own problems are reported when it is
// loaded as a rules file itself (or show as unknown categories).
std::optional<IprepCategories> categories_beside(const std::string& iprep_path) {
  std::string text;
  const fs::path path = fs::path(iprep_path).parent_path() / kIprepCategoriesFile;
  if (!read_whole_file(path.string(), text)) return std::nullopt;
  RuleSet scratch;
  return load_iprep_categories(text, path.string(), scratch);
}

// Loads one file; returns 1 when a loader read it.
size_t load_file(const std::string& path, RuleSet& rules, const RuleVars& vars) {
  std::string text;
  if (!read_whole_file(path, text)) {
    error(rules, path, "cannot read file");
    return 0;
  }
  constexpr size_t kHead = 4096;
  RuleFormat format = detect_format(path, std::string_view(text).substr(0, kHead));
  if (format == RuleFormat::kJson) format = detect_json_format(text);
  switch (format) {
    case RuleFormat::kList:
      load_list(text, path, rules);
      return 1;
    case RuleFormat::kCsv:
      load_csv(text, path, rules);
      return 1;
    case RuleFormat::kZeekIntel:
      load_zeek_intel(text, path, rules);
      return 1;
    case RuleFormat::kSuricata:
      load_suricata_rules(text, path, vars, rules);
      return 1;
    case RuleFormat::kStix:
      load_stix_bundle(text, path, vars, static_cast<int64_t>(std::time(nullptr)), rules);
      return 1;
    case RuleFormat::kMisp:
      load_misp_event(text, path, vars, rules);
      return 1;
    case RuleFormat::kDataset:
      load_dataset(text, path, rules);
      return 1;
    case RuleFormat::kIprep: {
      const std::optional<IprepCategories> categories = categories_beside(path);
      load_iprep(text, path, categories ? &*categories : nullptr, rules);
      return 1;
    }
    case RuleFormat::kIprepCategories:
      load_iprep_categories(text, path, rules);
      return 1;
    case RuleFormat::kJson:  // resolved above
    case RuleFormat::kUnsupported:
      error(rules, path, "unsupported format");
      return 0;
  }
  return 0;
}

}  // namespace

RuleFormat detect_format(std::string_view file_name, std::string_view head) {
  const std::string_view name = detail::base_name(file_name);
  head = detail::strip_bom(head);
  if (has_extension(name, ".intel")) return RuleFormat::kZeekIntel;
  if (head.substr(0, 8) == "#fields\t") return RuleFormat::kZeekIntel;
  // Zeek files may open with #separator / #path lines before #fields.
  if (head.substr(0, 1) == "#" && head.find("\n#fields\t") != std::string_view::npos)
    return RuleFormat::kZeekIntel;
  if (has_extension(name, ".csv")) return RuleFormat::kCsv;
  if (has_extension(name, ".rules")) return RuleFormat::kSuricata;
  if (has_extension(name, ".json")) return RuleFormat::kJson;
  if (has_extension(name, ".dataset")) return RuleFormat::kDataset;
  if (has_extension(name, ".iprep")) return RuleFormat::kIprep;
  // Prose and markup: reported, not guessed.
  for (const char* ext : {".adoc", ".md", ".xml", ".html", ".pdf"})
    if (has_extension(name, ext)) return RuleFormat::kUnsupported;
  if (head.find('\0') != std::string_view::npos) return RuleFormat::kUnsupported;  // binary
  // Suricata keeps reputation and category files under any name (reputation.list,
  // categories.txt): their comma-separated lines are never valid list lines.
  if (looks_like_iprep(head)) return RuleFormat::kIprep;
  if (looks_like_iprep_categories(head)) return RuleFormat::kIprepCategories;
  return RuleFormat::kList;
}

RuleFormat detect_json_format(std::string_view text) {
  simdjson::dom::parser parser;
  const simdjson::padded_string json(detail::strip_bom(text));
  simdjson::dom::object root;
  if (parser.parse(json).get(root) != simdjson::SUCCESS) return RuleFormat::kUnsupported;
  std::string_view type;
  if (root["type"].get(type) == simdjson::SUCCESS && type == "bundle") return RuleFormat::kStix;
  if (root["Event"].error() == simdjson::SUCCESS || root["response"].error() == simdjson::SUCCESS)
    return RuleFormat::kMisp;
  return RuleFormat::kUnsupported;
}

size_t load_rules_path(const std::string& path, RuleSet& rules) {
  return load_rules_path(path, rules, RuleVars::suricata_defaults());
}

size_t load_rules_path(const std::string& path, RuleSet& rules, const RuleVars& vars) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    error(rules, path, "no such file or directory");
    return 0;
  }
  if (!fs::is_directory(status)) return load_file(path, rules, vars);
  if (is_misp_feed(path)) return load_misp_feed(path, vars, rules);

  std::vector<fs::path> files, feeds;
  fs::recursive_directory_iterator it(path, ec);
  if (ec) {
    error(rules, path, "cannot read directory");
    return 0;
  }
  for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) {
      error(rules, path, "cannot read directory");
      break;
    }
    // Hidden entries (.git, .gitkeep, editor swap files) are not rule files.
    if (it->path().filename().string().starts_with(".")) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec) && is_readme(it->path().filename().string())) continue;
    if (it->is_directory(ec) && is_misp_feed(it->path())) {
      it.disable_recursion_pending();
      feeds.push_back(it->path());
    } else if (it->is_regular_file(ec)) {
      files.push_back(it->path());
    }
  }
  // Files and feeds in one path order.
  std::vector<std::pair<fs::path, bool>> entries;
  for (const fs::path& f : files) entries.emplace_back(f, false);
  for (const fs::path& f : feeds) entries.emplace_back(f, true);
  std::sort(entries.begin(), entries.end());
  size_t loaded = 0;
  for (const auto& [entry, feed] : entries)
    loaded +=
        feed ? load_misp_feed(entry.string(), vars, rules) : load_file(entry.string(), rules, vars);
  return loaded;
}

}  // namespace tripline
