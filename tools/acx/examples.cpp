// The examples of the man pages: what a user types, as the README shows it.
#include "command.hpp"
#include "command_tree.hpp"

namespace acx::cli {

namespace {

CLI::App* at(CLI::App& app, std::initializer_list<const char*> path)
{
  CLI::App* cmd = &app;
  for (const char* name : path) {
    cmd = cmd->get_subcommand(name);
  }
  return cmd;
}

} // namespace

void add_examples(CLI::App& app)
{
  examples(&app, {{"A secret, a listener on the default port and journal, and a signed test event to it:",
                   "TOKEN=$(acx secret new)\nacx listen --secret \"$TOKEN\" &\n"
                   "acx send job_created --to http://127.0.0.1:8787/webhooks/acculynx --secret \"$TOKEN\""},
                  {"The events received in the last two hours, as JSON lines:", "acx events list --since 2h | jq ."}});
  examples(at(app, {"listen"}),
           {{"Receive with AccuLynx's token and forward every accepted event to your app, in order:",
             "acx listen --secret-file token --forward-to http://localhost:3000/webhooks"},
            {"In a script: wait for three events, as JSON lines, at most 30 seconds:",
             "acx listen --port 0 --ready-file ready --count 3 --timeout 30s --format json > events.jsonl"},
            {"A laptop pulling a public relay's deliveries:",
             "acx listen --upstream https://relay.example.com --relay-token-file relay.token"}});
  examples(at(app, {"events"}),
           {{"Refused deliveries, with reason and detail:", "acx events list --refused --limit 20"},
            {"One event, with its headers and verdict:", "acx events show 42"},
            {"Keep the journal under 2 GiB:", "acx events prune --keep-size 2GiB"}});
  examples(at(app, {"inspect"}), {{"The journal's page on http://127.0.0.1:8789:", "acx inspect"}});
  examples(at(app, {"send"}),
           {{"One signed event to a listener:",
             "acx send job.milestone.current_changed --to http://127.0.0.1:8787/webhooks/acculynx --secret \"$TOKEN\""},
            {"Load: 20,000 events, 32 at a time:",
             "acx send job_created --to \"$URL\" --secret \"$TOKEN\" -n 20000 -c 32"}});
  examples(at(app, {"replay"}), {{"The last 12 hours of one topic, again, to your app:",
                                  "acx replay --topic job.milestone.current_changed --since 12h --to "
                                  "http://localhost:3000/hooks --secret \"$SECRET\""}});
  examples(at(app, {"check"}), {{"Judge your receiver against the rules:",
                                 "acx check http://127.0.0.1:3000/webhooks/acculynx --secret \"$TOKEN\""},
                                {"In CI, as JUnit:", "acx check --profile default --format junit --output check.xml"}});
  examples(at(app, {"subscribe"}),
           {{"Register a subscription; its token goes into the profile:",
             "acx subscribe --url https://hooks.example.com/acculynx --topic job.milestone.current_changed "
             "--contact you@example.com"}});
  examples(at(app, {"sandbox"}),
           {{"A local AccuLynx on port 8788, then an event from it:",
             "acx sandbox --data-dir ./sandbox --api-key dev-key --port 8788 &\nacx sandbox emit job_created"},
            {"Move a job to a milestone, as AccuLynx's screens would (its event is delivered):",
             "acx sandbox job milestone 0f6e7d8c-2b3a-4c5d-8e9f-a1b2c3d4e5f6 Approved"}});
  examples(at(app, {"trigger"}),
           {{"Create a contact and a job, and wait for job_created to reach the listener's journal:",
             "acx trigger job_created --wait 30s"},
            {"Move a new job to a milestone on the sandbox:",
             "acx trigger job.milestone.current_changed --set milestone=Completed"}});
  examples(at(app, {"api"}), {{"Every contact, a page at a time, within the shared budget:",
                               "acx api get '/contacts?pageSize=100' --paginate"},
                              {"What every acx process spent of the budget in the last minute:", "acx api usage"}});
  examples(at(app, {"sign"}), {{"The headers of a Standard Webhooks signature:",
                                "acx sign --scheme standard --secret \"$SECRET\" event.json > headers.txt"}});
  examples(at(app, {"verify"}), {{"Check a body against the headers it came with (exit 1 when it does not verify):",
                                  "acx verify --scheme standard --secret \"$SECRET\" -H @headers.txt event.json"}});
  examples(at(app, {"secret"}),
           {{"A new token, kept in a file only you can read:", "acx secret new > token && chmod 600 token"}});
  examples(at(app, {"topics"}), {{"Every topic with its description, as JSON:", "acx topics --long --format json"}});
  examples(at(app, {"fixtures"}),
           {{"A sample event with a new eventId and the time now:", "acx fixtures show job.invoice_updated --fresh"}});
  examples(
      at(app, {"schema"}),
      {{"What the journal's deliveries say, against the shipped schemas, kept for --schemas:",
        "acx schema learn --out ./learned"},
       {"Whether they break a receiver (exit 1 when they do):", "acx schema diff shipped ./learned"},
       {"An OpenAPI 3.1 document of every topic's webhook:", "acx schema export --openapi > acculynx.openapi.json"}});
  examples(at(app, {"version"}), {{"The version, commit and libraries, as JSON:", "acx version --format json"}});
  examples(at(app, {"completion"}), {{"Completions in the current bash:", "source <(acx completion bash)"}});
  examples(at(app, {"man"}), {{"Read the page of acx listen without installing it:", "acx man listen | man -l -"}});
}

} // namespace acx::cli
