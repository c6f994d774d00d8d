#include "output/nats_stream.hpp"

#include <nats/nats.h>

#include <algorithm>

#include "output/nats_sink.hpp"

namespace tripline {
namespace {

std::string nats_error(natsStatus s) {
  const char* detail = nats_GetLastError(nullptr);
  return detail != nullptr && *detail != '\0' ? detail : natsStatus_GetText(s);
}

// The JSON string starting at `json[*pos]` (a quote), simple escapes only; false if malformed.
bool read_string(std::string_view json, size_t* pos, std::string* out) {
  out->clear();
  for (size_t i = *pos + 1; i < json.size(); ++i) {
    if (json[i] == '"') {
      *pos = i + 1;
      return true;
    }
    if (json[i] == '\\' && ++i == json.size()) return false;
    *out += json[i];
  }
  return false;
}

size_t skip_space(std::string_view json, size_t pos) {
  while (pos < json.size() &&
         (json[pos] == ' ' || json[pos] == '\n' || json[pos] == '\t' || json[pos] == '\r'))
    ++pos;
  return pos;
}

}  // namespace

bool parse_stream_names(std::string_view json, std::vector<std::string>* names,
                        std::string* error) {
  names->clear();
  if (const size_t e = json.find("\"error\""); e != std::string_view::npos) {
    const size_t d = json.find("\"description\"", e);
    std::string text;
    size_t pos = d == std::string_view::npos ? json.size() : json.find('"', d + 13);
    if (pos != std::string_view::npos && pos < json.size() && read_string(json, &pos, &text))
      *error = text;
    else
      *error = "JetStream API error";
    return false;
  }
  const size_t key = json.find("\"streams\"");
  if (key == std::string_view::npos) {
    *error = "unexpected JetStream API response";
    return false;
  }
  size_t pos = skip_space(json, key + 9);
  if (pos < json.size() && json[pos] == ':') pos = skip_space(json, pos + 1);
  if (json.substr(pos, 4) == "null") return true;
  if (pos >= json.size() || json[pos] != '[') {
    *error = "unexpected JetStream API response";
    return false;
  }
  pos = skip_space(json, pos + 1);
  while (pos < json.size() && json[pos] != ']') {
    std::string name;
    if (json[pos] != '"' || !read_string(json, &pos, &name)) {
      names->clear();
      *error = "unexpected JetStream API response";
      return false;
    }
    names->push_back(std::move(name));
    pos = skip_space(json, pos);
    if (pos < json.size() && json[pos] == ',') pos = skip_space(json, pos + 1);
  }
  if (pos >= json.size()) {
    names->clear();
    *error = "unexpected JetStream API response";
    return false;
  }
  return true;
}

bool ensure_stream(natsConnection* connection, jsCtx* js, const StreamCheck& check,
                   std::string* created, std::string* error) {
  created->clear();
  std::string request = "{\"subject\":\"" + check.subject + "\"}";
  natsMsg* reply = nullptr;
  const natsStatus s = natsConnection_RequestString(&reply, connection, "$JS.API.STREAM.NAMES",
                                                    request.c_str(), 5000);
  if (s == NATS_NO_RESPONDERS) {
    *error = "JetStream is not enabled on " + check.url;
    return false;
  }
  if (s != NATS_OK) {
    *error = "cannot list the streams on " + check.url + ": " + nats_error(s);
    return false;
  }
  std::vector<std::string> names;
  std::string api_error;
  const bool parsed = parse_stream_names(
      {natsMsg_GetData(reply), static_cast<size_t>(natsMsg_GetDataLength(reply))}, &names,
      &api_error);
  natsMsg_Destroy(reply);
  if (!parsed) {
    *error = "cannot list the streams on " + check.url + ": " + api_error;
    return false;
  }
  if (!names.empty()) {
    if (check.stream.empty() || std::find(names.begin(), names.end(), check.stream) != names.end())
      return true;
    *error = "stream " + check.stream + " does not take subject " + check.subject + " on " +
             check.url + " (stream " + names.front() + " does)";
    return false;
  }
  if (!check.create) {
    *error = "stream for subject " + check.subject + " not found on " + check.url +
             "; create it or pass --nats-create-stream";
    return false;
  }
  const std::string name = check.stream.empty() ? default_stream_name(check.subject) : check.stream;
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = name.c_str();
  const char* subjects[] = {check.subject.c_str()};
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Storage = js_FileStorage;
  config.Duplicates = check.duplicate_window_ms * 1000000;  // nanoseconds
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus added = js_AddStream(&info, js, &config, nullptr, &code);
  if (added != NATS_OK) {
    *error = "cannot create stream " + name + " for subject " + check.subject + " on " + check.url +
             ": " + nats_error(added);
    return false;
  }
  jsStreamInfo_Destroy(info);
  *created = "created stream " + name + " (subject " + check.subject + ", duplicate window " +
             std::to_string(check.duplicate_window_ms / 1000) + " s)";
  return true;
}

}  // namespace tripline
