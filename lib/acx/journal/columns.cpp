#include "acx/journal/columns.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "acx/event/facts.hpp"
#include "acx/event/json_reader.hpp"

namespace acx::journal::detail {

namespace {

// A text column kept in Record::*member.
template <std::string Record::*member> Column text(const char* name, unsigned tables)
{
  return {name, Type::text, tables, [](const Record& r, const Row&) { return Value{r.*member}; },
          [](Record& r, const Value& v) { r.*member = std::string(v.text); }};
}

const std::vector<Column>& all()
{
  static const std::vector<Column> cols{
      {"received", Type::time, both, [](const Record&, const Row& row) { return Value{row.received}; },
       [](Record& r, const Value& v) { r.received = util::parse_rfc3339_utc(v.text).value_or(util::Instant{}); }},
      text<&Record::remote>("remote", both),
      {"headers", Type::json, both, [](const Record&, const Row& row) { return Value{row.headers}; },
       [](Record& r, const Value& v) { r.headers_json = std::string(v.text); }},
      {"body", Type::bytes, both, [](const Record& r, const Row&) { return Value{r.body}; },
       [](Record& r, const Value& v) { r.body = std::string(v.text); }},
      {"status", Type::text, both, [](const Record&, const Row& row) { return Value{row.status}; },
       [](Record& r, const Value& v) {
         r.status = v.text == "accepted"    ? Status::accepted
                    : v.text == "duplicate" ? Status::duplicate
                                            : Status::refused;
       }},
      text<&Record::reason>("reason", both),
      text<&Record::detail>("detail", both),
      text<&Record::topic>("topic", both),
      text<&Record::event_id>("event_id", both),
      text<&Record::subscription_id>("subscription_id", both),
      text<&Record::event_time>("event_time", both),
      text<&Record::subject>("subject", deliveries),
      text<&Record::gist>("gist", deliveries),
      text<&Record::drift>("drift", deliveries),
      text<&Record::path>("path", both),
      {"body_bytes", Type::integer, refused,
       [](const Record& r, const Row&) {
         return Value{{}, static_cast<std::int64_t>(r.body_bytes)};
       },
       [](Record& r, const Value& v) { r.body_bytes = static_cast<std::size_t>(v.integer); }},
      text<&Record::body_sha256>("body_sha256", refused),
  };
  return cols;
}

std::vector<const Column*> select(Tables table)
{
  std::vector<const Column*> out;
  for (const auto& c : all()) {
    if ((c.tables & table) != 0) {
      out.push_back(&c);
    }
  }
  return out;
}

} // namespace

const std::vector<const Column*>& columns(Tables table)
{
  static const std::vector<const Column*> of_deliveries = select(deliveries);
  static const std::vector<const Column*> of_refused = select(refused);
  return table == refused ? of_refused : of_deliveries;
}

std::size_t column_index(Tables table, std::string_view name)
{
  const auto& cols = columns(table);
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (cols[i]->name == name) {
      return i;
    }
  }
  throw std::logic_error("no journal column " + std::string(name));
}

std::string column_names(Tables table)
{
  std::string out;
  for (const auto* c : columns(table)) {
    out += out.empty() ? "" : ", ";
    out += c->name;
  }
  return out;
}

Record finish_row(Tables table, Record r, bool subject_null, bool decode_headers)
{
  if (table == refused) {
    r.status = Status::refused;
  }
  const auto headers = decode_headers ? nlohmann::json::parse(r.headers_json, nullptr, false) : nlohmann::json();
  if (headers.is_array()) {
    for (const auto& h : headers) {
      if (h.is_array() && h.size() == 2 && h[0].is_string() && h[1].is_string()) {
        r.headers.add(h[0].get<std::string>(), h[1].get<std::string>());
      }
    }
  }
  if (subject_null) { // stored before the facts were (SQLite journals before schema 2)
    const auto body = event::parse_untrusted(r.body);
    const nlohmann::json* event = event::member(body, "event");
    auto facts = event ? event::facts(*event) : event::Facts{};
    r.subject = std::move(facts.subject);
    r.gist = std::move(facts.gist);
  }
  return r;
}

} // namespace acx::journal::detail
