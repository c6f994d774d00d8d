// libFuzzer target: load_dataset() on arbitrary bytes, the set type chosen by the first byte (from
// the file name, or sniffed), must not crash, hang or leak; every indicator it accepts has a
// normalized form and every diagnostic names a line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/dataset_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  constexpr std::string_view kNames[] = {"f.dataset",        "f.string.dataset", "f.md5.dataset",
                                         "f.sha256.dataset", "f.ipv4.dataset",   "f.ip.dataset"};
  const std::string_view name = kNames[data[0] % std::size(kNames)];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  tripline::RuleSet rules;
  tripline::load_dataset(text, name, rules);
  for (const auto& indicator : rules.indicators())
    if (indicator.normalized.empty()) std::abort();
  for (const auto& diagnostic : rules.diagnostics())
    if (diagnostic.line == 0 || diagnostic.message.empty()) std::abort();
  return 0;
}
