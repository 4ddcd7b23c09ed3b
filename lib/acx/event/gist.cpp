#include "acx/event/gist.hpp"

#include <fmt/format.h>

#include "acx/event/facts.hpp"
#include "acx/util/text.hpp"

namespace acx::event {

namespace {

using Json = nlohmann::json;

std::string scalar(const Json* v)
{
  if (!v || v->is_null()) {
    return "";
  }
  if (v->is_string()) {
    return util::excerpt(v->get_ref<const std::string&>(), 40);
  }
  if (v->is_number_float()) {
    return fmt::format("{}", v->get<double>());
  }
  if (v->is_primitive()) {
    return v->dump();
  }
  return "";
}

std::string named(const Json* v)
{
  return v ? scalar(member(*v, "name")) : "";
}

} // namespace

std::string gist(const Json& event)
{
  std::vector<std::string> parts;
  const Json* job = member(event, "job"); // also event.Job, as job.contacts.primary_changed sends it
  const Json* subject = job ? job : member(event, "contact");

  if (const Json* f = member(event, "customField"); f && f->is_object()) {
    const std::string label = scalar(member(*f, "label"));
    if (const Json* value = member(*f, "value")) {
      parts.push_back(fmt::format("{} = {}", label, scalar(value)));
    } else {
      parts.push_back(fmt::format("{} {}", label, scalar(member(*f, "status"))));
    }
  }
  if (subject) {
    if (const Json* m = member(*subject, "milestone"); m && m->is_object()) {
      std::string text = "milestone " + named(m);
      if (const std::string status = named(member(*m, "status")); !status.empty()) {
        text += " / " + status;
      }
      parts.push_back(text);
    }
    if (const Json* inv = member(*subject, "invoice"); inv && inv->is_object()) {
      std::string text = "invoice";
      for (const char* key : {"priceTotal", "costTotal", "amountCollected"}) {
        if (const std::string v = scalar(member(*inv, key)); !v.empty()) {
          text += fmt::format(" {} {}", key, v);
        }
      }
      parts.push_back(text);
    }
    for (const char* key : {"category", "workType", "accountingIntegrationStatus", "companyRepresentative"}) {
      if (const std::string v = named(member(*subject, key)); !v.empty()) {
        parts.push_back(fmt::format("{} {}", key, v));
      }
    }
    if (const Json* types = member(*subject, "tradeTypes"); types && types->is_array()) {
      std::vector<std::string> names;
      for (const auto& t : *types) {
        names.push_back(named(&t));
      }
      parts.push_back(fmt::format("tradeTypes {}", fmt::join(names, ", ")));
    }
    if (const Json* fin = member(*subject, "financials")) {
      parts.push_back("approvedValue " + scalar(member(*fin, "approvedValue")));
    }
    if (const Json* appt = member(*subject, "initialAppointment")) {
      parts.push_back("appointment " + scalar(member(*appt, "startDate")));
    }
  }
  if (const std::string legacy = scalar(member(event, "milestoneName")); !legacy.empty()) {
    parts.push_back("milestone " + legacy);
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

} // namespace acx::event
