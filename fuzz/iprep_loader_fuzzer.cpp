// libFuzzer target: the iprep categories parser and the reputation loader on arbitrary bytes (the
// input up to the first NUL is the categories file, the rest the reputation file). They must not
// crash, hang or leak; every indicator is an ip or cidr with a confidence in 0..100, and every
// error names a line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/iprep_loader.hpp"
#include "core/loaders.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string_view categories_text = input.substr(0, nul);
  const std::string_view reputation_text =
      nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
  tripline::RuleSet rules;
  const tripline::IprepCategories categories =
      tripline::load_iprep_categories(categories_text, "categories.txt", rules);
  tripline::load_iprep(reputation_text, "f.iprep", &categories, rules);
  tripline::load_iprep(reputation_text, "g.iprep", nullptr, rules);
  (void)tripline::looks_like_iprep(input);
  (void)tripline::looks_like_iprep_categories(input);
  (void)tripline::detect_format("f.txt", input);
  for (const auto& indicator : rules.indicators()) {
    const int confidence = rules.meta_of(indicator).confidence;
    if (indicator.normalized.empty() || confidence < 0 || confidence > 100) std::abort();
    if (indicator.type != tripline::IndicatorType::kIp &&
        indicator.type != tripline::IndicatorType::kCidr)
      std::abort();
  }
  for (const auto& diagnostic : rules.diagnostics())
    if (diagnostic.message.empty() ||
        (diagnostic.line == 0) != (diagnostic.severity == tripline::Severity::kWarning))
      std::abort();
  return 0;
}
