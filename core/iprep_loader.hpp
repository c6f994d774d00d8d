// Suricata IP reputation files: the categories file ("id,short name,description") and reputation
// files ("ip-or-cidr,category id,score") into a RuleSet.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/rule_set.hpp"

namespace tripline {

struct IprepCategory {
  std::string name;  // the short name rules use (iprep:dst,CnC,>,30)
  std::string description;
};
using IprepCategories = std::map<uint32_t, IprepCategory>;

// The categories file beside the reputation files (Suricata's reputation-categories-file).
inline constexpr std::string_view kIprepCategoriesFile = "categories.txt";

// Parses a categories file; a bad line is an error diagnostic in `rules` and is left out.
IprepCategories load_iprep_categories(std::string_view text, std::string_view file_name,
                                      RuleSet& rules);

// Each line becomes an ip or cidr indicator: confidence = score (0..127) scaled to 0..100
// (round(score * 100 / 127)); extra `iprep_category` (the short name, or the id when there is no
// categories file) and `iprep_score`; description = the category's description. Without
// `categories` (nullptr) every id 0..60 is accepted and one warning says so; with them an unknown
// id is an error. A bad line is an error diagnostic "file:line: reason"; the rest loads.
void load_iprep(std::string_view text, std::string_view file_name,
                const IprepCategories* categories, RuleSet& rules);

// Content sniffing for files without the .iprep extension, on the first value line (blank and
// '#' lines skipped): "192.0.2.1,1,100" (reputation) and "1,BadHosts,Known bad hosts" (categories).
bool looks_like_iprep(std::string_view head);
bool looks_like_iprep_categories(std::string_view head);

}  // namespace tripline
