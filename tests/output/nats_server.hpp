// A real nats-server with JetStream on a free loopback port, for the tests, and a reader of
// what a stream holds.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace tripline::test {

// Empty when nats-server is not installed (tests then GTEST_SKIP).
std::string nats_server_binary();

class NatsServer {
 public:
  // Storage in `store_dir`; a fresh free port; `extra` arguments (e.g. "--auth", TOKEN).
  explicit NatsServer(std::filesystem::path store_dir, std::vector<std::string> extra = {});
  ~NatsServer();
  // Starts it (again: same port, same storage) and waits until it accepts connections.
  bool start();
  void stop();  // SIGTERM and wait
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  std::filesystem::path store_;
  std::vector<std::string> extra_;
  int port_ = 0;
  pid_t pid_ = -1;
};

struct StreamMessage {
  std::string id;  // Nats-Msg-Id
  std::string subject;
  std::string data;
};

// Every message the stream holds, in order; false (and a test failure) if it cannot be read.
bool read_stream(const std::string& url, const std::string& stream,
                 std::vector<StreamMessage>* messages);

// Starts a program with arguments; stdout and stderr to `log`. The process id.
pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& log);
int wait_exit(pid_t pid);  // exit code, -1 if killed

}  // namespace tripline::test
