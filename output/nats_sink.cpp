#include "output/nats_sink.hpp"

#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "output/nats_stream.hpp"

namespace tripline {

using Clock = std::chrono::steady_clock;

namespace {

struct Item {
  std::string id;
  std::string line;  // without the trailing newline
};

std::string nats_error(natsStatus s) {
  const char* detail = nats_GetLastError(nullptr);
  return detail != nullptr && *detail != '\0' ? detail : natsStatus_GetText(s);
}

// A user nkey file: the seed (SU...) and the public key (U...), one per line.
bool nkey_public_key(const std::string& path, std::string* key, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read nkey file " + path;
    return false;
  }
  std::string line;
  while (std::getline(in, line)) {
    line.erase(
        std::remove_if(line.begin(), line.end(), [](unsigned char c) { return std::isspace(c); }),
        line.end());
    if (line.size() == 56 && line[0] == 'U') {
      *key = line;
      return true;
    }
  }
  *error = "nkey file " + path +
           " holds no user public key (a line starting with U, as `nk -gen user -pubout` prints)";
  return false;
}

}  // namespace

std::string default_stream_name(std::string_view subject) {
  std::string name;
  for (char c : subject) {
    if (c == '*' || c == '>') continue;
    name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  while (!name.empty() && name.back() == '_') name.pop_back();
  return name.empty() ? "TRIPLINE" : name;
}

struct NatsSink::Impl {
  NatsConfig config;
  std::unique_ptr<Spool> spool;  // the sink thread's, after start
  natsOptions* options = nullptr;
  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;

  std::mutex mutex;  // queue, closing, counters, retry_at
  std::condition_variable wake;
  std::condition_variable room;
  std::deque<Item> queue;
  bool closing = false;
  NatsCounters counters;
  Clock::time_point retry_at{};
  std::atomic<bool> connected{false};

  std::mutex ack_mutex;  // the batch in flight, shared with libnats' ack callback
  std::unordered_map<std::string, size_t> in_flight;
  std::vector<uint8_t> acked;
  uint64_t batch_duplicates = 0;

  bool stream_ok = false;  // sink thread only (after start)
  std::string last_problem;
  std::thread thread;

  void log(const std::string& line) const {
    if (config.log) config.log(line);
  }

  ~Impl() {
    {
      std::lock_guard lock(mutex);
      closing = true;  // the disconnect that closing the connection causes is not news
    }
    if (js != nullptr) jsCtx_Destroy(js);
    if (connection != nullptr) {
      // libnats delivers the disconnected and closed callbacks on its own thread, after
      // Close returns: this object must outlive them. The closed callback comes last.
      natsConnection_Close(connection);
      std::unique_lock lock(closed_mutex);
      closed_wake.wait_for(lock, std::chrono::seconds(10), [this] { return closed; });
      lock.unlock();
      natsConnection_Destroy(connection);
    }
    if (options != nullptr) natsOptions_Destroy(options);
  }

  std::mutex closed_mutex;
  std::condition_variable closed_wake;
  bool closed = false;  // libnats' closed callback has run

  static void on_closed(natsConnection*, void* self) {
    auto* impl = static_cast<Impl*>(self);
    // Notified under the lock: once the destructor sees `closed`, this callback no longer
    // touches the object (the condition variable is about to be destroyed).
    std::lock_guard lock(impl->closed_mutex);
    impl->closed = true;
    impl->closed_wake.notify_all();
  }

  bool connect(std::string* error);
  bool check_stream(std::string* error);
  void run();
  std::vector<uint8_t> send(const std::vector<Item>& items);
  void send_new(std::vector<Item>& items);
  bool resend_spooled();
  void to_spool(const std::vector<Item>& items);
  bool ready();
  void problem(const std::string& what);

  void set_connected(bool up) {
    connected.store(up);
    {
      std::lock_guard lock(mutex);
      if (closing) return;
      retry_at = Clock::now();
    }
    wake.notify_all();
    log(up ? "nats: connected to " + config.url
           : "nats: disconnected from " + config.url + "; spooling until it is back");
  }

  static void on_disconnected(natsConnection*, void* self) {
    static_cast<Impl*>(self)->set_connected(false);
  }
  static void on_connected(natsConnection*, void* self) {
    static_cast<Impl*>(self)->set_connected(true);
  }
  static void on_ack(jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr* err, void* closure) {
    auto* self = static_cast<Impl*>(closure);
    const char* id = nullptr;
    if (ack != nullptr && err == nullptr && natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK &&
        id != nullptr) {
      std::lock_guard lock(self->ack_mutex);
      const auto it = self->in_flight.find(id);
      if (it != self->in_flight.end()) {
        self->acked[it->second] = 1;
        if (ack->Duplicate) ++self->batch_duplicates;
      }
    }
    natsMsg_Destroy(msg);
  }
};

bool NatsSink::Impl::connect(std::string* error) {
  natsOptions* o = nullptr;
  natsStatus s = natsOptions_Create(&o);
  options = o;
  if (s == NATS_OK) s = natsOptions_SetURL(o, config.url.c_str());
  if (s == NATS_OK) s = natsOptions_SetName(o, config.client_name.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(o, config.connect_timeout_ms);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(o, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(o, config.reconnect_wait_ms);
  if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(o, &Impl::on_disconnected, this);
  if (s == NATS_OK) s = natsOptions_SetReconnectedCB(o, &Impl::on_connected, this);
  if (s == NATS_OK) s = natsOptions_SetClosedCB(o, &Impl::on_closed, this);
  if (s == NATS_OK && config.start_offline)
    s = natsOptions_SetRetryOnFailedConnect(o, true, &Impl::on_connected, this);
  const bool tls =
      !config.tls_ca.empty() || !config.tls_cert.empty() || config.url.rfind("tls://", 0) == 0;
  if (s == NATS_OK && tls) s = natsOptions_SetSecure(o, true);
  if (s == NATS_OK && !config.tls_ca.empty())
    s = natsOptions_LoadCATrustedCertificates(o, config.tls_ca.c_str());
  if (s == NATS_OK && !config.tls_cert.empty())
    s = natsOptions_LoadCertificatesChain(o, config.tls_cert.c_str(), config.tls_key.c_str());
  if (s == NATS_OK && !config.token.empty()) s = natsOptions_SetToken(o, config.token.c_str());
  if (s == NATS_OK && !config.user.empty())
    s = natsOptions_SetUserInfo(o, config.user.c_str(), config.password.c_str());
  if (s == NATS_OK && !config.creds_file.empty())
    s = natsOptions_SetUserCredentialsFromFiles(o, config.creds_file.c_str(), nullptr);
  if (s == NATS_OK && !config.nkey_file.empty()) {
    std::string key;
    if (!nkey_public_key(config.nkey_file, &key, error)) return false;
    s = natsOptions_SetNKeyFromSeed(o, key.c_str(), config.nkey_file.c_str());
  }
  if (s != NATS_OK) {
    *error = "NATS options: " + nats_error(s);
    return false;
  }

  s = natsConnection_Connect(&connection, o);
  if (s == NATS_NOT_YET_CONNECTED) {
    log("nats: " + config.url + " not reachable; spooling until it is");
  } else if (s != NATS_OK) {
    *error = "cannot connect to " + config.url + ": " + natsStatus_GetText(s);
    return false;
  } else {
    connected.store(true);
  }

  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = config.ack_timeout_ms;
  jo.PublishAsync.MaxPending = static_cast<int64_t>(config.max_pending);
  jo.PublishAsync.AckHandler = &Impl::on_ack;
  jo.PublishAsync.AckHandlerClosure = this;
  s = natsConnection_JetStream(&js, connection, &jo);
  if (s != NATS_OK) {
    *error = "JetStream context: " + nats_error(s);
    return false;
  }
  if (connected.load()) {
    if (!check_stream(error)) return false;
    stream_ok = true;
  }
  return true;
}

bool NatsSink::Impl::check_stream(std::string* error) {
  StreamCheck check;
  check.subject = config.subject;
  check.stream = config.stream;
  check.create = config.create_stream;
  check.duplicate_window_ms = config.duplicate_window_ms;
  check.url = config.url;
  std::string created;
  if (!ensure_stream(connection, js, check, &created, error)) return false;
  if (!created.empty()) log("nats: " + created);
  return true;
}

// Publishes every item (a bounded batch) and waits for the acknowledgments; which were acked.
std::vector<uint8_t> NatsSink::Impl::send(const std::vector<Item>& items) {
  {
    std::lock_guard lock(ack_mutex);
    in_flight.clear();
    for (size_t i = 0; i < items.size(); ++i) in_flight.emplace(items[i].id, i);
    acked.assign(items.size(), 0);
    batch_duplicates = 0;
  }
  natsStatus s = NATS_OK;
  for (const Item& item : items) {
    natsMsg* msg = nullptr;
    s = natsMsg_Create(&msg, config.subject.c_str(), nullptr, item.line.data(),
                       static_cast<int>(item.line.size()));
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = item.id.c_str();
    if (s == NATS_OK) s = js_PublishMsgAsync(js, &msg, &po);
    natsMsg_Destroy(msg);  // no-op once the library took it
    if (s != NATS_OK) break;
  }
  const std::string publish_error = s == NATS_OK ? std::string() : nats_error(s);
  jsPubOptions wait;
  jsPubOptions_Init(&wait);
  wait.MaxWait = config.ack_timeout_ms;
  const natsStatus complete = js_PublishAsyncComplete(js, &wait);
  if (complete != NATS_OK) {  // take the unacknowledged ones back: their acks are ignored now
    natsMsgList pending{};
    if (js_PublishAsyncGetPendingList(&pending, js) == NATS_OK) natsMsgList_Destroy(&pending);
  }
  std::vector<uint8_t> result;
  uint64_t duplicates = 0;
  {
    std::lock_guard lock(ack_mutex);
    result.swap(acked);
    in_flight.clear();
    duplicates = batch_duplicates;
  }
  const size_t missing = static_cast<size_t>(std::count(result.begin(), result.end(), 0));
  if (missing != 0)
    problem(std::to_string(missing) + " of " + std::to_string(items.size()) +
            " not acknowledged (" +
            (!publish_error.empty() ? publish_error
             : complete != NATS_OK  ? nats_error(complete)
                                    : std::string("negative ack")) +
            ")");
  std::lock_guard lock(mutex);
  counters.duplicates += duplicates;
  return result;
}

void NatsSink::Impl::problem(const std::string& what) {
  {
    std::lock_guard lock(mutex);
    retry_at = Clock::now() + std::chrono::milliseconds(config.reconnect_wait_ms);
  }
  if (what != last_problem) log("nats: " + what + "; spooled, retrying");
  last_problem = what;
}

void NatsSink::Impl::to_spool(const std::vector<Item>& items) {
  uint64_t spooled = 0;
  uint64_t dropped = 0;
  for (const Item& item : items) {
    if (spool->append(item.id, item.line))
      ++spooled;
    else
      ++dropped;
  }
  std::lock_guard lock(mutex);
  counters.spooled += spooled;
  counters.spool_dropped += dropped;
}

void NatsSink::Impl::send_new(std::vector<Item>& items) {
  const std::vector<uint8_t> ok = send(items);
  std::vector<Item> failed;
  uint64_t published = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    if (ok[i])
      ++published;
    else
      failed.push_back(std::move(items[i]));
  }
  if (!failed.empty()) to_spool(failed);
  std::lock_guard lock(mutex);
  counters.published += published;
}

// One batch from the spool, oldest first. True when all of it was acknowledged.
bool NatsSink::Impl::resend_spooled() {
  spool->rewind();
  std::vector<Item> items;
  SpoolRecord record;
  while (items.size() < config.max_pending && spool->read_next(record))
    items.push_back({std::move(record.id), std::move(record.payload)});
  const std::vector<uint8_t> ok = send(items);
  const size_t prefix =
      static_cast<size_t>(std::find(ok.begin(), ok.end(), 0) - ok.begin());  // acked in order
  if (prefix != items.size()) {
    spool->rewind();
    for (size_t i = 0; i < prefix; ++i) spool->read_next(record);
  }
  spool->commit_read();
  std::lock_guard lock(mutex);
  counters.published += prefix;
  counters.resent += prefix;
  return prefix == items.size();
}

// Connected, the stream checked, and not backing off after a failure.
bool NatsSink::Impl::ready() {
  if (!connected.load()) return false;
  {
    std::lock_guard lock(mutex);
    if (Clock::now() < retry_at) return false;
  }
  if (!stream_ok) {
    std::string error;
    stream_ok = check_stream(&error);
    if (!stream_ok) problem(error);
  }
  return stream_ok;
}

void NatsSink::Impl::run() {
  if (spool->pending() != 0)
    log("nats: " + std::to_string(spool->pending()) + " spooled lines to resend first");
  for (;;) {
    std::vector<Item> taken;
    bool finishing = false;
    {
      std::unique_lock lock(mutex);
      const bool backlog = spool->pending() != 0;  // only this thread changes it
      const auto has_work = [&] {
        return !queue.empty() || closing ||
               (backlog && connected.load() && Clock::now() >= retry_at);
      };
      if (backlog && connected.load())
        wake.wait_until(lock, retry_at, has_work);
      else
        wake.wait(lock, has_work);
      const size_t n = std::min(queue.size(), config.max_pending);
      for (size_t i = 0; i < n; ++i) {
        taken.push_back(std::move(queue.front()));
        queue.pop_front();
      }
      finishing = closing && queue.empty();
    }
    room.notify_all();
    if (!taken.empty()) {
      if (spool->pending() != 0 || !ready())
        to_spool(taken);  // after what is already spooled: order is kept
      else
        send_new(taken);
    }
    bool resend_failed = false;
    if (spool->pending() != 0 && ready()) {
      const uint64_t before = spool->pending();
      resend_failed = !resend_spooled();
      if (!resend_failed && spool->pending() == 0 && before != 0)
        log("nats: spool resent; publishing directly again");
    }
    if (finishing && (spool->pending() == 0 || resend_failed || !ready())) break;
  }
  spool->sync();
}

NatsSink::NatsSink(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<NatsSink> NatsSink::start(const NatsConfig& config, std::unique_ptr<Spool> spool,
                                          std::string* error) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->spool = std::move(spool);
  if (!impl->connect(error)) return nullptr;
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<NatsSink>(new NatsSink(std::move(impl)));
}

NatsSink::~NatsSink() { close(); }

void NatsSink::publish(std::string_view id, std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  Impl& s = *impl_;
  {
    std::unique_lock lock(s.mutex);
    if (s.queue.size() >= s.config.queue_capacity) {
      if (!s.config.lossless || s.closing) {
        ++s.counters.shed;
        return;
      }
      s.room.wait(lock, [&] { return s.queue.size() < s.config.queue_capacity; });
    }
    s.queue.push_back({std::string(id), std::string(line)});
  }
  s.wake.notify_one();
}

bool NatsSink::close() {
  Impl& s = *impl_;
  if (!s.thread.joinable()) return counters().left_in_spool == 0 || s.spool->durable();
  {
    std::lock_guard lock(s.mutex);
    s.closing = true;
  }
  s.wake.notify_all();
  s.thread.join();
  std::lock_guard lock(s.mutex);
  s.counters.left_in_spool = s.spool->pending();
  const bool lost_in_memory = !s.spool->durable() && s.counters.left_in_spool != 0;
  return s.counters.spool_dropped == 0 && !lost_in_memory;  // shedding is live mode's policy
}

NatsCounters NatsSink::counters() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counters;
}

}  // namespace tripline
