#include <doctest/doctest.h>

#include "temp_dir.hpp"
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include "acx/config/config.hpp"
#include "acx/util/error.hpp"

using namespace acx;

TEST_CASE("acx::config")
{
  const TempDir temp;
  const std::filesystem::path& dir = temp.path;
  const std::string path = (dir / "sub" / "config.toml").string();

  SUBCASE("a missing file is an empty config")
  {
    CHECK(config::load(path).profiles.empty());
  }
  SUBCASE("round trip, private files")
  {
    config::Config c;
    auto& p = c.profiles["prod"];
    p.api_base = "http://127.0.0.1:9/webhooks/v2";
    p.api_key = "key \"with\" quotes";
    p.subscriptions.push_back({"6bf46c69-7d2c-4f82-aeea-cbe226e87555",
                               "https://h/hook",
                               "tok",
                               "query",
                               "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                               {"job_created", "contact_added"},
                               "ops@example.com",
                               "tok0",
                               {},
                               "2026-12-08T18:00:00Z"});
    config::save(c, path);
    const auto back = config::load(path);
    REQUIRE(back.find("prod"));
    CHECK(back.find("prod")->api_key == "key \"with\" quotes");
    REQUIRE(back.find("prod")->subscriptions.size() == 1);
    CHECK(back.find("prod")->subscriptions[0].topics.size() == 2);
    CHECK(back.find("prod")->subscriptions[0].contact == "ops@example.com");
    CHECK(back.find("prod")->subscriptions[0].signing_secret == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    CHECK(back.find("prod")->subscriptions[0].previous_token == "tok0");
    CHECK(back.find("prod")->subscriptions[0].previous_until == "2026-12-08T18:00:00Z");
    CHECK_FALSE(back.find("dev"));
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat((dir / "sub").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  }
  SUBCASE("acx subscribe's bookkeeping: remember, change, forget; update saves only what changed")
  {
    config::update(path, [](config::Config& c) {
      return c.profiles["p"].remember({"id1", "https://h/a", "t1", "query", "", {"job_created"}, "a@x", {}, {}, {}});
    });
    config::update(path, [](config::Config& c) {
      return c.profiles["p"].remember({"id2", "https://h/b", "t2", "path", "", {"contact_added"}, "b@x", {}, {}, {}});
    });
    auto c = config::load(path);
    REQUIRE(c.find("p")->subscriptions.size() == 2);
    auto& p = c.profiles["p"];
    CHECK(p.remember(
        {"id1", "https://h/a2", "t3", "query", "", {"job_updated"}, "c@x", {}, {}, {}})); // the same id: replaced
    REQUIRE(p.subscriptions.size() == 2);
    CHECK(p.subscriptions.back().token == "t3");
    CHECK(p.change("id2", "", {"job_updated"}));
    CHECK(p.subscriptions.front().contact == "b@x"); // an empty contact stays
    CHECK(p.subscriptions.front().topics == std::vector<std::string>{"job_updated"});
    CHECK_FALSE(p.change("nope", "x", {}));
    CHECK(p.forget("id2"));
    CHECK_FALSE(p.forget("id2"));
    CHECK(p.subscriptions.size() == 1);
    struct stat before {};
    REQUIRE(::stat(path.c_str(), &before) == 0);
    config::update(path, [](config::Config&) { return false; }); // nothing changed: the file is not rewritten
    struct stat after {};
    REQUIRE(::stat(path.c_str(), &after) == 0);
    CHECK(before.st_ino == after.st_ino);
  }
  SUBCASE("forwarding routes: read, written back, and refused when malformed")
  {
    const auto c = config::parse(R"toml(
[[profiles.dev.forward]]
url = "http://localhost:3000/jobs"
topics = ["job.*", "contact_added"]
secret = "s3cret"
scheme = "standard"
name = "jobs"
headers = ["X-GitHub-Event: ping"]
hydrate = ["job", "contact"]
hydrate-fallback = "thin"
[[profiles.dev.forward]]
url = "http://localhost:3000/all"
)toml",
                                 "x.toml");
    const auto* p = c.find("dev");
    REQUIRE(p);
    REQUIRE(p->routes.size() == 2);
    CHECK(p->routes[0].topics == std::vector<std::string>{"job.*", "contact_added"});
    CHECK(p->routes[0].secret == "s3cret");
    CHECK(p->routes[0].scheme == "standard");
    CHECK(p->routes[0].name == "jobs");
    CHECK(p->routes[0].headers == std::vector<std::string>{"X-GitHub-Event: ping"});
    CHECK(p->routes[1].topics.empty());
    config::save(c, path);
    const auto back = config::load(path);
    REQUIRE(back.find("dev")->routes.size() == 2);
    CHECK(back.find("dev")->routes[0].name == "jobs");
    CHECK(back.find("dev")->routes[0].headers == std::vector<std::string>{"X-GitHub-Event: ping"});
    CHECK(back.find("dev")->routes[1].url == "http://localhost:3000/all");
    CHECK(back.find("dev")->routes[0].hydrate == std::vector<std::string>{"job", "contact"});
    CHECK(back.find("dev")->routes[0].hydrate_fallback == "thin");
    CHECK(back.find("dev")->routes[1].hydrate.empty());
    CHECK_THROWS_WITH(
        config::parse("[[profiles.dev.forward]]\nurl = \"http://a/\"\nhydrate = [\"invoice\"]\n", "y.toml"),
        doctest::Contains("forward hydrate takes \"job\" and \"contact\", not \"invoice\""));
    CHECK_THROWS_WITH(config::parse("[[profiles.dev.forward]]\nurl = \"http://a/\"\nhydrate = [3]\n", "y.toml"),
                      doctest::Contains("forward hydrate must be strings"));
    CHECK_THROWS_WITH(
        config::parse("[[profiles.dev.forward]]\nurl = \"http://a/\"\nhydrate-fallback = \"never\"\n", "y.toml"),
        doctest::Contains("hydrate-fallback is \"wait\" or \"thin\", not \"never\""));
    CHECK_THROWS_WITH(config::parse("[[profiles.dev.forward]]\ntopics = [\"a\"]\n", "y.toml"),
                      doctest::Contains("a forward needs url"));
    CHECK_THROWS_WITH(config::parse("[[profiles.dev.forward]]\nurl = \"u\"\ntopics = [1]\n", "y.toml"),
                      doctest::Contains("forward topics must be strings"));
    CHECK_THROWS_WITH(config::parse("[[profiles.dev.forward]]\nurl = \"u\"\nheaders = [1]\n", "y.toml"),
                      doctest::Contains("forward headers must be strings"));
  }
  SUBCASE("errors say where")
  {
    std::filesystem::create_directories(dir / "sub");
    std::ofstream(path) << "[profiles.prod]\napi_key = \n";
    const std::string located = path + ":2:";
    CHECK_THROWS_WITH(config::load(path), doctest::Contains(located.c_str()));
    std::ofstream(path) << "[profiles.prod]\napi_key = 5\n";
    CHECK_THROWS_WITH(config::load(path), doctest::Contains("profile prod: api_key must be a string"));
    std::ofstream(path) << "[profiles.prod]\n[[profiles.prod.subscriptions]]\nurl = \"x\"\n";
    CHECK_THROWS_WITH(config::load(path), doctest::Contains("a subscription needs id and token"));
  }
}

TEST_CASE("acx::config::load: a file others may write is refused, one they may read warned about")
{
  const TempDir temp;
  const std::filesystem::path& dir = temp.path;
  const std::string path = (dir / "config.toml").string();
  std::ofstream(path) << "[profiles.default]\napi_key = \"k\"\n";
  ::chmod(path.c_str(), 0620);
  CHECK_THROWS_WITH(config::load(path), (path +
                                         ": refused: the file is writable by its group or by others (mode "
                                         "0620) and holds tokens; make it private: chmod 600 " +
                                         path)
                                            .c_str());
  ::chmod(path.c_str(), 0602);
  CHECK_THROWS_AS(config::load(path), Error);
  ::chmod(path.c_str(), 0644);
  const auto readable = config::load(path);
  REQUIRE(readable.warnings.size() == 1);
  CHECK(readable.warnings[0].find("readable by everyone (mode 0644)") != std::string::npos);
  ::chmod(path.c_str(), 0600);
  CHECK(config::load(path).warnings.empty());
}

TEST_CASE("acx::config::parse: a route URL must be http(s) or a NATS target")
{
  const auto route = [](const char* url) {
    return std::string("[profiles.default]\n[[profiles.default.forward]]\nurl = \"") + url + "\"\n";
  };
  for (const char* url : {"ftp://example.com/x", "file:///etc/passwd", "javascript:alert(1)", "127.0.0.1:3000"}) {
    CAPTURE(url);
    CHECK_THROWS_AS(config::parse(route(url), "c.toml"), Error);
  }
  CHECK_THROWS_WITH(config::parse(route("nats://127.0.0.1:4222/a.*"), "c.toml"),
                    doctest::Contains("is not a NATS target: the subject a.* has a wildcard"));
  CHECK_THROWS_WITH(config::parse(route("nats://127.0.0.1:4222"), "c.toml"), doctest::Contains("no subject"));
  for (const char* url : {"http://127.0.0.1:3000/", "nats://127.0.0.1:4222/acx.events?stream=HOOKS"}) {
    CAPTURE(url);
    CHECK(config::parse(route(url), "c.toml").find("default")->routes.size() == 1);
  }
}

TEST_CASE("acx::config::keys: acx.toml(5) documents every key load() reads, and load() reads every one it documents")
{
  const std::string text = R"([profiles.default]
api_base = "http://127.0.0.1:8788"
api_key = "k"
journal = "j.db"
retain = "30d"
retain_size = "10GiB"
relay_token = "r"
api_rate = 5
api_machine_rate = 20

[[profiles.default.forward]]
url = "http://127.0.0.1:3000/hooks"
topics = ["job.*"]
name = "jobs"
secret = "s"
scheme = "hmac"
headers = ["X-A: b"]
hydrate = ["job"]
hydrate-fallback = "thin"
filter = ".topicName == \"job_created\""
transform = "{id: .eventId}"
rate = "50/s"
burst = 10
breaker_failures = 5
breaker_cooldown = "10s"
cert = "client.pem"
key = "client.key"
cacert = "ca.pem"

[[profiles.default.subscriptions]]
id = "i"
url = "https://hooks.example.com/webhooks/acculynx"
token = "t"
secret_in = "query"
signing_secret = "whsec_x"
topics = ["job_created"]
contact = "c@example.com"
previous_token = "t0"
previous_signing_secret = "whsec_y"
previous_until = "2026-12-08T18:00:00Z"
)";
  const auto config = acx::config::parse(text, "test.toml");
  const auto& p = config.profiles.at("default");
  CHECK(!p.api_base.empty());
  CHECK(!p.api_key.empty());
  CHECK(!p.journal.empty());
  CHECK(!p.retain.empty());
  CHECK(!p.retain_size.empty());
  CHECK(!p.relay_token.empty());
  CHECK(p.api_rate == 5);
  CHECK(p.api_machine_rate == 20);
  REQUIRE(p.routes.size() == 1);
  const auto& r = p.routes.front();
  CHECK((!r.url.empty() && !r.topics.empty() && !r.name.empty() && !r.secret.empty() && !r.scheme.empty() &&
         !r.headers.empty() && !r.hydrate.empty() && !r.hydrate_fallback.empty() && !r.filter.empty() &&
         !r.transform.empty() && !r.rate.empty() && r.burst == 10 && r.breaker_failures == 5 &&
         !r.breaker_cooldown.empty() && !r.cert.empty() && !r.key.empty() && !r.cacert.empty()));
  REQUIRE(p.subscriptions.size() == 1);
  const auto& s = p.subscriptions.front();
  CHECK((!s.id.empty() && !s.url.empty() && !s.token.empty() && !s.secret_in.empty() && !s.signing_secret.empty() &&
         !s.topics.empty() && !s.contact.empty() && !s.previous_token.empty() && !s.previous_signing_secret.empty() &&
         !s.previous_until.empty()));
  std::size_t documented = 0;
  for (const auto& k : acx::config::keys()) {
    INFO(k.name);
    CHECK(text.find("\n" + std::string(k.name) + " = ") != std::string::npos);
    CHECK(!k.what.empty());
    ++documented;
  }
  CHECK(documented == 35); // the 35 keys set above, each read (checked field by field)
}

TEST_CASE("acx::config: api_rate and api_machine_rate are whole numbers within AccuLynx's limits, and saved back")
{
  CHECK_THROWS_WITH(acx::config::parse("[profiles.p]\napi_rate = 11\n", "t.toml"),
                    "t.toml: profile p: api_rate must be a whole number from 1 to 10");
  CHECK_THROWS_WITH(acx::config::parse("[profiles.p]\napi_machine_rate = \"25\"\n", "t.toml"),
                    "t.toml: profile p: api_machine_rate must be a whole number from 1 to 30");
  TempDir dir;
  acx::config::Config c;
  c.profiles["p"].api_rate = 4;
  acx::config::save(c, dir.file("c.toml"));
  CHECK(acx::config::load(dir.file("c.toml")).profiles.at("p").api_rate == 4);
}
