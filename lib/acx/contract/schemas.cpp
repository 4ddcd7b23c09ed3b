#include "acx/contract/schemas.hpp"

#include <filesystem>
#include <fmt/format.h>

#include "acx/event/json_reader.hpp"
#include "acx/event/problem.hpp"
#include "acx/util/embedded.hpp"
#include "acx/util/error.hpp"
#include "acx/util/io.hpp"

namespace acx::contract {

// Generated from schemas/*.json by cmake/Embed.cmake.
std::span<const EmbeddedFile> embedded_schemas();

namespace {

constexpr std::string_view k_suffix = ".json";

nlohmann::ordered_json read_schema(std::string_view text, const std::string& where)
{
  auto doc = event::read_json(text);
  if (!doc.value) {
    throw Error(ExitCode::bad_input,
                fmt::format("{}: not JSON: {}", where, doc.problems.empty() ? "" : event::describe(doc.problems[0])));
  }
  if (!doc.value->is_object()) {
    throw Error(ExitCode::bad_input,
                fmt::format("{}: a schema is a JSON object, this is {}", where, doc.value->type_name()));
  }
  return nlohmann::ordered_json::parse(text); // read_json said it is valid; this keeps its members in order
}

} // namespace

const SchemaSet& SchemaSet::shipped()
{
  static const SchemaSet set = [] {
    SchemaSet s;
    for (const auto& f : embedded_schemas()) {
      s.put(std::string(f.name.substr(0, f.name.size() - k_suffix.size())),
            read_schema(f.content, "schemas/" + std::string(f.name)));
    }
    return s;
  }();
  return set;
}

SchemaSet SchemaSet::load_dir(const std::string& dir)
{
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    throw Error(ExitCode::io, fmt::format("cannot read the schema directory {}: {}", dir, ec.message()));
  }
  SchemaSet s;
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file(ec) || !name.ends_with(k_suffix) || name.size() == k_suffix.size()) {
      continue;
    }
    const std::string path = entry.path().string();
    nlohmann::ordered_json schema = read_schema(util::read_input(path, 16u << 20), path);
    const std::string topic = name.substr(0, name.size() - k_suffix.size());
    const auto named = schema.find("x-acx-topic");
    if (named != schema.end() && (!named->is_string() || named->get<std::string>() != topic)) {
      throw Error(ExitCode::bad_input,
                  fmt::format("{}: x-acx-topic is {}, but the file is named for {}", path, named->dump(), topic));
    }
    s.put(topic, std::move(schema));
  }
  if (s.empty()) {
    throw Error(ExitCode::bad_input, fmt::format("{} holds no schema (<topic>.json files)", dir));
  }
  return s;
}

SchemaSet SchemaSet::with_dir(const std::string& dir)
{
  SchemaSet s = shipped();
  if (!dir.empty()) {
    for (auto& [topic, schema] : load_dir(dir).m_schemas) {
      s.m_schemas[topic] = std::move(schema);
    }
  }
  return s;
}

const nlohmann::ordered_json* SchemaSet::find(std::string_view topic) const
{
  const auto it = m_schemas.find(topic);
  return it == m_schemas.end() ? nullptr : &it->second;
}

std::vector<std::string> SchemaSet::topics() const
{
  std::vector<std::string> out;
  for (const auto& [t, _] : m_schemas) {
    out.push_back(t);
  }
  return out;
}

void SchemaSet::put(std::string topic, nlohmann::ordered_json schema)
{
  m_schemas[std::move(topic)] = std::move(schema);
}

void SchemaSet::write_dir(const std::string& dir) const
{
  for (const auto& [topic, schema] : m_schemas) {
    util::write_private_file(dir + "/" + topic + std::string(k_suffix), schema_text(schema), "the schema of " + topic);
  }
}

std::string schema_text(const nlohmann::ordered_json& schema)
{
  return schema.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

} // namespace acx::contract
