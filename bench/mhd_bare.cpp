// The Node listener's work in C++ on libmicrohttpd, with nothing of acx: check the URL token, parse the JSON with
// nlohmann, append a line to a file without fsync, answer 200; epoll with a pool of 2 threads, handlers inline. It
// measures what acx's HTTP layer allows on this machine. Built and run by bench/listen.sh.
// Usage: mhd_bare PORT TOKEN FILE
#include <csignal>
#include <cstdio>
#include <cstring>
#include <microhttpd.h>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <unistd.h>

namespace {
std::string g_token;
std::FILE* g_out = nullptr;
std::mutex g_mutex;

MHD_Result reply(MHD_Connection* c, unsigned status, const std::string& body)
{
  MHD_Response* r = MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  MHD_add_response_header(r, "Content-Type", "application/json");
  const MHD_Result ok = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return ok;
}

MHD_Result on_request(void*, MHD_Connection* c, const char*, const char*, const char*, const char* upload,
                      size_t* upload_size, void** state)
{
  auto* body = static_cast<std::string*>(*state);
  if (body == nullptr) {
    *state = new std::string;
    return MHD_YES;
  }
  if (*upload_size > 0) {
    body->append(upload, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  const char* token = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
  if (token == nullptr || g_token != token) {
    return reply(c, 401, "{}");
  }
  const auto event = nlohmann::json::parse(*body, nullptr, false);
  if (event.is_discarded()) {
    return reply(c, 400, "{}");
  }
  const std::string line =
      nlohmann::json{{"eventId", event.value("eventId", "")}, {"topic", event.value("topicName", "")}}.dump() + "\n";
  {
    std::lock_guard lock(g_mutex);
    std::fwrite(line.data(), 1, line.size(), g_out);
  }
  return reply(c, 200, R"({"status":"accepted"})");
}

void on_done(void*, MHD_Connection*, void** state, MHD_RequestTerminationCode)
{
  delete static_cast<std::string*>(*state);
  *state = nullptr;
}
} // namespace

int main(int argc, char** argv)
{
  if (argc != 4) {
    std::fprintf(stderr, "usage: mhd_bare PORT TOKEN FILE\n");
    return 2;
  }
  g_token = argv[2];
  g_out = std::fopen(argv[3], "a");
  MHD_Daemon* d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO,
                                   static_cast<uint16_t>(std::atoi(argv[1])), nullptr, nullptr, on_request, nullptr,
                                   MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
                                   MHD_OPTION_NOTIFY_COMPLETED, on_done, nullptr, MHD_OPTION_END);
  if (d == nullptr) {
    return 1;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  int sig = 0;
  sigwait(&set, &sig);
  MHD_stop_daemon(d);
  return 0;
}
