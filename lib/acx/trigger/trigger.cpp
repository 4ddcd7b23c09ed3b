#include "acx/trigger/trigger.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "acx/event/edit.hpp"
#include "acx/event/json_text.hpp"
#include "acx/sandbox/admin.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/error.hpp"

namespace acx::trigger {

namespace {

constexpr Cause k_causes[] = {
    {"contact_added", "a contact (POST /contacts)", true, ""},
    {"job_created", "a contact, then a job for it (POST /jobs/Createjob)", true, ""},
    {"job_updated", "a contact and a job, then a change of the job's fields (acx sandbox job update)", false,
     "edit a job's details (its name, say) in AccuLynx"},
    {"job.milestone.current_changed",
     "a contact and a job, then a move of the job to a milestone (acx sandbox job milestone)", false,
     "move a job to another milestone in AccuLynx"},
    {"contact_changed", "a contact, then a change of its fields (acx sandbox contact update)", false,
     "edit a contact's details (a phone number, say) in AccuLynx"},
};

// --set split by what it edits.
struct Choices {
  event::EditableJson contact = event::EditableJson::object();
  event::EditableJson job = event::EditableJson::object();
  std::vector<std::string> contact_sets; // for a change of the contact
  std::vector<std::string> job_sets;     // for a change of the job
  std::string milestone = "Approved";
};

Choices choices(const std::string& topic, const std::vector<std::string>& assignments)
{
  Choices c;
  c.contact = {{"firstName", "acx"}, {"lastName", "trigger " + util::hex_encode(util::random_bytes(3))}};
  const bool contact_topic = topic.starts_with("contact");
  for (const auto& a : assignments) {
    if (a.starts_with("milestone=")) {
      c.milestone = a.substr(10);
    } else if (a.starts_with("contact.") || contact_topic) {
      const std::string path = a.starts_with("contact.") ? a.substr(8) : a;
      event::apply_assignment(c.contact, path);
      c.contact_sets.push_back(path);
    } else {
      event::apply_assignment(c.job, a);
      c.job_sets.push_back(a);
    }
  }
  return c;
}

Made made_of(const char* kind, const nlohmann::json& answer, const char* action = "created")
{
  const auto text = [&](const char* key) {
    const auto it = answer.find(key);
    return it != answer.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  Made m{kind, text("id"), text("_link"), action};
  if (m.id.empty()) {
    throw acculynx::ApiError(200, fmt::format("the API made a {} but its answer has no id", kind));
  }
  return m;
}

} // namespace

std::span<const Cause> causes()
{
  return k_causes;
}

std::string by_hand(std::string_view topic)
{
  for (const auto& c : k_causes) {
    if (c.topic == topic) {
      return std::string(c.by_hand);
    }
  }
  return {};
}

bool is_sandbox(acculynx::Api& api)
{
  if (api.rest_base().starts_with("https://api.acculynx.com/")) {
    return false; // AccuLynx itself: no need to ask
  }
  try {
    api.call_on_origin("GET", sandbox::admin::k_usage);
    return true;
  } catch (const acculynx::ApiError& e) {
    if (e.status() == 404 || e.status() == 405) {
      return false;
    }
    throw;
  }
}

Caused cause(acculynx::Api& api, const std::string& topic, const std::vector<std::string>& assignments, bool sandbox)
{
  const auto* found =
      std::find_if(std::begin(k_causes), std::end(k_causes), [&](const Cause& c) { return c.topic == topic; });
  if (found == std::end(k_causes)) {
    std::vector<std::string_view> can;
    for (const auto& c : k_causes) {
      can.push_back(c.topic);
    }
    throw Error(ExitCode::usage, fmt::format("acx trigger cannot cause {} yet (it can: {}); acx sandbox emit {} "
                                             "delivers its canned event",
                                             topic, fmt::join(can, ", "), topic));
  }
  if (!found->public_api && !sandbox) {
    throw Error(ExitCode::usage, fmt::format("AccuLynx's public API cannot cause {}: {} by hand, and acx listen shows "
                                             "the delivery (acx trigger causes it on acx sandbox)",
                                             topic, found->by_hand));
  }
  const Choices chosen = choices(topic, assignments);
  Caused c{topic, {}, {}};
  const auto now = [&] { c.changed_at = util::now(); };
  if (topic == "contact_added") {
    now();
  }
  c.made.push_back(made_of("contact", api.rest("POST", "/contacts", event::json_text(chosen.contact))));
  if (topic == "contact_changed") {
    now();
    const auto sets =
        chosen.contact_sets.empty() ? std::vector<std::string>{"lastName=changed by acx trigger"} : chosen.contact_sets;
    c.made.push_back(made_of(
        "contact", sandbox::admin::change(api, sandbox::admin::k_contact_update, c.made.back().id, {{"set", sets}}),
        "changed"));
  }
  if (topic.starts_with("contact")) {
    return c;
  }
  auto job = chosen.job;
  job["contactId"] = c.made.back().id;
  if (topic == "job_created") {
    now();
  }
  c.made.push_back(made_of("job", api.rest("POST", "/jobs/Createjob", event::json_text(job))));
  if (topic == "job_updated") {
    now();
    const auto sets =
        chosen.job_sets.empty() ? std::vector<std::string>{"jobName=updated by acx trigger"} : chosen.job_sets;
    c.made.push_back(
        made_of("job", sandbox::admin::change(api, sandbox::admin::k_job_update, c.made.back().id, {{"set", sets}}),
                "changed"));
  } else if (topic == "job.milestone.current_changed") {
    now();
    c.made.push_back(made_of("job",
                             sandbox::admin::change(api, sandbox::admin::k_job_milestone, c.made.back().id,
                                                    {{"milestone", chosen.milestone}}),
                             "changed"));
  }
  return c;
}

} // namespace acx::trigger
