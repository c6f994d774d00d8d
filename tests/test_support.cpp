#include "tests/test_support.hpp"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>

namespace tripline::test {

std::filesystem::path shared_file(const std::string& sub, const std::string& name) {
  const std::filesystem::path p = std::filesystem::path(TRIPLINE_SHARED_DIR) / "data" / sub / name;
  return std::filesystem::exists(p) ? p : std::filesystem::path();
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::path(TRIPLINE_BINARY_DIR) / "test-tmp" /
          (std::to_string(getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace tripline::test
