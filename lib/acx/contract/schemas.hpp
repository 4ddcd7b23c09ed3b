#pragma once

// The JSON Schemas that describe each topic's delivery: the set shipped in the binary (schemas/<topic>.json), or one
// a user keeps in a directory (acx schema learn writes one; --schemas DIR reads it).

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace acx::contract {

inline constexpr std::string_view k_dialect = "https://json-schema.org/draft/2020-12/schema";

class SchemaSet {
public:
  // The schemas compiled into acx, one per topic of the catalog.
  static const SchemaSet& shipped();
  // Every <topic>.json in `dir`. Throws acx::Error (io) when the directory cannot be read, (bad_input) naming the
  // file when one is not a JSON object or names another topic in x-acx-topic.
  static SchemaSet load_dir(const std::string& dir);
  // The shipped set, with the schemas in `dir` (when not empty) in place of the shipped ones for their topics.
  static SchemaSet with_dir(const std::string& dir);

  const nlohmann::ordered_json* find(std::string_view topic) const;
  std::vector<std::string> topics() const; // sorted
  bool empty() const { return m_schemas.empty(); }
  void put(std::string topic, nlohmann::ordered_json schema);
  // Writes each schema to `dir`/<topic>.json (created; files it holds for other topics stay). Throws acx::Error (io).
  void write_dir(const std::string& dir) const;

private:
  std::map<std::string, nlohmann::ordered_json, std::less<>> m_schemas;
};

// A schema's text as acx writes it: two-space indents, a final newline.
std::string schema_text(const nlohmann::ordered_json& schema);

} // namespace acx::contract
