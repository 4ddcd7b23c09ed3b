#include "acx/inspect/har.hpp"

#include "acx/util/text.hpp"
#include "acx/util/time.hpp"

namespace acx::inspect {

nlohmann::ordered_json har_entry(const journal::Record& r, int status, const std::string& comment)
{
  auto headers = nlohmann::ordered_json::array();
  std::string host = "localhost";
  std::string type = "application/json";
  for (const auto& h : r.headers) {
    headers.push_back({{"name", h.name}, {"value", h.value}});
    if (util::iequals(h.name, "Host")) {
      host = h.value;
    } else if (util::iequals(h.name, "Content-Type")) {
      type = h.value;
    }
  }
  const auto none = nlohmann::ordered_json::array();
  return {{"startedDateTime", util::format_rfc3339(r.received)},
          {"time", 0},
          {"request",
           {{"method", "POST"},
            {"url", "http://" + host + (r.path.empty() ? "/" : r.path)},
            {"httpVersion", "HTTP/1.1"},
            {"cookies", none},
            {"headers", headers},
            {"queryString", none},
            {"postData", {{"mimeType", type}, {"text", r.body}}},
            {"headersSize", -1},
            {"bodySize", static_cast<std::int64_t>(r.body.size())}}},
          {"response",
           {{"status", status},
            {"statusText", r.status == journal::Status::refused ? r.reason : journal::status_name(r.status)},
            {"httpVersion", "HTTP/1.1"},
            {"cookies", none},
            {"headers", none},
            {"content", {{"size", 0}, {"mimeType", "application/json"}}},
            {"redirectURL", ""},
            {"headersSize", -1},
            {"bodySize", -1}}},
          {"cache", nlohmann::ordered_json::object()},
          {"timings", {{"send", 0}, {"wait", 0}, {"receive", 0}}},
          {"comment", comment}};
}

} // namespace acx::inspect
