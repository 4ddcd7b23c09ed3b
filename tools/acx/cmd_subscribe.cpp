// acx subscribe, and acx subscriptions list|show|update|delete|test: manage AccuLynx subscriptions.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/event/json_text.hpp"
#include "acx/event/topics.hpp"
#include "acx/signing/scheme.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/url.hpp"
#include "api_flags.hpp"
#include "command.hpp"
#include "completion.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

struct SubscribeFlags {
  ApiFlags api;
  bool reveal = false;
  std::string url;
  std::vector<std::string> topics;
  std::string contact;
  std::string secret_in = "query";
  Format format = Format::text;
  std::string id;
};

void check_topics(const std::vector<std::string>& topics)
{
  std::vector<std::string> unknown;
  for (const auto& t : topics) {
    if (!event::find_topic(t) || event::find_topic(t)->legacy) {
      unknown.push_back(t);
    }
  }
  if (!unknown.empty()) {
    const std::vector<std::string> names = catalog_topic_names();
    std::vector<std::string> shown;
    for (const auto& t : unknown) {
      const auto near = util::closest(t, names);
      shown.push_back(near ? fmt::format("{} (did you mean {}?)", util::excerpt(t), *near) : util::excerpt(t));
    }
    throw Error(ExitCode::usage, fmt::format("unknown topic{} {}: see `acx topics`", unknown.size() > 1 ? "s" : "",
                                             fmt::join(shown, ", ")));
  }
}

// The consumer URL as shown: its token hidden unless --reveal.
std::string shown_url(const SubscribeFlags& f, const std::string& url)
{
  return f.reveal ? url : util::redact_url(url);
}

nlohmann::ordered_json to_json(const acculynx::Subscription& s)
{
  return {{"id", s.id},
          {"consumerUrl", s.consumer_url},
          {"status", s.status},
          {"contact", s.contact},
          {"topicNames", s.topics},
          {"createdDate", s.created},
          {"modifiedDate", s.modified}};
}

int run_subscribe(const SubscribeFlags& f)
{
  check_topics(f.topics);
  const std::string path = config_path(f.api);
  const auto options = api_options(f.api, load_config(path));
  acculynx::Api api(options);
  const std::string token = signing::new_secret(signing::Kind::token);
  const std::string consumer = acculynx::consumer_url_with_token(
      f.url, token, f.secret_in == "path" ? acculynx::TokenPlace::path : acculynx::TokenPlace::query);
  const auto created = api.create({consumer, f.contact, f.topics});
  const std::string& id = created.id;

  config::update(path, [&](config::Config& config) {
    auto& profile = config.profiles[f.api.profile];
    profile.api_base = options.base;
    if (!f.api.api_key.empty()) {
      profile.api_key = f.api.api_key;
    }
    return profile.remember({id, f.url, token, f.secret_in, created.secret, f.topics, f.contact, {}, {}, {}});
  });

  if (f.format == Format::json) {
    nlohmann::ordered_json out{{"subscriptionId", id},
                               {"consumerUrl", consumer},
                               {"secret", token},
                               {"topicNames", f.topics},
                               {"profile", f.api.profile}};
    if (!created.secret.empty()) {
      out["signingSecret"] = created.secret; // the API signs deliveries (the design's, acx sandbox --sign)
    }
    fmt::print("{}", event::json_line(out));
  } else {
    fmt::print("subscription {}\nconsumer URL {}\nsecret       {}\n", id, consumer, token);
    if (!created.secret.empty()) {
      fmt::print("signing secret {}\n", created.secret);
    }
    fmt::print(stderr,
               "acx: saved to profile '{}' in {}; the {} shown only now. Listen with: acx listen "
               "--profile {}\n",
               f.api.profile, path, created.secret.empty() ? "secret is" : "secrets are", f.api.profile);
    const auto url = util::parse_url(f.url);
    if (url && !util::is_loopback_host(url->host)) {
      // A public URL: the listener there can be the relay that brings these deliveries to a laptop.
      fmt::print(stderr,
                 "acx: to see them on a laptop, run that listener with --relay-token-file relay.token (acx secret new "
                 "> relay.token), then on the laptop: acx listen --upstream {} --relay-token-file relay.token\n",
                 url->origin());
    }
  }
  return 0;
}

std::unique_ptr<acculynx::Api> open_api(const SubscribeFlags& f)
{
  return std::make_unique<acculynx::Api>(api_options(f.api, load_config(config_path(f.api))));
}

int run_list(const SubscribeFlags& f)
{
  auto subs = open_api(f)->list();
  for (auto& s : subs) {
    s.consumer_url = shown_url(f, s.consumer_url);
  }
  if (f.format == Format::json) { // a list: JSON lines
    for (const auto& s : subs) {
      fmt::print("{}", event::json_line(to_json(s)));
    }
    return 0;
  }
  for (const auto& s : subs) {
    fmt::print("{}  {:<8}  {}  {}\n", s.id, s.status, fmt::join(s.topics, ","), s.consumer_url);
  }
  return 0;
}

int run_show(const SubscribeFlags& f)
{
  auto s = open_api(f)->show(f.id);
  s.consumer_url = shown_url(f, s.consumer_url);
  if (f.format == Format::json) {
    fmt::print("{}", event::json_line(to_json(s)));
  } else {
    fmt::print("id:       {}\nstatus:   {}\nurl:      {}\ncontact:  {}\ntopics:   {}\ncreated:  {}\nmodified: {}\n",
               s.id, s.status, s.consumer_url, s.contact, fmt::join(s.topics, ", "), s.created, s.modified);
  }
  return 0;
}

int run_update(const SubscribeFlags& f)
{
  check_topics(f.topics);
  auto api = open_api(f);
  const auto current = api->show(f.id);
  api->update(f.id, {f.contact.empty() ? current.contact : f.contact, f.topics.empty() ? current.topics : f.topics});
  config::update(config_path(f.api), [&](config::Config& config) { // the profile's copy kept in step
    const auto it = config.profiles.find(f.api.profile);
    return it != config.profiles.end() && it->second.change(f.id, f.contact, f.topics);
  });
  fmt::print(stderr, "acx: updated {}\n", f.id);
  return 0;
}

int run_delete(const SubscribeFlags& f)
{
  open_api(f)->remove(f.id);
  config::update(config_path(f.api), [&](config::Config& config) {
    const auto it = config.profiles.find(f.api.profile);
    return it != config.profiles.end() && it->second.forget(f.id);
  });
  fmt::print(stderr, "acx: deleted {}\n", f.id);
  return 0;
}

int run_test(const SubscribeFlags& f)
{
  auto api = open_api(f);
  std::string topic = f.topics.empty() ? "" : f.topics.front();
  if (topic.empty()) {
    const auto s = api->show(f.id);
    if (s.topics.empty()) {
      throw Error(ExitCode::usage, "the subscription has no topics: give --topic");
    }
    topic = s.topics.front();
  }
  api->test_event(f.id, topic);
  fmt::print(stderr, "acx: test event {} requested for {}\n", topic, f.id);
  return 0;
}

} // namespace

void setup_subscribe(CLI::App& app, Run& run)
{
  auto f = std::make_shared<SubscribeFlags>();
  auto* cmd = app.add_subcommand("subscribe", "Register a consumer URL with AccuLynx, with a generated secret token");
  cmd->add_option("--url", f->url, "Your consumer URL (acx adds the token)")->required()->check(url_validator());
  suggest(cmd->add_option("--topic", f->topics, "Topic to receive (repeatable)")->required()->allow_extra_args(false),
          catalog_topic_names());
  cmd->add_option("--contact", f->contact, "Technical contact e-mail")->required();
  cmd->add_option("--secret-in", f->secret_in, "Where the token goes in the URL")
      ->check(one_of({"query", "path"}, "place", "expected query or path"))
      ->capture_default_str();
  add_api_options(cmd, f->api);
  add_format_option(cmd, f->format, FormatDefault::text, std::nullopt, JsonShape::object);
  cmd->callback([&run, f] { run = [f] { return run_subscribe(*f); }; });

  auto* subs = app.add_subcommand("subscriptions", "List, show, update, delete and test subscriptions");
  subs->require_subcommand(1);
  auto with_id = [&](const char* name, const char* help) {
    auto* c = subs->add_subcommand(name, help);
    c->add_option("id", f->id, "Subscription id")->required();
    add_api_options(c, f->api);
    return c;
  };
  auto* list = subs->add_subcommand("list", "Every subscription (all pages)");
  add_api_options(list, f->api);
  add_format_option(list, f->format);
  list->add_flag("--reveal", f->reveal, "Show the tokens in consumer URLs (hidden by default)");
  list->callback([&run, f] { run = [f] { return run_list(*f); }; });
  auto* show = with_id("show", "One subscription");
  add_format_option(show, f->format, FormatDefault::text, std::nullopt, JsonShape::object);
  show->add_flag("--reveal", f->reveal, "Show the token in the consumer URL (hidden by default)");
  show->callback([&run, f] { run = [f] { return run_show(*f); }; });
  auto* update = with_id("update", "Change topics and contact (the URL cannot change: delete and subscribe again)");
  suggest(update->add_option("--topic", f->topics, "Topics (repeatable; replaces the list)")->allow_extra_args(false),
          catalog_topic_names());
  update->add_option("--contact", f->contact, "Technical contact e-mail");
  update->callback([&run, f] { run = [f] { return run_update(*f); }; });
  auto* del = with_id("delete", "Delete a subscription (permanent)");
  del->callback([&run, f] { run = [f] { return run_delete(*f); }; });
  auto* test = with_id("test", "Ask AccuLynx to deliver a test event");
  suggest(test->add_option("--topic", f->topics, "Topic of the test event (default: the subscription's first)")
              ->allow_extra_args(false),
          catalog_topic_names());
  test->callback([&run, f] { run = [f] { return run_test(*f); }; });
}

} // namespace acx::cli
