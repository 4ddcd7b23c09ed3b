#!/usr/bin/env bash
# Timed secret rotation: --previous-secret OLD --previous-until TIME lets OLD verify beside the new secret until TIME,
# then refuses it saying it expired (acx verify and acx listen, token and standard, flags and profile keys);
# acx secret rotate prints the new secret and the change to make.
source "$(dirname "$0")/lib.sh"

body="$WORK/body.json"
"$ACX" fixtures show job_created --fresh >"$body"

# 1. acx secret rotate: the new secret alone on stdout, the change on stderr; JSON in one object.
run "$ACX" secret rotate --scheme standard --grace 1h
expect_rc 0 "secret rotate"
expect_eq "$(wc -l <<<"$out")" 1 "one line on stdout: the new secret"
expect_eq "${out:0:6}" "whsec_" "in the scheme's form"
expect_has "$err" '--previous-secret "$OLD" --previous-until 20' "stderr: the flags to give acx listen"
expect_has "$err" "previous_until" "and the profile keys"
run "$ACX" secret rotate --format json
expect_has "$out" '"previousUntil":"20' "JSON: previousUntil"

# 2. acx verify: OLD verifies before its time and is refused after, saying it expired.
old=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
new=$("$ACX" secret new --scheme standard)
"$ACX" sign --scheme standard --secret "$old" "$body" >"$WORK/old.headers"
future=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
past=$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%SZ)
run "$ACX" verify --scheme standard --secret "$new" --previous-secret "$old" --previous-until "$future" \
  -H "@$WORK/old.headers" "$body"
expect_eq "$out" verified "the previous secret verifies before its time"
run "$ACX" verify --scheme standard --secret "$new" --previous-secret "$old" --previous-until "$past" \
  -H "@$WORK/old.headers" "$body"
expect_rc 1 "the previous secret after its time"
expect_has "$err" "signed with the previous secret, which expired at $past" "refused, saying it expired"
run "$ACX" verify --scheme standard --secret "$new" -H "@$WORK/old.headers" "$body"
expect_has "$err" "no signature matched" "without --previous-secret: an ordinary mismatch"
run "$ACX" verify --scheme standard --secret "$new" --previous-secret "$old" -H "@$WORK/old.headers" "$body"
expect_rc 2 "--previous-secret without --previous-until"
expect_has "$err" "needs --previous-until" "says so"
run "$ACX" verify --scheme standard --secret "$new" --previous-secret "$old" --previous-until tomorrow \
  -H "@$WORK/old.headers" "$body"
expect_rc 2 "--previous-until that is not a time"
expect_not_has "$err" "$old" "the secret is not echoed"

# 3. acx listen (token): both tokens until the time, then only the new one; the refusal says it expired.
until_s=$(($(date +%s) + 5 * SCALE)) # room for the listener to start and two sends under a sanitizer
until=$(date -u -d "@$until_s" +%Y-%m-%dT%H:%M:%SZ)
ACX_PREVIOUS_SECRET=old-token start_listener --secret new-token --previous-until "$until"
run "$ACX" send job_created --to "$BASE/webhooks/acculynx" --secret old-token --retries 0
expect_rc 0 "listen takes the previous token before its time"
run "$ACX" send job_created --to "$BASE/webhooks/acculynx" --secret new-token --retries 0
expect_rc 0 "and the new one"
past_until() { (($(date +%s) > until_s)); }
wait_until 10 "the previous token's time to pass" past_until
run "$ACX" send job_created --to "$BASE/webhooks/acculynx" --secret old-token --retries 0
expect_rc 1 "after its time the previous token is refused"
run "$ACX" send job_created --to "$BASE/webhooks/acculynx" --secret new-token --retries 0
expect_rc 0 "the new one still verifies"
stop_listener
expect_has "$(cat "$WORK/listen.err")" "expired at $until" "the listener's refusal says the previous token expired"

# 4. A profile's subscription: previous_token and previous_until.
cat >"$WORK/config.toml" <<TOML
[profiles.p]
[[profiles.p.subscriptions]]
id = "f30009c1-b6e3-432a-9a0e-6932c9fabdd8"
url = "http://127.0.0.1:9/hooks"
token = "new-profile-token"
previous_token = "old-profile-token"
previous_until = "$future"
secret_in = "query"
topics = ["job_created"]
TOML
chmod 600 "$WORK/config.toml"
start_listener --profile p --config "$WORK/config.toml"
for token in old-profile-token new-profile-token; do
  run "$ACX" send job_created --to "$BASE/hooks" --secret "$token" --retries 0
  expect_rc 0 "listen --profile takes $token"
done
stop_listener
finish
