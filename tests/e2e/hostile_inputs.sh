#!/usr/bin/env bash
# Untrusted text that reaches a terminal (topics, headers, file names) is escaped, never acted on; inputs that are
# not regular files (devices, FIFOs) or are huge are refused at once, with a message that says what they are.
source "$(dirname "$0")/lib.sh"

esc=$'\e'
bel=$'\a'
c1=$'\xc2\x9b' # CSI as a C1 control in UTF-8
evil="job${esc}]0;pwned${bel}${esc}[2J${c1}31m"

# A topicName with C0 controls (CR/LF could be written into forwarded headers, ESC into terminals) is refused, the
# field named.
start_listener --format text
# In JSON the controls are \u escapes; decoded, they are what a terminal would act on.
json_evil='job\u001b]0;pwned\u0007\u001b[2J\u009b31m'
"$ACX" fixtures show job_created --fresh | sed "s/\"topicName\": \"job_created\"/\"topicName\": \"${json_evil//\\/\\\\}\"/" >"$WORK/evil.json"
post "$BASE/webhooks/acculynx" "$WORK/evil.json"
expect_eq "$status" 400 "a topic with C0 controls is refused"
expect_has "$body" '"path":"$.topicName","message":"a control character' "naming the field"
# One with only C1 and bidirectional controls is accepted (topics AccuLynx adds tomorrow are too), shown escaped.
json_c1='job\u009b31m\u202egnp.exe'
shown_c1='job\u009b31m\u202egnp.exe'
"$ACX" fixtures show job_created --fresh | sed "s/\"topicName\": \"job_created\"/\"topicName\": \"${json_c1//\\/\\\\}\"/" >"$WORK/c1.json"
post "$BASE/webhooks/acculynx" "$WORK/c1.json"
expect_eq "$status" 200 "an unknown topic with C1 and bidi controls is accepted"
wait_lines "$WORK/listen.out" 1 "the pretty line"
pretty=$(cat "$WORK/listen.out")
expect_not_has "$pretty" "$c1" "listen --format text prints no C1 control from a body"
expect_not_has "$pretty" $'\xe2\x80\xae' "listen --format text prints no bidi override from a body"
expect_has "$pretty" "$shown_c1" "the topic is shown escaped"
# A refusal whose detail quotes the body: the stderr line is escaped too.
printf '{"topicName":"%s","eventId":"x"}' "$json_evil" >"$WORK/evil-bad.json"
post "$BASE/webhooks/acculynx" "$WORK/evil-bad.json"
expect_eq "$status" 400 "an invalid envelope with escapes is refused"
stop_listener
expect_not_has "$(cat "$WORK/listen.err")" "$esc" "refusal lines on stderr carry no ESC"

# The journal's tables.
run "$ACX" events list --journal "$WORK/journal.db" --format text
expect_rc 0 "events list"
expect_not_has "$out" "$c1" "events list prints no C1 control"
expect_has "$out" "$shown_c1" "events list shows the topic escaped"
run "$ACX" events stats --journal "$WORK/journal.db" --format text
expect_has "$out" "$shown_c1" "events stats shows the topic escaped"
expect_not_has "$out" "$c1" "events stats prints no C1 control"
seq=$("$ACX" events list --journal "$WORK/journal.db" --format json | node -e 'for (const l of require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean)) { const r = JSON.parse(l); if (r.status === "accepted") console.log(r.seq); }')
run "$ACX" events show "$seq" --journal "$WORK/journal.db" --format text
expect_has "$out" "$shown_c1" "events show shows the topic escaped"
expect_not_has "$out" "$esc" "events show prints no ESC"
expect_not_has "$out" "$c1" "events show prints no C1 control"
expect_not_has "$out" $'\xe2\x80\xae' "events show prints no bidi override"

# File names in error messages.
run "$ACX" send "$WORK/no${esc}[2Jsuch.json" --to http://127.0.0.1:9/ --scheme none
expect_rc 2 "a missing file with escapes in its name"
expect_not_has "$err" "$esc" "the file name in the error is escaped"
expect_has "$err" 'no\x1b[2Jsuch.json' "the file name is shown escaped"

# Inputs that are not regular files, or too large: refused at once, without reading them.
run "$ACX" verify --scheme none /dev/zero
expect_rc 3 "/dev/zero"
expect_has "$err" "/dev/zero is a character device: give a regular file, or - to read standard input" "a device says so"
mkfifo "$WORK/fifo"
run timeout $((10 * SCALE)) "$ACX" send "$WORK/fifo" --to http://127.0.0.1:9/ --scheme none
expect_rc 3 "a FIFO is refused, not waited on"
expect_has "$err" "is a pipe (FIFO)" "a FIFO says so"
truncate -s 2G "$WORK/sparse.json"
printf '{}' >"$WORK/small.json"
run /usr/bin/time -f '%M' "$ACX" verify --scheme none "$WORK/small.json"
base_kb=$(tail -n 1 <<<"$err") # what the process takes anyway (far more under ASan)
run /usr/bin/time -f '%M' "$ACX" verify --scheme none "$WORK/sparse.json"
expect_has "$err" "sparse.json is 2147483648 bytes, larger than the 268435456 allowed" "a 2 GB file is refused by its size"
peak_kb=$(tail -n 1 <<<"$err")
checks=$((checks + 1))
((peak_kb < base_kb + 50000)) || fail "refusing a 2 GB file took $peak_kb KB of memory (a 2-byte file: $base_kb KB)"
run "$ACX" sign --scheme standard --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw "$WORK"
expect_rc 3 "a directory as the body"
expect_has "$err" "is a directory" "a directory says so"

finish
