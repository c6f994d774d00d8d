#include "tests/output/nats_server.hpp"
#ifdef TRIPLINE_HAVE_NATS

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

extern char** environ;

namespace tripline::test {
namespace {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

bool accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::string nats_server_binary() {
  for (const char* p :
       {"/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"})
    if (::access(p, X_OK) == 0) return p;
  return {};
}

pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

NatsServer::NatsServer(std::filesystem::path store_dir, std::vector<std::string> extra)
    : store_(std::move(store_dir)), extra_(std::move(extra)), port_(free_port()) {}

NatsServer::~NatsServer() { stop(); }

bool NatsServer::start() {
  std::vector<std::string> argv = {nats_server_binary(),  "-js", "-a",           "127.0.0.1", "-p",
                                   std::to_string(port_), "-sd", store_.string()};
  argv.insert(argv.end(), extra_.begin(), extra_.end());
  pid_ = spawn(argv, store_.string() + ".log");
  if (pid_ < 0) return false;
  for (int i = 0; i < 600; ++i) {  // up to a minute on a loaded machine
    if (accepts(port_)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void NatsServer::stop() {
  if (pid_ < 0) return;
  ::kill(pid_, SIGTERM);
  wait_exit(pid_);
  pid_ = -1;
}

bool read_stream(const std::string& url, const std::string& stream,
                 std::vector<StreamMessage>* messages) {
  messages->clear();
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  jsStreamInfo* info = nullptr;
  natsStatus s = natsConnection_ConnectTo(&nc, url.c_str());
  if (s == NATS_OK) s = natsConnection_JetStream(&js, nc, nullptr);
  if (s == NATS_OK) s = js_GetStreamInfo(&info, js, stream.c_str(), nullptr, nullptr);
  if (s == NATS_OK) {
    for (uint64_t seq = info->State.FirstSeq; seq != 0 && seq <= info->State.LastSeq; ++seq) {
      natsMsg* msg = nullptr;
      if (js_GetMsg(&msg, js, stream.c_str(), seq, nullptr, nullptr) != NATS_OK) continue;
      const char* id = "";
      natsMsgHeader_Get(msg, "Nats-Msg-Id", &id);
      messages->push_back(
          {id != nullptr ? id : "", natsMsg_GetSubject(msg),
           std::string(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg)))});
      natsMsg_Destroy(msg);
    }
    jsStreamInfo_Destroy(info);
  }
  EXPECT_EQ(s, NATS_OK) << "reading stream " << stream << " on " << url << ": "
                        << natsStatus_GetText(s);
  if (js != nullptr) jsCtx_Destroy(js);
  if (nc != nullptr) natsConnection_Destroy(nc);
  return s == NATS_OK;
}

}  // namespace tripline::test
#endif  // TRIPLINE_HAVE_NATS
