#!/usr/bin/env bash
# Secrets stay out of sight: read from files or the environment (not the process list), hidden in dry runs and
# listings, blanked in the journal's headers.
source "$(dirname "$0")/lib.sh"
export XDG_CONFIG_HOME=$WORK/config
unset ACX_API_KEY ACX_API_BASE ACX_SECRET
secret=s3cr3t-$RANDOM$RANDOM
printf '# the listener token\n%s\n' "$secret" >"$WORK/secret"
chmod 600 "$WORK/secret"

# --secret-file: the listener verifies with it, and its command line does not hold it.
start_listener --secret-file "$WORK/secret" --format json
expect_not_has "$(tr '\0' ' ' <"/proc/$LPID/cmdline")" "$secret" "the secret is not in the process list"
expect_not_has "$(cat "$WORK/listen.err")" "warning" "a 0600 secret file draws no warning"
run "$ACX" send job_created --to "$BASE/webhooks/acculynx" --scheme token --secret-file "$WORK/secret"
expect_rc 0 "send --secret-file into listen --secret-file"
ACX_SECRET=$secret run "$ACX" send contact_added --to "$BASE/webhooks/acculynx" --scheme token
expect_rc 0 "the secret from ACX_SECRET"
# Credential headers are blanked in the journal.
"$ACX" fixtures show job_updated --fresh >"$WORK/ev.json"
post "$BASE/webhooks/acculynx?token=$secret" "$WORK/ev.json" -H "X-Api-Key: key-$secret" -H "X-Auth-Token: t-$secret" \
  -H "Cookie: session=$secret"
expect_eq "$status" 200 "a delivery with credential headers"
wait_lines "$WORK/listen.out" 3 "three deliveries"
stop_listener
run "$ACX" events show 3 --journal "$WORK/journal.db" --format json
expect_not_has "$out" "$secret" "no credential header is journaled in clear"
expect_eq "$(grep -c '"\[redacted\]"' <<<"$out")" 3 "X-Api-Key, X-Auth-Token and Cookie are blanked"
expect_not_has "$(cat "$WORK/listen.out")" "$secret" "nor printed"
chmod 644 "$WORK/secret"
run "$ACX" sign --secret-file "$WORK/secret" --scheme hmac "$WORK/ev.json"
expect_has "$err" "holds secrets but others may read it (mode 644): chmod 600 it" "a readable secret file is warned of"
chmod 600 "$WORK/secret"
printf '\n# nothing\n' >"$WORK/empty"
run "$ACX" sign --secret-file "$WORK/empty" "$WORK/ev.json"
expect_rc 3 "a secret file without a secret"
expect_has "$err" "holds no secret" "says so"

# replay --dry-run hides the token in the URL (whatever the parameter is called), credential headers, and the secret.
run "$ACX" replay --journal "$WORK/journal.db" --id 1 --scheme token --secret "$secret" --dry-run \
  --to "http://127.0.0.1:9/hook?xtoken=abc$secret&keep=1" -H "Authorization: Bearer $secret"
expect_rc 0 "replay --dry-run"
expect_not_has "$out" "$secret" "the dry run shows no secret"
expect_has "$out" 'keep=1' "other parameters are kept"
expect_has "$out" '"Authorization":"[redacted]"' "the Authorization header is blanked"

# The sandbox's keys from a file; subscriptions are listed with their tokens hidden unless --reveal.
printf 'k-file-1\nk-file-2\n' >"$WORK/keys"
chmod 600 "$WORK/keys"
bg "$ACX" sandbox --port 0 --data-dir "$WORK/sbx" --api-key-file "$WORK/keys" --ready-file "$WORK/sbx.ready" \
  >/dev/null 2>"$WORK/sbx.err"
SPID=$BGPID
ERRFILE=$WORK/sbx.err wait_ready "$WORK/sbx.ready" "$SPID" sandbox || finish
expect_not_has "$(tr '\0' ' ' <"/proc/$SPID/cmdline")" "k-file-2" "the sandbox's keys are not in the process list"
API=http://$(cat "$WORK/sbx.ready")/webhooks/v2
printf 'k-file-2\n' >"$WORK/key"
chmod 600 "$WORK/key"
run "$ACX" subscribe --url http://127.0.0.1:9/hooks --topic job_created --contact a@b.c --api-base "$API" \
  --api-key-file "$WORK/key" --format json
expect_rc 0 "subscribe with --api-key-file"
token=$(node -e 'console.log(JSON.parse(process.argv[1]).secret)' "$out")
run "$ACX" subscriptions list --api-base "$API" --api-key-file "$WORK/key"
expect_not_has "$out" "$token" "subscriptions list hides the token"
expect_has "$out" "token=***" "and says where it is"
run "$ACX" subscriptions list --api-base "$API" --api-key-file "$WORK/key" --reveal
expect_has "$out" "$token" "--reveal shows it"
sub=$(node -e 'console.log(JSON.parse(process.argv[1]).id)' "$(ACX_API_KEY=k-file-2 "$ACX" subscriptions list --api-base "$API" --format json | head -n 1)")
run "$ACX" subscriptions show "$sub" --api-base "$API" --api-key-file "$WORK/key" --format json
expect_rc 0 "subscriptions show of the listed id"
expect_not_has "$out" "$token" "subscriptions show hides the token"
stop_process "$SPID" sandbox

# An --exec command gets none of acx's secrets in its environment (delivery, forward and relay secrets, the API key,
# PostgreSQL's password, a journal URL with a password); the event's variables and the user's own are there.
printf '#!/bin/sh\nenv >"%s"\n' "$WORK/child.env" >"$WORK/dump-env"
chmod +x "$WORK/dump-env"
ACX_SECRET=$secret ACX_FORWARD_SECRET=fwd-$secret ACX_API_KEY=api-$secret ACX_RELAY_TOKEN=relay-$secret \
  PGPASSWORD=pg-$secret MY_APP_SETTING=kept start_listener --scheme token --exec "$WORK/dump-env" --count 1
ACX_SECRET=$secret run "$ACX" send job_created --to "$BASE/webhooks/acculynx" --scheme token
wait_until 10 "the command to run" test -s "$WORK/child.env"
stop_listener
expect_not_has "$(cat "$WORK/child.env")" "$secret" "no secret reaches an --exec command's environment"
expect_has "$(cat "$WORK/child.env")" "ACX_EVENT_ID=" "the event's variables do"
expect_has "$(cat "$WORK/child.env")" "MY_APP_SETTING=kept" "and the user's own"

# --forward-secret-file: forwards signed with the file's secret (the app here: a second listener that verifies with
# it), and the forwarder's command line does not hold it.
JOURNAL=$WORK/app.db start_listener --secret-file "$WORK/secret" --format json
APP_BASE=$BASE APP_PID=$LPID APP_OUT=$WORK/app.out
mv "$WORK/listen.out" "$APP_OUT"
JOURNAL=$WORK/forwarder.db start_listener --forward-to "$APP_BASE/webhooks/acculynx" \
  --forward-secret-file "$WORK/secret" --name app
expect_not_has "$(tr '\0' ' ' <"/proc/$LPID/cmdline")" "$secret" "the forward secret is not in the process list"
"$ACX" send job_created --to "$BASE/webhooks/acculynx" >/dev/null 2>&1
wait_until 20 "the forward, verified by the app" \
  sh -c "test \"\$(sqlite3 '$WORK/app.db' \"SELECT count(*) FROM deliveries WHERE status = 'accepted'\")\" = 1"
stop_listener
LPID=$APP_PID stop_listener
printf '%s\n%s\n' one two >"$WORK/two-secrets" && chmod 600 "$WORK/two-secrets"
run "$ACX" listen --port 0 --forward-to http://127.0.0.1:9/ --forward-secret-file "$WORK/two-secrets" --timeout 1s
expect_rc 2 "a forward secret file with two secrets"
expect_has "$err" "expected one secret in the file, found 2" "says why"

# A URL flag's error never echoes a password or a token.
run "$ACX" listen --upstream "https://user:pw-$secret@relay.example/?token=t-$secret" --relay-token "$secret"
expect_rc 2 "a URL with credentials is a usage error"
expect_not_has "$err" "$secret" "its message hides the password and the token"
expect_has "$err" "***" "and says where they were"

# As a service (systemd sets INVOCATION_ID), a secret on the command line is refused: ps would show it.
INVOCATION_ID=test run "$ACX" listen --port 0 --relay-token "relay-$secret" --timeout 1s
expect_rc 2 "--relay-token on a service's command line"
expect_has "$err" "--relay-token on the command line of a service" "says why"
expect_not_has "$err" "$secret" "without the secret"
INVOCATION_ID=test ACX_RELAY_TOKEN=relay-$secret run "$ACX" listen --port 0 --timeout 1s --journal "$WORK/svc.db"
expect_rc 0 "the same token from the environment file's variable"

finish
