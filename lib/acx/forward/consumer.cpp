#include "acx/forward/consumer.hpp"

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

std::string ordering_key(const journal::Record& record)
{
  if (!record.subject.empty()) {
    return record.subject;
  }
  return "subscription:" + record.subscription_id + " " + record.topic;
}

} // namespace acx::forward
