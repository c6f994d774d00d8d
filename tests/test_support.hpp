// Helpers shared by the test programs: locating ../shared data, reading files, temp dirs.
#pragma once

#include <filesystem>
#include <string>

namespace tripline::test {

// ../shared/data/<sub>/<name>; empty path when ../shared is absent (tests then GTEST_SKIP).
std::filesystem::path shared_file(const std::string& sub, const std::string& name);

std::string read_file(const std::filesystem::path& path);

// A fresh directory under the build tree, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace tripline::test

#define TRIPLINE_SHARED_OR_SKIP(var, sub, name)              \
  const auto var = ::tripline::test::shared_file(sub, name); \
  if (var.empty()) GTEST_SKIP() << "../shared/data/" sub "/" name " not present"
