// acx send: deliver simulated AccuLynx events the way a provider does (signed, retried), including adversarial ones.
#include <fmt/format.h>
#include <mutex>
#include <nlohmann/json.hpp>

#include "acx/deliver/prepare.hpp"
#include "acx/event/source.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "acx/util/url.hpp"
#include "command.hpp"
#include "delivery_flags.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

struct SendFlags {
  std::vector<std::string> events;
  std::string to;
  std::string subscription;
  std::vector<std::string> assignments;
  bool keep_ids = false;
  SchemeFlags scheme;
  DeliveryFlags delivery;
  std::size_t duplicate = 1;
  bool out_of_order = false;
  std::string skew;
  bool tamper = false;
  bool wrong_secret = false;
};

int run_send(const SendFlags& f)
{
  deliver::PrepareOptions o;
  o.url = f.to;
  o.scheme = scheme_options(f.scheme);
  o.extra_headers = collect_headers(f.delivery.headers);
  o.fresh = !f.keep_ids;
  if (!f.subscription.empty()) {
    o.subscription = f.subscription;
  }
  o.assignments = f.assignments;
  o.duplicate = f.duplicate;
  o.out_of_order = f.out_of_order;
  if (!f.skew.empty()) {
    o.skew = std::chrono::duration_cast<std::chrono::seconds>(*parse_signed_duration(f.skew));
  }
  o.tamper = f.tamper;
  o.wrong_secret = f.wrong_secret;
  const auto requests = deliver::prepare(event::load_sources(f.events), o);
  // Copies of one event go out together, as a provider's overlapping retries would.
  return deliver_and_report(requests, f.delivery, f.duplicate > 1 ? f.duplicate : 1);
}

} // namespace

void setup_send(CLI::App& app, Run& run)
{
  auto f = std::make_shared<SendFlags>();
  auto* cmd = app.add_subcommand("send", "Deliver simulated events (a topic's fixture, or files) to a URL, signed");
  cmd->add_option("event", f->events, "TOPIC (its fixture), FILE, directory, JSON lines, or - for stdin")->required();
  cmd->add_option("--to", f->to, "URL to deliver to")->required()->check(url_validator());
  cmd->add_option("--subscription", f->subscription, "Set subscriptionId");
  cmd->add_option("--set", f->assignments, "Edit a field: PATH=VALUE, e.g. event.job.milestone.name=Approved (JSON "
                                           "values accepted; repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag("--keep-ids", f->keep_ids, "Keep the eventId and eventDateTime of the source (default: fresh ones)");
  add_scheme_options(cmd, f->scheme, SecretCount::one);
  add_delivery_options(cmd, f->delivery);
  auto* adv = cmd->add_option_group("Adversarial", "Deliveries that test the receiving end");
  adv->add_option("--duplicate", f->duplicate, "Deliver each event K times, concurrently, with the same eventId")
      ->check(CLI::Range(1, 1000));
  adv->add_flag("--out-of-order", f->out_of_order, "With several events (or --duplicate), send them shuffled");
  adv->add_option("--skew", f->skew, "Move eventDateTime and the signature timestamp, e.g. -10m or 1h")
      ->check(signed_duration_validator());
  adv->add_flag("--tamper", f->tamper, "Alter the body after signing");
  adv->add_flag("--wrong-secret", f->wrong_secret, "Sign with a random secret instead of --secret");
  cmd->callback([&run, f] { run = [f] { return run_send(*f); }; });
}

} // namespace acx::cli
