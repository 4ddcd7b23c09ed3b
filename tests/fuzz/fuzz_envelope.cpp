// Fuzz target: the JSON reader, the envelope parser and the contract check (what acx listen runs on every body), the
// drift's text as the journal keeps it, and acx schema learn over the same bodies.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "acx/contract/contract.hpp"
#include "acx/contract/learn.hpp"
#include "acx/event/envelope.hpp"
#include "acx/event/gist.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  static const acx::contract::Contract contract(acx::contract::SchemaSet::shipped());
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = acx::event::parse_envelope(body);
  if (parsed.envelope) {
    (void)acx::event::gist(parsed.envelope->event);
    const std::string topic = parsed.envelope->topic;
    acx::event::whole_body(parsed, [&](const nlohmann::json& whole) {
      for (const std::string& t : {topic, std::string("job_created")}) {
        const auto drift = contract.check(t, whole);
        if (acx::contract::parse_drift(acx::contract::drift_text(drift)) != drift) {
          std::abort(); // the journal must read back what was written
        }
      }
      acx::contract::Learner learner;
      learner.add(topic, whole);
      (void)acx::contract::schema_text(*learner.schemas().find(topic));
      return 0;
    });
  }
  (void)acx::contract::parse_drift(body); // a journal's drift column is not trusted either
  for (const auto& p : parsed.problems) {
    (void)acx::event::describe(p);
  }
  return 0;
}
