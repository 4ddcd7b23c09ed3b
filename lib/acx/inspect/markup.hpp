#pragma once

// The inspect page's HTML pieces, shared by its routes: escaping, the layout, how a delivery is named and described,
// and a row of the list.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "acx/http/message.hpp"
#include "acx/journal/outbox.hpp"
#include "acx/journal/record.hpp"

namespace acx::inspect {

using journal::Record;

// Text made safe inside HTML, attributes included; untrusted bytes first made printable.
std::string esc(std::string_view s);

// The same for bodies shown whole: newlines kept.
std::string esc_block(std::string_view s);

// A page: HTML, never cached, never framed.
http::Response html(std::string body, int status = 200);

// The page around `main`, titled.
std::string layout(const std::string& title, const std::string& main);

// How a URL names a delivery: "a3" (accepted or duplicate), "r5" (refused).
std::string id_of(const Record& r);

// How a page names a delivery: "#3", as the terminal does, or "r5" for a refusal (not in the journal's sequence).
std::string label_of(const Record& r);

// The gist the listener stored with a delivery; a refused record has none stored (nothing vouched for its body):
// derived from the body when it parses.
std::string gist_of(const Record& r);

// The verdict in words; a duplicate names its original when `original` is known.
std::string verdict_of(const Record& r, std::int64_t original = 0);

// Where an event stands with each consumer that tried it: its last answer ("app: 503, waiting to retry"), from the
// attempts in the order they were made.
std::string forward_state(const std::vector<journal::HandOver>& attempts);

// A row of the list, `forwarded` the consumers' last answers.
std::string row(const Record& r, std::int64_t original = 0, const std::string& forwarded = {});

// The status a refusal of `reason` was answered with.
const char* k_reason_status(const std::string& reason);

} // namespace acx::inspect
