#include "acx/event/json_reader.hpp"
#include "acx/event/json_text.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <unordered_set>

namespace acx::event {

bool has_errors(const std::vector<Problem>& problems)
{
  for (const auto& p : problems) {
    if (p.level == Problem::Level::error) {
      return true;
    }
  }
  return false;
}

std::string describe(const Problem& p)
{
  return fmt::format("{}{}: {}", p.level == Problem::Level::warning ? "warning: " : "", p.path, p.message);
}

std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t offset)
{
  offset = std::min(offset, text.size());
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

namespace {

struct TooDeep {};

// Tracks where the parser is, so problems can name their JSON path.
class PathTracker {
public:
  using Event = nlohmann::json::parse_event_t;

  explicit PathTracker(JsonLimits limits) : m_limits(limits) {}

  bool on_event(Event event, const nlohmann::json& parsed)
  {
    switch (event) {
    case Event::object_start:
    case Event::array_start:
      if (m_frames.size() >= m_limits.max_depth) {
        throw TooDeep{};
      }
      m_frames.push_back(Frame{event == Event::array_start, {}, 0, {}});
      break;
    case Event::key:
      on_key(parsed.get_ref<const std::string&>());
      break;
    case Event::object_end:
    case Event::array_end:
      m_frames.pop_back();
      next_element();
      break;
    case Event::value:
      next_element();
      break;
    }
    return true;
  }

  std::vector<Problem> take_problems() { return std::move(m_problems); }
  std::string path() const { return path_of(m_frames.size()); }

private:
  struct Frame {
    bool array;
    std::string key;
    std::size_t index;
    std::unordered_set<std::string> keys;
  };

  void on_key(const std::string& key)
  {
    Frame& f = m_frames.back();
    f.key = key;
    if (!f.keys.insert(key).second) {
      m_problems.push_back(
          {Problem::Level::error, path_of(m_frames.size()), "duplicate key: the same key appears twice in one object"});
    }
  }

  void next_element()
  {
    if (!m_frames.empty() && m_frames.back().array) {
      ++m_frames.back().index;
    }
  }

  std::string path_of(std::size_t depth) const
  {
    std::string out = "$";
    for (std::size_t i = 0; i < depth; ++i) {
      const Frame& f = m_frames[i];
      if (f.array) {
        out += fmt::format("[{}]", f.index);
      } else {
        out += key_segment(f.key);
      }
    }
    return out;
  }

  static std::string key_segment(const std::string& key)
  {
    const bool plain = !key.empty() && key.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                             "0123456789_-") == std::string::npos;
    return plain ? "." + key : "[" + json_text(nlohmann::json(key)) + "]";
  }

  JsonLimits m_limits;
  std::vector<Frame> m_frames;
  std::vector<Problem> m_problems;
};

// nlohmann's messages start "[json.exception.parse_error.101] parse error at line 1, column 2: " and may quote the
// offending raw bytes; keep the explanation, with bytes that are not printable ASCII escaped.
std::string explain(const char* what)
{
  std::string_view s = what;
  const auto colon = s.find(": ");
  if (s.starts_with("[json.exception.") && colon != std::string_view::npos) {
    s.remove_prefix(colon + 2);
  } else if (const auto close = s.find("] "); s.starts_with("[json.exception.") && close != std::string_view::npos) {
    s.remove_prefix(close + 2);
  }
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    out += u < 0x20 || u >= 0x7F ? fmt::format("\\x{:02x}", u) : std::string(1, c);
  }
  return out;
}

} // namespace

JsonDocument read_json(std::string_view text, JsonLimits limits)
{
  JsonDocument doc;
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    doc.problems.push_back({Problem::Level::error, "$", "not JSON: the body is empty"});
    return doc;
  }
  PathTracker tracker(limits);
  try {
    nlohmann::json::parser_callback_t cb = [&tracker](int, nlohmann::json::parse_event_t event,
                                                      nlohmann::json& parsed) {
      return tracker.on_event(event, parsed);
    };
    doc.value = nlohmann::json::parse(text.begin(), text.end(), cb, true, false);
  } catch (const TooDeep&) {
    doc.problems.push_back(
        {Problem::Level::error, "$", fmt::format("not accepted: nested deeper than {} levels", limits.max_depth)});
    return doc;
  } catch (const nlohmann::json::parse_error& e) {
    const auto [line, column] = line_column(text, e.byte == 0 ? 0 : e.byte - 1);
    doc.problems.push_back({Problem::Level::error, "$",
                            fmt::format("not JSON at line {}, column {}: {}", line, column, explain(e.what()))});
    return doc;
  } catch (const nlohmann::json::exception& e) {
    doc.problems.push_back({Problem::Level::error, tracker.path(), fmt::format("not JSON: {}", explain(e.what()))});
    return doc;
  }
  doc.problems = tracker.take_problems();
  if (has_errors(doc.problems)) {
    doc.value.reset();
  }
  return doc;
}

std::optional<std::string> pretty_json(std::string_view text)
{
  if (!nlohmann::json::accept(text)) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(text.size() + text.size() / 2);
  std::size_t depth = 0;
  // Indentation stops growing past k_deepest levels, so that the output stays linear in the input too.
  constexpr std::size_t k_deepest = 32;
  const auto newline = [&] {
    out += '\n';
    out.append(2 * std::min(depth, k_deepest), ' ');
  };
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
      break;
    case '"':
      in_string = true;
      out += c;
      break;
    case '{':
    case '[': {
      out += c;
      const auto next = text.find_first_not_of(" \t\n\r", i + 1);
      if (next != std::string_view::npos && (text[next] == '}' || text[next] == ']')) {
        out += text[next]; // an empty object or array stays on its line
        i = next;
      } else {
        ++depth;
        newline();
      }
      break;
    }
    case '}':
    case ']':
      --depth;
      newline();
      out += c;
      break;
    case ',':
      out += c;
      newline();
      break;
    case ':':
      out += ": ";
      break;
    default:
      out += c;
    }
  }
  return out;
}

nlohmann::json parse_untrusted(std::string_view text)
{
  auto doc = read_json(text);
  return doc.value ? std::move(*doc.value) : nlohmann::json(nlohmann::json::value_t::discarded);
}

} // namespace acx::event
