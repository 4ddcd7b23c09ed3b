#include "acx/forward/consumer.hpp"

#include <nlohmann/json.hpp>

namespace acx::forward {

namespace {

bool glob(std::string_view pattern, std::string_view text)
{
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

// The string at `path` (keys compared without regard to case), or "".
std::string string_at(const nlohmann::json& j, std::initializer_list<const char*> path)
{
  const nlohmann::json* at = &j;
  for (const char* key : path) {
    if (!at->is_object()) {
      return {};
    }
    const nlohmann::json* next = nullptr;
    for (auto it = at->begin(); it != at->end(); ++it) {
      if (it.key().size() == std::strlen(key) &&
          std::equal(it.key().begin(), it.key().end(), key, [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        next = &*it;
        break;
      }
    }
    if (!next) {
      return {};
    }
    at = next;
  }
  return at->is_string() ? at->get<std::string>() : std::string();
}

} // namespace

bool topic_wanted(const std::vector<std::string>& globs, std::string_view topic)
{
  if (globs.empty()) {
    return true;
  }
  for (const auto& g : globs) {
    if (glob(g, topic)) {
      return true;
    }
  }
  return false;
}

std::string ordering_key(std::string_view body, std::string_view subscription_id, std::string_view topic)
{
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object()) {
    for (const auto& path : {std::initializer_list<const char*>{"event", "job", "id"},
                             std::initializer_list<const char*>{"event", "jobId"},
                             std::initializer_list<const char*>{"event", "contact", "id"},
                             std::initializer_list<const char*>{"event", "contactId"}}) {
      if (auto id = string_at(j, path); !id.empty()) {
        return (*path.begin() == std::string_view("event") && std::string_view(*(path.begin() + 1)).starts_with("contact")
                    ? "contact:"
                    : "job:") +
               id;
      }
    }
  }
  return "subscription:" + std::string(subscription_id) + " " + std::string(topic);
}

} // namespace acx::forward
