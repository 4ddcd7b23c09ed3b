#pragma once

// The JSON AccuLynx's webhooks API exchanges, written and read in one place, so the client (`Api`) and the emulator
// (`acx sandbox`) cannot drift apart. Each side writes the keys AccuLynx documents for that call (the contact is
// techContact when registering, technicalContact when changing, tech_contact when shown) and reads every spelling.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "acx/acculynx/subscription.hpp"

namespace acx::acculynx::wire {

using Json = nlohmann::ordered_json;

// A request body that does not say what the API needs: what is wrong and where (answered 400 by the sandbox).
struct BadBody : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// POST /subscriptions. Reading needs consumerUrl (a string) and topicNames (a non-empty array of strings).
Json to_json(const Registration& r);
Registration registration_from(const nlohmann::json& body);

// PUT /subscriptions/{id}. Reading needs topicNames; a contact left out stays `contact`.
Json to_json(const Change& c);
Change change_from(const nlohmann::json& body, const std::string& contact);

// The answer to POST /subscriptions; the secret only when there is one.
Json to_json(const Created& c);
Created created_from(const nlohmann::json& body);

// GET /subscriptions/{id}, with its _link. Reading takes what is there: a missing member is left empty.
Json to_json(const Subscription& s, const std::string& link);
Subscription subscription_from(const nlohmann::json& item);

// A topic in GET /topics; read from an object, or a bare name.
Json to_json(const TopicInfo& t);
TopicInfo topic_info_from(const nlohmann::json& item);

// POST /subscriptions/{id}/test-event and the sandbox's emit: {"topicName": ...}; reading a missing topic is "".
Json test_event_json(const std::string& topic);
std::string topic_from(const nlohmann::json& body);

// A page of a list: {count, pageSize, pageStartIndex, items}; the start is recordStartIndex for the lists paged so
// (jobs, a job's history).
inline constexpr const char* k_page_start = "pageStartIndex";
inline constexpr const char* k_record_start = "recordStartIndex";
Json page_json(std::size_t count, int page_size, int start, Json items, const char* start_name = k_page_start);

// Problem details: {type, title, status, detail, traceId}.
Json problem_json(int status, const std::string& title, const std::string& detail, const std::string& trace_id);
// The message of a failed call, read from its problem details: "title: detail (status, traceId)"; a body that is
// not problem details is quoted, shortened.
std::string describe_problem(int status, const std::string& body);

// The string member `key` of an object; `fallback` when absent or null; BadBody when it is not a string.
std::string text_member(const nlohmann::json& j, const char* key, const std::string& fallback = "");

} // namespace acx::acculynx::wire
