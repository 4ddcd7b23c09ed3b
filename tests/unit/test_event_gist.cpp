#include <doctest/doctest.h>

#include "acx/event/envelope.hpp"
#include "acx/event/fixtures.hpp"
#include "acx/event/gist.hpp"
#include "acx/event/topics.hpp"

using namespace acx::event;

TEST_CASE("acx::event::gist")
{
  auto of = [](std::string_view topic) { return gist(parse_envelope(*find_fixture(topic)).envelope->event); };
  CHECK(of("job.milestone.current_changed") == "milestone Approved");
  CHECK(of("job.milestone.status.current_changed") == "milestone Approved / Materials Ordered");
  CHECK(of("job.invoice_updated") == "invoice priceTotal 18450 costTotal 9875.4 amountCollected 5000");
  CHECK(of("job.custom-field.value_changed") == "Insurance Carrier = State Farm");
  CHECK(of("contact.custom-field.status_changed") == "Preferred Contact Method Active");
  CHECK(of("job.trade-type_changed") == "tradeTypes Roofing, Gutters");
  CHECK(of("job-milestone-changed") == "milestone Approved");
  CHECK(of("job.representatives.company_assigned") == "companyRepresentative Dana Whitfield");
  CHECK(of("contact_added").empty());
  CHECK(gist(nlohmann::json::parse(R"({"job":{"milestone":"not an object"},"customField":[]})")).empty());
  for (const auto& t : topics()) {
    CHECK_NOTHROW(gist(parse_envelope(*find_fixture(t.name)).envelope->event));
  }
}
