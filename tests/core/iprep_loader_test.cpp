// Suricata IP reputation files: categories, reputation lines with their context, content
// detection, the categories file found beside a reputation file, and bad lines.
#include "core/iprep_loader.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/loaders.hpp"
#include "tests/test_support.hpp"

namespace tripline {
namespace {

using Strings = std::vector<std::string>;
using Extra = std::vector<std::pair<std::string, std::string>>;

Strings diagnostics(const RuleSet& rules) {
  Strings out;
  for (const auto& d : rules.diagnostics()) out.push_back(d.to_string());
  return out;
}

// "type normalized line confidence description extra..." per indicator.
Strings summary(const RuleSet& rules) {
  Strings out;
  for (const auto& i : rules.indicators()) {
    const IndicatorMeta& m = rules.meta_of(i);
    std::string s = std::string(to_string(i.type)) + " " + i.normalized + " " +
                    std::to_string(i.line) + " " + std::to_string(m.confidence) + " '" +
                    m.description + "'";
    for (const auto& [k, v] : m.extra) s += " " + k + "=" + v;
    out.push_back(s);
  }
  return out;
}

const char* kCategories =
    "# id,short name,description\n"
    "1,CnC,Command and control\n"
    "2,Scanner,Scanning hosts, seen at substations\n";

TEST(IprepLoader, Categories) {
  RuleSet rules;
  const IprepCategories c = load_iprep_categories(kCategories, "categories.txt", rules);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c.at(1).name, "CnC");
  EXPECT_EQ(c.at(2).description, "Scanning hosts, seen at substations");
  EXPECT_TRUE(rules.diagnostics().empty());
}

TEST(IprepLoader, ReputationWithCategories) {
  RuleSet scratch;
  const IprepCategories c = load_iprep_categories(kCategories, "categories.txt", scratch);
  RuleSet rules;
  load_iprep(
      "192.0.2.1,1,127\r\n"
      "\n"
      "# comment\n"
      "198.51.100.0/24,2,64\n"
      "192.0.2.1,2,0\n"
      "2001:db8::/32, 1 , 1\n",
      "intel/grid.iprep", &c, rules);
  EXPECT_EQ(summary(rules),
            (Strings{
                "ip 192.0.2.1 1 100 'Command and control' iprep_category=CnC iprep_score=127",
                "cidr 198.51.100.0/24 4 50 'Scanning hosts, seen at substations' "
                "iprep_category=Scanner iprep_score=64",
                "ip 192.0.2.1 5 0 'Scanning hosts, seen at substations' iprep_category=Scanner "
                "iprep_score=0",
                "cidr 2001:db8::/32 6 1 'Command and control' iprep_category=CnC iprep_score=1",
            }));
  EXPECT_TRUE(rules.diagnostics().empty());
  EXPECT_EQ(rules.meta_of(rules.indicators()[0]).source, "grid");
  EXPECT_EQ(rules.meta_of(rules.indicators()[0]).rule_set, "grid.iprep");
}

TEST(IprepLoader, WithoutCategoriesIdsAreKeptAndOneWarning) {
  RuleSet rules;
  load_iprep("203.0.113.7,5,101\n", "rep.iprep", nullptr, rules);
  EXPECT_EQ(summary(rules), (Strings{"ip 203.0.113.7 1 80 '' iprep_category=5 iprep_score=101"}));
  EXPECT_EQ(
      diagnostics(rules),
      (Strings{"rep.iprep: warning: no categories.txt beside it: categories are shown by id"}));
  EXPECT_EQ(rules.error_count(), 0u);
}

TEST(IprepLoader, BadReputationLines) {
  RuleSet scratch;
  const IprepCategories c = load_iprep_categories(kCategories, "categories.txt", scratch);
  const struct {
    const char* text;
    const char* diagnostic;
  } cases[] = {
      {"192.0.2.1,1\n", "r.iprep:1: expected 3 fields (ip,category,score), got 2"},
      {"192.0.2.1,1,2,3\n", "r.iprep:1: expected 3 fields (ip,category,score), got 4"},
      {"evil.example,1,20\n", "r.iprep:1: value 'evil.example' is not an ip address or cidr"},
      {"192.0.2.1:80,1,20\n", "r.iprep:1: value '192.0.2.1:80' is not an ip address or cidr"},
      {"192.0.2.0/33,1,20\n", "r.iprep:1: value '192.0.2.0/33' is not an ip address or cidr"},
      {"192.0.2.1,x,20\n", "r.iprep:1: invalid category 'x' (0..60)"},
      {"192.0.2.1,61,20\n", "r.iprep:1: invalid category '61' (0..60)"},
      {"192.0.2.1,7,20\n", "r.iprep:1: unknown category 7"},
      {"192.0.2.1,1,128\n", "r.iprep:1: invalid score '128' (0..127)"},
      {"192.0.2.1,1,-1\n", "r.iprep:1: invalid score '-1' (0..127)"},
      {"192.0.2.1,1,\n", "r.iprep:1: invalid score '' (0..127)"},
  };
  for (const auto& k : cases) {
    RuleSet rules;
    load_iprep(std::string("192.0.2.9,1,50\n") + k.text, "r.iprep", &c, rules);
    std::string expected = k.diagnostic;
    expected.replace(expected.find(":1:"), 3, ":2:");
    EXPECT_EQ(diagnostics(rules), (Strings{expected})) << k.text;
    EXPECT_EQ(rules.indicators().size(), 1u) << k.text;
  }
}

TEST(IprepLoader, BadCategoryLines) {
  const struct {
    const char* text;
    const char* diagnostic;
  } cases[] = {
      {"1,CnC\n", "c.txt:1: expected id,short name,description"},
      {"x,CnC,desc\n", "c.txt:1: invalid category id 'x' (0..60)"},
      {"99,CnC,desc\n", "c.txt:1: invalid category id '99' (0..60)"},
      {"1,,desc\n", "c.txt:1: empty category name"},
      {"1,CnC,a\n1,Other,b\n", "c.txt:2: duplicate category id 1"},
  };
  for (const auto& k : cases) {
    RuleSet rules;
    load_iprep_categories(k.text, "c.txt", rules);
    EXPECT_EQ(diagnostics(rules), (Strings{k.diagnostic})) << k.text;
  }
}

TEST(IprepLoader, DetectedByExtensionOrContent) {
  const struct {
    const char* name;
    const char* head;
    RuleFormat format;
  } cases[] = {
      {"grid.iprep", "", RuleFormat::kIprep},
      {"reputation.list", "# rep\n192.0.2.1,1,100\n", RuleFormat::kIprep},
      {"badhosts.txt", "2001:db8::/32,3,20\n", RuleFormat::kIprep},
      {"categories.txt", "1,BadHosts,Known bad hosts\n", RuleFormat::kIprepCategories},
      {"grid.dataset", "ZXZpbC5leGFtcGxl\n", RuleFormat::kDataset},
      {"list.txt", "192.0.2.1\n", RuleFormat::kList},
      {"list.txt", "192.0.2.1,x,1\n", RuleFormat::kList},
      {"list.txt", "1,two words,x\n", RuleFormat::kList},
  };
  for (const auto& c : cases) EXPECT_EQ(detect_format(c.name, c.head), c.format) << c.name;
}

void write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

TEST(IprepLoader, CategoriesFileBesideReputationFile) {
  test::TempDir dir;
  write(dir.path() / "iprep" / "categories.txt", std::string(kCategories) + "bad line\n");
  write(dir.path() / "iprep" / "reputation.list", "192.0.2.1,2,30\n");
  write(dir.path() / "alone" / "x.iprep", "192.0.2.2,2,30\n");

  RuleSet rules;
  EXPECT_EQ(load_rules_path(dir.path().string(), rules), 3u);
  EXPECT_EQ(summary(rules), (Strings{"ip 192.0.2.2 1 24 '' iprep_category=2 iprep_score=30",
                                     "ip 192.0.2.1 1 24 'Scanning hosts, seen at substations' "
                                     "iprep_category=Scanner iprep_score=30"}));
  EXPECT_EQ(diagnostics(rules),
            (Strings{(dir.path() / "alone" / "x.iprep").string() +
                         ": warning: no categories.txt beside it: categories are shown by id",
                     (dir.path() / "iprep" / "categories.txt").string() +
                         ":4: expected id,short name,description"}));
}

}  // namespace
}  // namespace tripline
