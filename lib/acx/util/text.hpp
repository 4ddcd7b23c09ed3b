#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace acx::util {

// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);

// Lower-cases ASCII letters.
std::string to_lower(std::string_view s);

// Strips spaces, tabs, CR and LF from both ends.
std::string_view trim(std::string_view s);

// Splits on every `sep`; empty pieces are kept.
std::vector<std::string_view> split(std::string_view s, char sep);

// Untrusted text (from a body, a header, a file name) made safe to print on a terminal: C0 controls, DEL and bytes
// that are not UTF-8 become \xNN, C1 controls (U+0080-U+009F) and bidirectional controls (U+202E, ...) \uNNNN; the
// rest is kept as it is.
std::string printable(std::string_view s);

// A short, printable excerpt of untrusted text for messages, as printable() escapes it: at most `max` characters.
std::string excerpt(std::string_view s, std::size_t max = 60);

// Text made safe inside HTML or XML, attribute values included: & < > " ' become entities.
std::string escape_markup(std::string_view s);

// `s` as one word for a POSIX shell, whatever it holds: in single quotes, each ' written '\''. Nothing in it is
// expanded or run.
std::string shell_quote(std::string_view s);

// Appends `s` as a quoted JSON string; bytes that are not valid UTF-8 become U+FFFD.
void append_json_string(std::string& out, std::string_view s);

// The candidate nearest to a mistyped `word` (edits: insert, delete, replace, swap two neighbours), if it is near
// enough to be what was meant: at most 1 edit for words up to 4 letters, 2 up to 8, 3 beyond. Ties: the first.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);

// Parses a byte size: "1048576", "512k", "1MiB", "2MB", "1g" (k/m/g are powers of 1024, with or without "iB"/"B").
std::optional<std::size_t> parse_size(std::string_view text);
// A byte size for a person: "100 B", "512 KiB", "16 MiB", "1.5 GiB" (one decimal below 10 of the unit, else none).
std::string format_size(std::size_t bytes);

// "1 check", "3 checks": the count and the word, in the plural unless n is 1 (`many`: an irregular plural).
std::string plural(std::size_t n, std::string_view one, std::string_view many = {});

} // namespace acx::util
