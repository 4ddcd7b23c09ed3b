#include <doctest/doctest.h>

#include "acx/acculynx/api.hpp"

using namespace acx::acculynx;

TEST_CASE("acx::acculynx::describe_problem")
{
  CHECK(describe_problem(
            404, R"({"type":"x","title":"Not Found","status":404,"detail":"no subscription 7","traceId":"ab12"})") ==
        "Not Found: no subscription 7 (404, ab12)");
  CHECK(describe_problem(412, R"({"title":"Precondition Failed","status":412})") == "Precondition Failed (412)");
  CHECK(describe_problem(400, R"({"detail":"bad consumerUrl"})") == "bad consumerUrl (400)");
  CHECK(describe_problem(502, "<html>Bad Gateway</html>\n") == "the API answered 502: <html>Bad Gateway</html>");
  CHECK(describe_problem(500, "") == "the API answered 500: ");
}

TEST_CASE("acx::acculynx::Api options")
{
  ApiOptions o;
  CHECK_THROWS_WITH(Api{o}, "no API key: give --api-key, set ACX_API_KEY, or store one in the profile");
  o.api_key = "k";
  o.base = "ftp://example.test";
  CHECK_THROWS_WITH(Api{o}, "API base URL 'ftp://example.test': only http and https are supported");
}
