#include "acx/contract/contract.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <map>
#include <set>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "acx/event/envelope.hpp"
#include "acx/util/error.hpp"
#include "acx/util/time.hpp"

namespace acx::contract {

namespace {

using PlainJson = nlohmann::json;

// A copy of a schema without its format keywords (acx checks those itself): each schema node visited through the
// keywords that hold schemas, so a member named "format" stays.
void drop_formats(PlainJson& node)
{
  if (!node.is_object()) {
    return;
  }
  if (const auto f = node.find("format"); f != node.end() && f->is_string()) {
    node.erase(f);
  }
  for (const char* k : {"items", "additionalProperties", "not", "contains", "if", "then", "else"}) {
    if (const auto it = node.find(k); it != node.end()) {
      drop_formats(*it);
    }
  }
  for (const char* k : {"properties", "$defs", "definitions", "patternProperties"}) {
    if (const auto it = node.find(k); it != node.end() && it->is_object()) {
      for (auto& [_, sub] : it->items()) {
        drop_formats(sub);
      }
    }
  }
  for (const char* k : {"allOf", "anyOf", "oneOf", "prefixItems"}) {
    if (const auto it = node.find(k); it != node.end() && it->is_array()) {
      for (auto& sub : *it) {
        drop_formats(sub);
      }
    }
  }
}

const PlainJson* child(const PlainJson& node, const char* key)
{
  if (!node.is_object()) {
    return nullptr;
  }
  const auto it = node.find(key);
  return it == node.end() ? nullptr : &*it;
}

std::string expected_type(const PlainJson* schema)
{
  const PlainJson* type = schema ? child(*schema, "type") : nullptr;
  if (!type) {
    return "";
  }
  if (type->is_string()) {
    return type->get<std::string>();
  }
  std::vector<std::string> names;
  for (const auto& t : *type) {
    names.push_back(t.is_string() ? t.get<std::string>() : t.dump());
  }
  return fmt::format("{}", fmt::join(names, " or "));
}

// Collects drift once per (kind, path).
// At most k_kept of them: a body with 95,000 unknown members is one delivery, not 95,000 lines in the journal, on the
// page and in every reader; the rest are counted in one last Deviation of kind more.
class Findings {
public:
  static constexpr std::size_t k_kept = 50;
  bool room() const { return m_drift.size() < k_kept; }
  void add(Kind kind, std::string path, std::string detail)
  {
    if (!room()) {
      ++m_more;
    } else if (m_seen.emplace(kind, path).second) {
      m_drift.push_back({kind, std::move(path), std::move(detail)});
    }
  }
  void more() { ++m_more; }
  Drift take()
  {
    if (m_more > 0) {
      m_drift.push_back({Kind::more, "", fmt::format("{} more not kept (the first {} are)", m_more, k_kept)});
    }
    return std::move(m_drift);
  }

private:
  std::set<std::pair<Kind, std::string>> m_seen;
  Drift m_drift;
  std::size_t m_more = 0;
};

// What a validator cannot say of a schema that allows unknown members: the members it does not describe, and the
// formats (see the header).
// Where a walk is: the keys from the root, nullptr for the items of an array; a path is made of them only for a
// finding.
using Steps = std::vector<const std::string*>;

std::string path_of(const Steps& steps)
{
  std::string path;
  for (const auto* s : steps) {
    path = s ? member_path(path, *s) : items_path(path);
  }
  return path;
}

void walk(const PlainJson& schema, const PlainJson& value, Steps& steps, Findings& out)
{
  if (const PlainJson* format = child(schema, "format");
      format && format->is_string() && value.is_string() &&
      !conforms(format->get_ref<const std::string&>(), value.get_ref<const std::string&>())) {
    out.room() ? out.add(Kind::format, path_of(steps), "not a " + format->get<std::string>()) : out.more();
  }
  if (value.is_object()) {
    const PlainJson* props = child(schema, "properties");
    if (!props || !props->is_object()) {
      return;
    }
    for (const auto& [key, member] : value.items()) {
      steps.push_back(&key);
      const auto sub = props->find(key);
      if (sub == props->end()) {
        out.room() ? out.add(Kind::added, path_of(steps), std::string(json_type(member))) : out.more();
      } else {
        walk(*sub, member, steps, out);
      }
      steps.pop_back();
    }
  } else if (value.is_array()) {
    const PlainJson* items = child(schema, "items");
    if (items && items->is_object()) {
      steps.push_back(nullptr);
      for (const auto& item : value) {
        walk(*items, item, steps, out);
      }
      steps.pop_back();
    }
  }
}

// A validator's error as drift: its context (<root>, [event], [job], [0]) read as a path along the value and the
// schema; the errors that only say a child failed are left out (the child's own error says what).
void add_error(const valijson::ValidationResults::Error& e, const PlainJson& schema, const PlainJson& body,
               Findings& out)
{
  const std::string& what = e.description;
  if (what.starts_with("Failed to validate against schema associated with property") ||
      what.starts_with("Failed to validate item #") || what.starts_with("Failed to validate against any schemas") ||
      what.starts_with("Failed to validate against additional")) {
    return;
  }
  if (!out.room()) {
    return out.more();
  }
  std::string path;
  const PlainJson* value = &body;
  const PlainJson* node = &schema;
  for (std::size_t i = 1; i < e.context.size(); ++i) {
    std::string step = e.context[i];
    if (step.size() >= 2 && step.front() == '[' && step.back() == ']') {
      step = step.substr(1, step.size() - 2);
    }
    const bool item = value && value->is_array();
    path = item ? items_path(path) : member_path(path, step);
    if (value && value->is_array()) {
      const std::size_t index =
          std::all_of(step.begin(), step.end(), ::isdigit) && !step.empty() ? std::stoul(step) : 0;
      value = index < value->size() ? &(*value)[index] : nullptr;
    } else {
      value = value && value->is_object() && value->contains(step) ? &(*value)[step] : nullptr;
    }
    const PlainJson* props = node ? child(*node, item ? "items" : "properties") : nullptr;
    node = item ? props : (props ? child(*props, step.c_str()) : nullptr);
  }
  if (what.starts_with("Missing required property '")) {
    const std::string name = what.substr(27, what.rfind('\'') - 27);
    out.add(Kind::missing, member_path(path, name), "required");
  } else if (what.starts_with("Value type not permitted")) {
    out.add(Kind::type, path,
            fmt::format("{}, the schema says {}", value ? json_type(*value) : "?", expected_type(node)));
  } else {
    out.add(Kind::value, path, what);
  }
}

} // namespace

struct Contract::Impl {
  struct Compiled {
    PlainJson schema;                          // as written (formats included), for walk()
    std::unique_ptr<valijson::Schema> checker; // formats dropped
  };
  std::map<std::string, Compiled, std::less<>> topics;
};

Contract::Contract(const SchemaSet& set) : m_impl(std::make_unique<Impl>())
{
  for (const auto& topic : set.topics()) {
    Impl::Compiled c{PlainJson(*set.find(topic)), std::make_unique<valijson::Schema>()};
    PlainJson plain = c.schema;
    drop_formats(plain);
    try {
      valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
      valijson::adapters::NlohmannJsonAdapter adapter(plain);
      parser.populateSchema(adapter, *c.checker);
    } catch (const std::exception& e) {
      throw Error(ExitCode::bad_input, fmt::format("the schema of {} is not one acx can use: {}", topic, e.what()));
    }
    m_impl->topics.emplace(topic, std::move(c));
  }
}

Contract::~Contract() = default;

Drift Contract::check(std::string_view topic, const nlohmann::json& body) const
{
  const auto it = m_impl->topics.find(topic);
  if (it == m_impl->topics.end()) {
    return {{Kind::topic, ".topicName", fmt::format("no schema describes {}", topic)}};
  }
  Findings out;
  valijson::Validator validator;
  valijson::adapters::NlohmannJsonAdapter adapter(body);
  // Without results first: a body that conforms (the usual case) is not paid for in error contexts.
  valijson::ValidationResults results;
  if (!validator.validate(*it->second.checker, adapter, nullptr) &&
      !validator.validate(*it->second.checker, adapter, &results)) {
    valijson::ValidationResults::Error e;
    while (results.popError(e)) {
      add_error(e, it->second.schema, body, out);
    }
  }
  Steps steps;
  walk(it->second.schema, body, steps, out);
  return out.take();
}

std::string_view json_type(const nlohmann::json& v)
{
  switch (v.type()) {
  case PlainJson::value_t::null:
    return "null";
  case PlainJson::value_t::boolean:
    return "boolean";
  case PlainJson::value_t::number_integer:
  case PlainJson::value_t::number_unsigned:
    return "integer";
  case PlainJson::value_t::number_float:
    return "number";
  case PlainJson::value_t::string:
    return "string";
  case PlainJson::value_t::array:
    return "array";
  case PlainJson::value_t::object:
    return "object";
  default:
    return "other";
  }
}

bool conforms(std::string_view format, std::string_view value)
{
  if (format == "uuid") {
    return event::is_guid(value);
  }
  if (format == "date-time") {
    return util::parse_rfc3339_utc(value).has_value();
  }
  if (format == "date") {
    return value.size() == 10 && util::parse_rfc3339_utc(std::string(value) + "T00:00:00Z").has_value();
  }
  if (format == "uri") {
    const auto colon = value.find(':');
    return colon != std::string_view::npos && colon > 0 && std::isalpha(static_cast<unsigned char>(value[0])) &&
           std::all_of(value.begin(), value.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
             return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
           });
  }
  return true;
}

} // namespace acx::contract
