#include "acx/nats/publisher.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <nats/nats.h>
#include <optional>

#include "acx/util/text.hpp"

namespace acx::nats {

namespace {

// What libnats said, in a line: the status, its detail for this thread when there is one, JetStream's error code.
std::string said(natsStatus s, jsErrCode code = static_cast<jsErrCode>(0))
{
  std::string out = natsStatus_GetText(s);
  const char* last = nats_GetLastError(nullptr);
  std::string_view detail = last ? last : "";
  if (detail.starts_with("(") && detail.find("): ") != std::string_view::npos) {
    detail.remove_prefix(detail.find("): ") + 3); // libnats' source file and line
  }
  if (!detail.empty() && detail != out) {
    out += fmt::format(" ({})", util::excerpt(util::printable(detail), 200));
  }
  if (code != 0) {
    out += fmt::format(" [JetStream error {}]", static_cast<int>(code));
  }
  return out;
}

template <typename T, void (*Destroy)(T*)> struct Owned {
  T* p = nullptr;
  Owned() = default;
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  ~Owned() { Destroy(p); }
};

} // namespace

struct Publisher::Impl {
  Target target;
  Tls tls;
  std::chrono::milliseconds timeout;
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  std::string stream; // found or made: empty until then

  Impl(Target t, Tls files, std::chrono::milliseconds wait) : target(std::move(t)), tls(std::move(files)), timeout(wait)
  {
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl()
  {
    drop();
    nats_ReleaseThreadMemory(); // libnats' per-thread error state: this thread may be ending
  }

  void drop()
  {
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    js = nullptr;
    nc = nullptr;
    stream.clear();
  }

  // Connects as the target and the TLS files say; the error otherwise.
  std::optional<std::string> connect()
  {
    Owned<natsOptions, natsOptions_Destroy> opts;
    natsStatus s = natsOptions_Create(&opts.p);
    const auto step = [&](natsStatus status, const char* what) -> std::optional<std::string> {
      if (status == NATS_OK) {
        return std::nullopt;
      }
      return fmt::format("{}: {}", what, said(status));
    };
    std::optional<std::string> problem = step(s, "cannot make the connection's options");
    const auto then = [&](natsStatus status, const char* what) {
      if (!problem) {
        problem = step(status, what);
      }
    };
    then(natsOptions_SetURL(opts.p, target.server.c_str()), "the server's URL");
    then(natsOptions_SetName(opts.p, "acx"), "the connection's name");
    then(natsOptions_SetTimeout(opts.p, std::min<std::int64_t>(timeout.count(), 5000)), "the connect timeout");
    if (target.tls) {
      then(natsOptions_SetSecure(opts.p, true), "TLS");
    }
    if (!tls.cacert.empty()) {
      then(natsOptions_LoadCATrustedCertificates(opts.p, tls.cacert.c_str()), "the CA certificates");
    }
    if (!tls.cert.empty()) {
      then(natsOptions_LoadCertificatesChain(opts.p, tls.cert.c_str(), tls.key.c_str()), "the client certificate");
    }
    if (!target.creds.empty()) {
      then(natsOptions_SetUserCredentialsFromFiles(opts.p, target.creds.c_str(), nullptr), "the credentials file");
    }
    if (problem) {
      return problem;
    }
    if (s = natsConnection_Connect(&nc, opts.p); s != NATS_OK) {
      nc = nullptr;
      return fmt::format("cannot connect to {}: {}", target.server, said(s));
    }
    if (s = natsConnection_JetStream(&js, nc, nullptr); s != NATS_OK) {
      const std::string why = said(s);
      drop();
      return fmt::format("no JetStream context: {}", why);
    }
    return std::nullopt;
  }

  // The stream that holds the subject, found, or made as the target names it; the error otherwise.
  std::optional<std::string> find_stream()
  {
    jsOptions o;
    jsOptions_Init(&o);
    o.Wait = timeout.count();
    o.Stream.Info.SubjectsFilter = target.subject.c_str();
    jsErrCode code = static_cast<jsErrCode>(0);
    Owned<jsStreamNamesList, jsStreamNamesList_Destroy> names;
    natsStatus s = js_StreamNames(&names.p, js, &o, &code);
    if (s == NATS_OK && names.p && names.p->Count > 0) {
      stream = names.p->List[0];
      return std::nullopt;
    }
    if (s != NATS_OK && s != NATS_NOT_FOUND) {
      return fmt::format("cannot list the server's streams (is JetStream enabled: nats-server -js?): {}",
                         said(s, code));
    }
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    const char* subjects[] = {target.subject.c_str()};
    config.Name = target.stream.c_str();
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_FileStorage;
    config.Duplicates = std::chrono::duration_cast<std::chrono::nanoseconds>(k_duplicate_window).count();
    Owned<jsStreamInfo, jsStreamInfo_Destroy> info;
    s = js_AddStream(&info.p, js, &config, &o, &code);
    if (s != NATS_OK) {
      return fmt::format(
          "no stream holds {} and making stream {} failed: {}{}", target.subject, target.stream, said(s, code),
          code == JSStreamNameExistErr ? fmt::format(": that name is taken; name another with ?stream=NAME")
                                       : std::string());
    }
    stream = target.stream;
    return std::nullopt;
  }

  // Connected, to a server that keeps the subject in a stream: nullopt; else why not, the connection dropped.
  std::optional<std::string> ready()
  {
    if (nc && natsConnection_Status(nc) == NATS_CONN_STATUS_CLOSED) {
      drop(); // its reconnects ran out: a fresh one
    }
    if (!nc) {
      if (auto problem = connect()) {
        return problem;
      }
    }
    if (natsConnection_Status(nc) != NATS_CONN_STATUS_CONNECTED) {
      return fmt::format("not connected to {}: reconnecting", target.server);
    }
    if (stream.empty()) {
      return find_stream();
    }
    return std::nullopt;
  }
};

Publisher::Publisher(Target target, Tls tls, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(std::move(target), std::move(tls), timeout))
{
}

Publisher::~Publisher() = default;

Ack Publisher::publish(const Message& m, std::stop_token stop)
{
  Impl& p = *impl_;
  Ack ack;
  if (auto problem = p.ready()) {
    ack.why = *problem;
    return ack;
  }
  if (const auto max = natsConnection_GetMaxPayload(p.nc); static_cast<std::int64_t>(m.body.size()) > max) {
    ack.state = Ack::State::refused;
    ack.why = fmt::format("{} bytes is more than the server's max_payload ({} bytes)", m.body.size(), max);
    return ack;
  }
  Owned<natsMsg, natsMsg_Destroy> msg;
  natsStatus s =
      natsMsg_Create(&msg.p, p.target.subject.c_str(), nullptr, m.body.data(), static_cast<int>(m.body.size()));
  for (const auto& h : m.headers) {
    if (s == NATS_OK) {
      s = natsMsgHeader_Add(msg.p, h.name.c_str(), h.value.c_str());
    }
  }
  if (s != NATS_OK) {
    ack.state = Ack::State::refused;
    ack.why = fmt::format("cannot make the message: {}", said(s));
    return ack;
  }
  const std::string id(m.id);
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MsgId = id.c_str();
  po.MaxWait = p.timeout.count();
  jsErrCode code = static_cast<jsErrCode>(0);
  Owned<jsPubAck, jsPubAck_Destroy> pa;
  {
    // A stop closes the connection, which ends the wait for the acknowledgement at once.
    std::stop_callback close(stop, [nc = p.nc] { natsConnection_Close(nc); });
    s = js_PublishMsg(&pa.p, p.js, msg.p, &po, &code);
  }
  if (stop.stop_requested()) {
    p.drop();
    ack.state = Ack::State::abandoned;
    return ack;
  }
  if (s == NATS_OK && pa.p) {
    ack.state = pa.p->Duplicate ? Ack::State::duplicate : Ack::State::stored;
    ack.stream = pa.p->Stream ? pa.p->Stream : "";
    ack.seq = pa.p->Sequence;
    return ack;
  }
  ack.why = s == NATS_TIMEOUT ? fmt::format("no acknowledgement within {} ms", p.timeout.count())
            : s == NATS_NO_RESPONDERS
                ? fmt::format("no stream holds {} any more (was stream {} deleted?): looked for again next time",
                              p.target.subject, p.stream)
                : said(s, code);
  if (s == NATS_NO_RESPONDERS) {
    p.stream.clear();
  }
  if (s == NATS_MAX_PAYLOAD) { // the body fits, but not with its headers
    ack.state = Ack::State::refused;
    ack.why = fmt::format("{} bytes with its headers is more than the server's max_payload ({} bytes)", m.body.size(),
                          natsConnection_GetMaxPayload(p.nc));
  }
  return ack;
}

} // namespace acx::nats
