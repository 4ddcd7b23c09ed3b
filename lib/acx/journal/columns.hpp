#pragma once

// One description of a record's stored columns, which both engines' inserts and reads are made from: a column's name,
// how its value is kept, which tables have it, and how it moves between a Record and a row. Adding a column is an
// entry here and a migration in each engine, nothing else.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "acx/journal/record.hpp"

namespace acx::journal::detail {

// A record's columns as they are stored, made by the appending thread so the committer only binds them.
struct Row {
  std::string received; // RFC 3339
  std::string headers;  // JSON: [["Name","value"],...]
  std::string status;
};

// How a column's value is kept. Each engine maps these to its types: SQLite TEXT, BLOB, INTEGER, TEXT, TEXT;
// PostgreSQL text, bytea, bigint, timestamptz, jsonb.
enum class Type { text, bytes, integer, time, json };

// Which tables have a column.
enum Tables : unsigned { deliveries = 1, refused = 2, both = 3 };

// One value as bound or read: text (bytes, a time as RFC 3339, JSON) or an integer; null when read as NULL.
struct Value {
  std::string_view text;
  std::int64_t integer = 0;
  bool null = false;
};

struct Column {
  const char* name;
  Type type;
  unsigned tables;
  Value (*get)(const Record&, const Row&); // what an insert binds (views into the record and row)
  void (*set)(Record&, const Value&);      // what a read fills in
};

// The columns of `table`, in the order inserts bind them and reads select them (after seq, which the engine numbers).
const std::vector<const Column*>& columns(Tables table);
// Where the column `name` is in columns(table); throws std::logic_error when it has none.
std::size_t column_index(Tables table, std::string_view name);
// "received, remote, ...": the names of columns(table).
std::string column_names(Tables table);

// A record read back from `table`: its sequence number and the value of each of columns(table), in order (`cell(i)`).
// Headers decoded unless `decode_headers` is false; a delivery stored before its facts were (subject NULL) gets them
// from its body.
template <class Cell> Record read_row(Tables table, std::int64_t seq, Cell&& cell, bool decode_headers);
Record finish_row(Tables table, Record r, bool subject_null, bool decode_headers);

template <class Cell> Record read_row(Tables table, std::int64_t seq, Cell&& cell, bool decode_headers)
{
  Record r;
  r.seq = seq;
  bool subject_null = false;
  const auto& cols = columns(table);
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const Value v = cell(i);
    cols[i]->set(r, v);
    subject_null = subject_null || (v.null && std::string_view(cols[i]->name) == "subject");
  }
  return finish_row(table, std::move(r), subject_null, decode_headers);
}

} // namespace acx::journal::detail
