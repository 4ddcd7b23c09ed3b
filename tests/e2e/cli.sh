#!/usr/bin/env bash
# Usage errors exit 2 and say what was wrong; the small commands print what they promise.
source "$(dirname "$0")/lib.sh"

# Plain acx, and a command of commands given none: the help, on stdout, as --help prints it.
run "$ACX"
expect_rc 0 "plain acx"
expect_eq "$out" "$("$ACX" --help)" "plain acx prints the help"
expect_eq "$err" "" "and no error"

run "$ACX" frobnicate
expect_rc 2 "unknown subcommand"

run "$ACX" sign --bogus
expect_rc 2 "unknown flag"
expect_has "$err" "--bogus" "unknown flag is named"
expect_has "$err" "Run 'acx sign --help'" "points at the subcommand's help"

run "$ACX" verify --scheme rot13 --secret x /dev/null
expect_rc 2 "unknown scheme"
expect_has "$err" "--scheme: unknown scheme 'rot13': expected one of standard, svix, hmac, github, shopify, token, none" "scheme message"

run "$ACX" verify --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw --tolerance soon /dev/null
expect_rc 2 "bad duration"
expect_has "$err" "--tolerance: expected a duration such as 300s, 5m or 1h30m, got 'soon'" "duration message"

# Durations, sizes and times are read once, as the flags are parsed: a bad one is a usage error naming the flag.
run "$ACX" listen --max-body 2x
expect_rc 2 "bad size"
expect_has "$err" "--max-body: expected a size such as 1MiB or 65536, got '2x'" "size message"
run "$ACX" events list --since yesterday
expect_rc 2 "bad time"
expect_has "$err" "--since: expected an RFC 3339 time such as 2026-05-26T14:00:00Z or a duration such as 2h, got 'yesterday'" "time message"
run "$ACX" send job_created --to http://127.0.0.1:9/ --skew 5q
expect_rc 2 "bad signed duration"
expect_has "$err" "--skew: expected a duration such as -10m or 90s, got '5q'" "signed duration message"
run "$ACX" listen --help
expect_has "$out" "--tolerance DURATION (default 5m)" "a duration's default is shown in help"
expect_has "$out" "--max-body SIZE (default 1MiB)" "a size's default is shown in help"
# Help in acx's words: no CLI11 internals, the environment variable once.
expect_has "$out" "--port N (default 8787)" "a port is N with its default"
expect_has "$out" "--format text|json|raw" "a few choices are listed as the value"
expect_not_has "$out" "INT:INT" "no CLI11 type expressions"
expect_not_has "$out" "{8789}" "no CLI11 default-value syntax"
expect_eq "$(grep -o 'ACX_SECRET' <<<"$out" | wc -l)" 1 "the environment variable once"
run "$ACX" subscribe --help
expect_not_has "$out" "TEXT:{" "no 25-topic choice list in help"
# Parse errors in acx's words.
run "$ACX" inspect --format json
expect_rc 2 "an option a command does not have"
expect_has "$err" "'--format' is not an option of acx inspect (acx inspect --help lists them)" "named, with where to look"
run "$ACX" listen --inspect 0
expect_rc 2 "an optional value given apart"
expect_has "$err" "'0' after --inspect: its value goes in the same word, --inspect=0" "says how to give it"
run "$ACX" listen --port 70000
expect_has "$err" "--port: '70000' is not a number from 0 to 65535" "a number out of range"
run "$ACX" send job_created --to
expect_has "$err" "--to: needs a value" "a missing value"
expect_not_has "$err" "required TEXT" "no CLI11 wording"

run "$ACX" sign --timestamp yesterday --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw /dev/null
expect_rc 2 "non-numeric timestamp"
expect_has "$err" "--timestamp" "timestamp flag named"

run "$ACX" verify /dev/null
expect_rc 2 "no secret"
expect_has "$err" "acx: error: acx verify needs the secret to check with: --secret" "missing secret message"
run "$ACX" verify --scheme standard /dev/null
expect_rc 2 "a scheme without its secret"
expect_has "$err" "acx: error: --scheme standard needs at least one --secret" "missing secret message names the scheme"
expect_has "$err" "--scheme none sends or accepts deliveries unsigned" "and the way to do without"

run "$ACX" verify --scheme standard --secret 'whsec_not base64!' /dev/null
expect_rc 2 "bad whsec secret"
expect_has "$err" "--secret #1 is not a Standard Webhooks secret" "bad secret message"
expect_not_has "$err" "not base64!" "bad secret is not echoed"

run "$ACX" verify --scheme token --hmac-header X-Sig --secret t /dev/null
expect_rc 2 "hmac flag with another scheme"

run "$ACX" sign --scheme token --secret t /dev/null
expect_rc 2 "token without --url"
expect_has "$err" "give the consumer URL with --url" "token needs url"

run "$ACX" sign --scheme standard --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw "$WORK/does-not-exist.json"
expect_rc 3 "missing input file"
expect_has "$err" "acx: error: cannot open $WORK/does-not-exist.json: No such file or directory" "missing file message"

run "$ACX" verify --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw -H 'no colon here' /dev/null
expect_rc 2 "malformed -H"
expect_has "$err" "-H 'no colon here': expected 'Name: value'" "malformed -H message"

run "$ACX" verify --secret x --scheme hmac -H "@$WORK" /dev/null
expect_rc 3 "-H @directory"

run "$ACX" --help
expect_rc 0 "--help"
expect_has "$out" "Exit codes:" "help lists exit codes"

run "$ACX" --version
expect_has "$out" "acx " "--version"
run "$ACX" version --format json
version=$(sed -n '1s/^acx (\([0-9.]*\)).*/\1/p' "$SRC/packaging/changelog")
expect_has "$out" "\"version\":\"$version\"" "version json: the version of packaging/changelog's top entry"
expect_has "$out" '"SQLite":{"built_with":"3.' "version json: the libraries"
commit=$(git -C "$SRC" rev-parse --short=12 HEAD 2>/dev/null) && expect_has "$out" "\"commit\":\"$commit" "version json: the commit"
run "$ACX" version
expect_has "$out" "acx $version" "version: the first line"
for lib in OpenSSL SQLite libpq libmicrohttpd cpp-httplib toml++ nlohmann_json fmt CLI11; do
  expect_has "$out" "$lib " "version names $lib"
done

run "$ACX" topics
expect_rc 0 "topics"
expect_eq "$(wc -l <<<"$out" | tr -d ' ')" 23 "23 topics listed"
expect_has "$out" "job.milestone.current_changed" "topics lists the milestone topic"
run "$ACX" topics --format json
expect_has "$out" '"name":"job-milestone-changed"' "topics json"
expect_has "$out" '"legacy":true' "topics json legacy"
expect_eq "$(wc -l <<<"$out")" 23 "topics json: JSON lines, a topic a line"
run "$ACX" topics --long
expect_has "$out" "event: job = {id, milestone: {id, name, isCurrent}, _link}" "topics --long shape, from the schema"

run "$ACX" fixtures list
expect_eq "$(wc -l <<<"$out" | tr -d ' ')" 23 "23 fixtures"
for topic in $out; do
  "$ACX" fixtures show "$topic" >"$WORK/f.json"
  cmp -s "$WORK/f.json" "$SRC/fixtures/$topic.json" || fail "fixtures show $topic differs from fixtures/$topic.json"
  checks=$((checks + 1))
done
run "$ACX" fixtures show job.invoice_updated --fresh
expect_has "$out" '"topicName": "job.invoice_updated"' "fresh fixture keeps the topic"
expect_not_has "$out" "$(grep -o '"eventId": "[^"]*"' "$SRC/fixtures/job.invoice_updated.json")" "fresh eventId"
expect_has "$out" "\"eventDateTime\": \"$(date -u +%Y-%m-%dT)" "fresh eventDateTime is today"

run "$ACX" fixtures show job.roof_changed
expect_rc 2 "unknown fixture topic"
expect_has "$err" "unknown topic 'job.roof_changed': see \`acx fixtures list\`" "unknown topic message"

run "$ACX" fixtures
expect_rc 0 "fixtures without a subcommand"
expect_eq "$out" "$("$ACX" fixtures --help)" "prints its help"
run "$ACX" fixtures --bogus
expect_rc 2 "fixtures with an unknown flag is still an error"

# acx secret new: secrets the schemes take, fresh each time.
run "$ACX" secret new
expect_rc 0 "secret new"
[[ $out =~ ^[0-9a-f]{64}$ ]] && expect_eq ok ok "a token is 256 bits of hex" || expect_eq "$out" "64 hex digits" "a token is 256 bits of hex"
first=$out
run "$ACX" secret new
[[ $out != "$first" ]] && expect_eq ok ok "each secret is fresh" || expect_eq "$out" "another" "each secret is fresh"
run "$ACX" secret new --scheme standard
expect_has "$out" "whsec_" "a standard secret has its prefix"
printf '{}' >"$WORK/secret-body.json"
run "$ACX" sign --scheme standard --secret "$out" "$WORK/secret-body.json"
expect_rc 0 "a made standard secret signs"
run "$ACX" sign --scheme standard --secret 'not a secret!' /dev/null
expect_has "$err" "acx secret new --scheme standard makes one" "a bad secret's error says how to make one"
run "$ACX" secret new --scheme none
expect_rc 2 "no secret for none"

# Typos: the nearest command, flag or topic is suggested.
run "$ACX" lsiten
expect_rc 2 "a mistyped command"
expect_has "$err" "unknown command 'lsiten': did you mean 'listen'?" "the command is suggested"
run "$ACX" listen --prot 9000
expect_rc 2 "a mistyped flag"
expect_has "$err" "unknown option '--prot': did you mean '--port'?" "the flag is suggested"
run "$ACX" send contact_added --to http://127.0.0.1:9/x --duplicat 2
expect_has "$err" "did you mean '--duplicate'?" "a flag of an option group is suggested"
run "$ACX" fixtures show job_creted
expect_has "$err" "did you mean 'job_created'?" "a topic is suggested"
run "$ACX" send job_creted --to http://127.0.0.1:9/x
expect_has "$err" "did you mean job_created?" "send suggests the topic"
run "$ACX" listen --durability dsk
expect_has "$err" "did you mean 'disk'?" "a value is suggested"
run "$ACX" version --format 1
expect_rc 2 "--format takes words only"
expect_has "$err" "unknown format '1': expected text, json" "the words are listed"
run "$ACX" nothing-like-any-command
expect_rc 2 "an unknown command"
expect_not_has "$err" "did you mean" "nothing far is suggested"

# A journal URL acx does not keep journals in is a usage error, not a directory named after its scheme.
cd "$WORK"
run "$ACX" events list --journal 'mysql://root:hunter2@db/acx'
expect_rc 2 "a journal URL of another kind"
expect_has "$err" "acx keeps a journal in a file (a path) or in PostgreSQL (postgresql://user@host/db), not in mysql://" \
  "the URL's kind is named"
expect_not_has "$err" "hunter2" "its password is not"
run "$ACX" listen --port 0 --journal 'mysql://db/acx' --timeout 1s
expect_rc 2 "listen: the same"
expect_eq "$(ls -d "$WORK"/mysql* 2>/dev/null)" "" "no directory named mysql: was made"
cd - >/dev/null

finish
