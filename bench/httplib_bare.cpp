// The Node listener's work in C++ on cpp-httplib, with nothing of acx: check the URL token, parse the JSON with
// nlohmann, append a line to a file without fsync, answer 200. It measures what the HTTP layer allows on this machine.
// Built and run by bench/listen.sh. Usage: httplib_bare PORT TOKEN FILE
#include <cstdio>
#include <httplib.h>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sys/socket.h>

int main(int argc, char** argv)
{
  if (argc != 4) {
    std::fprintf(stderr, "usage: httplib_bare PORT TOKEN FILE\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const std::string token = argv[2];
  std::FILE* out = std::fopen(argv[3], "a");
  std::mutex mutex;
  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(100000);
  server.Post("/webhooks/acculynx", [&](const httplib::Request& req, httplib::Response& res) {
    if (req.get_param_value("token") != token) {
      res.status = 401;
      return;
    }
    const auto event = nlohmann::json::parse(req.body, nullptr, false);
    if (event.is_discarded()) {
      res.status = 400;
      return;
    }
    const std::string line =
        nlohmann::json{{"eventId", event.value("eventId", "")}, {"topic", event.value("topicName", "")}}.dump() + "\n";
    {
      std::lock_guard lock(mutex);
      std::fwrite(line.data(), 1, line.size(), out);
    }
    res.set_content(R"({"status":"accepted"})", "application/json");
  });
  return server.listen("127.0.0.1", port) ? 0 : 1;
}
