#pragma once

// How the sandbox answers, for every route it serves: JSON, problem details, the query's numbers and one page of a
// list, as AccuLynx does.

#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "acx/acculynx/wire.hpp"
#include "acx/http/message.hpp"

namespace acx::sandbox {

// A request the sandbox cannot carry out: what is wrong (answered 400, or 404 when `missing`).
struct Refused : std::runtime_error {
  Refused(const std::string& what, bool is_missing = false) : std::runtime_error(what), missing(is_missing) {}
  bool missing;
};

} // namespace acx::sandbox

namespace acx::sandbox::answer {

http::Response json(int status, const nlohmann::ordered_json& body);
http::Response no_content();
http::Response problem(int status, const std::string& title, const std::string& detail);

// An integer query parameter: `fallback` when absent, -1 when not a number.
int query_int(const http::Request& r, const std::string& key, int fallback);
std::string query_string(const http::Request& r, const std::string& key);

// The page a query asks for by pageSize and `start_name` (pageStartIndex or recordStartIndex).
struct Page {
  int start = 0;
  int size = 25;
  const char* start_name = acculynx::wire::k_page_start;
};
// nullopt when its numbers are out of range (pageSize 1 to 100, a start of 0 or more).
std::optional<Page> page_asked(const http::Request& r, const char* start_name = acculynx::wire::k_page_start);
http::Response bad_page(const char* start_name = acculynx::wire::k_page_start);

// One page of `all`, each item written by `write`.
template <class T, class Write> http::Response page(const std::vector<T>& all, const Page& asked, Write write)
{
  auto items = acculynx::wire::Json::array();
  for (std::size_t i = static_cast<std::size_t>(asked.start);
       i < all.size() && items.size() < static_cast<std::size_t>(asked.size); ++i) {
    items.push_back(write(all[i]));
  }
  return json(200, acculynx::wire::page_json(all.size(), asked.size, asked.start, std::move(items), asked.start_name));
}

// The sandbox's origin as the client reached it (its Host header), so links are right behind any address or proxy:
// "http://host:port"; `fallback` names the host when the request has none.
std::string origin(const http::Request& r, const std::string& fallback);

// The body as JSON (discarded when it is not).
nlohmann::json body_of(const http::Request& r);

} // namespace acx::sandbox::answer
