#include "acx/event/source.hpp"
#include "acx/event/json_text.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/event/fixtures.hpp"
#include "acx/util/error.hpp"
#include "acx/util/io.hpp"
#include "acx/util/text.hpp"

namespace acx::event {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// One JSON object: an envelope, or an export line carrying one.
SourceEvent from_object(const Json& object, std::string_view text, std::string origin)
{
  SourceEvent e;
  e.origin = std::move(origin);
  if (object.contains("envelope") && object["envelope"].is_object() && object.contains("seq")) {
    // The export line's last member is the envelope as received: keep its bytes rather than re-serialising.
    const auto at = text.rfind(",\"envelope\":");
    std::string_view raw = at == std::string_view::npos ? std::string_view() : text.substr(at + 12);
    while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r' || raw.back() == ' ')) {
      raw.remove_suffix(1);
    }
    if (!raw.empty() && raw.back() == '}') {
      raw.remove_suffix(1);
    }
    const bool exact = !raw.empty() && Json::parse(raw, nullptr, false) == object["envelope"];
    e.body = exact ? std::string(raw) : json_text(object["envelope"]);
    if (object.contains("headers") && object["headers"].is_array()) {
      for (const auto& h : object["headers"]) {
        if (h.is_array() && h.size() == 2 && h[0].is_string() && h[1].is_string()) {
          e.headers.add(h[0].get<std::string>(), h[1].get<std::string>());
        }
      }
    }
  } else {
    e.body = std::string(text);
  }
  return e;
}

void load_text(const std::string& text, const std::string& name, std::vector<SourceEvent>& out)
{
  const Json whole = Json::parse(text, nullptr, false);
  if (!whole.is_discarded()) {
    if (!whole.is_object()) {
      throw Error(ExitCode::bad_input, fmt::format("{} is not an envelope: expected a JSON object", name));
    }
    out.push_back(from_object(whole, text, name));
    return;
  }
  // JSON lines.
  const auto lines = util::split(text, '\n');
  std::size_t found = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = util::trim(lines[i]);
    if (line.empty()) {
      continue;
    }
    const Json object = Json::parse(line, nullptr, false);
    if (!object.is_object()) {
      throw Error(ExitCode::bad_input, found == 0 && lines.size() <= 2
                                           ? fmt::format("{} is not JSON", name)
                                           : fmt::format("{} line {}: not a JSON object", name, i + 1));
    }
    out.push_back(from_object(object, line, fmt::format("{} line {}", name, i + 1)));
    ++found;
  }
  if (found == 0) {
    throw Error(ExitCode::bad_input, fmt::format("{} holds no event", name));
  }
}

} // namespace

std::vector<SourceEvent> load_sources(const std::vector<std::string>& args)
{
  std::vector<SourceEvent> out;
  for (const auto& arg : args) {
    std::error_code ec;
    if (arg == "-") {
      load_text(util::read_input("-"), "standard input", out);
    } else if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(arg, ec)) {
        if (entry.is_regular_file() && entry.path().extension() == ".json") {
          files.push_back(entry.path());
        }
      }
      std::sort(files.begin(), files.end());
      if (files.empty()) {
        throw Error(ExitCode::bad_input, fmt::format("directory {} has no .json files", util::printable(arg)));
      }
      for (const auto& f : files) {
        load_text(util::read_input(f.string()), util::printable(f.string()), out);
      }
    } else if (fs::exists(arg, ec)) {
      load_text(util::read_input(arg), util::printable(arg), out);
    } else if (const auto fixture = find_fixture(arg)) {
      out.push_back({std::string(*fixture), "fixture " + arg, {}});
    } else {
      const auto topics = fixture_topics();
      const auto near = util::closest(arg, std::vector<std::string>(topics.begin(), topics.end()));
      throw Error(ExitCode::usage,
                  fmt::format("'{}' is neither a file nor a topic with a fixture{} (see `acx fixtures list`)",
                              util::excerpt(arg), near ? fmt::format(": did you mean {}?", *near) : ""));
    }
  }
  return out;
}

} // namespace acx::event
