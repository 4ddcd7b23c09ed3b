#include "acx/sandbox/answers.hpp"

#include <fmt/format.h>

#include "acx/event/json_reader.hpp"
#include "acx/event/json_text.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/text.hpp"

namespace acx::sandbox::answer {

http::Response json(int status, const nlohmann::ordered_json& body)
{
  return {status, "application/json; charset=utf-8", event::json_text(body), {}};
}

http::Response no_content()
{
  return {204, "text/plain", "", {}};
}

http::Response problem(int status, const std::string& title, const std::string& detail)
{
  return json(status, acculynx::wire::problem_json(status, title, detail, util::hex_encode(util::random_bytes(8))));
}

int query_int(const http::Request& r, const std::string& key, int fallback)
{
  const auto it = r.query.find(key);
  if (it == r.query.end()) {
    return fallback;
  }
  try {
    std::size_t used = 0;
    const int n = std::stoi(it->second, &used);
    return used == it->second.size() ? n : -1;
  } catch (const std::exception&) {
    return -1;
  }
}

std::string query_string(const http::Request& r, const std::string& key)
{
  const auto it = r.query.find(key);
  return it == r.query.end() ? std::string() : it->second;
}

std::optional<Page> page_asked(const http::Request& r, const char* start_name)
{
  const int size = query_int(r, "pageSize", 25);
  const int start = query_int(r, start_name, 0);
  if (size < 1 || size > 100 || start < 0) {
    return std::nullopt;
  }
  return Page{start, size, start_name};
}

http::Response bad_page(const char* start_name)
{
  return problem(400, "Bad Request", fmt::format("pageSize must be 1 to 100 and {} 0 or more", start_name));
}

std::string origin(const http::Request& r, const std::string& fallback)
{
  const std::string* host = r.headers.find("Host");
  return fmt::format("http://{}", host && !host->empty() ? util::excerpt(*host, 255) : fallback);
}

nlohmann::json body_of(const http::Request& r)
{
  return event::parse_untrusted(r.body);
}

} // namespace acx::sandbox::answer
