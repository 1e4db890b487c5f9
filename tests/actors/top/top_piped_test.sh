#!/usr/bin/env bash
# supervise-top with stdout to a pipe: the tree once as plain text (no
# escape codes), then one line per event. A failure triggered in the tree
# (another process) must arrive as an event line; the time from the
# trigger to the line's arrival is printed (the tree prints the trigger's
# time, a reader stamps each line as it arrives). When the tree ends,
# supervise-top exits 1 with a message naming the endpoint.
# Usage: top_piped_test.sh SUPERVISE_TOP SUPERVISE_INSPECTED_TREE
set -euo pipefail
TOP=$1
WORK=$(mktemp -d)
TOP_PID=
source "$(dirname "$0")/inspected_tree.sh"
trap '[ -z "$TOP_PID" ] || kill "$TOP_PID" 2>/dev/null || true; stop_tree; show_sanitizer_reports; rm -rf "$WORK"' EXIT
start_tree "$2" --backoff 100
EP=127.0.0.1:$PORT

# Each line as "<arrival in µs since the epoch> <line>".
stamp_lines() {
  while IFS= read -r line; do
    printf '%s %s\n' "${EPOCHREALTIME/./}" "$line"
  done
}
"$TOP" "$EP" > >(exec 7>&-; stamp_lines >"$WORK/top.out") 2>"$WORK/top.err" 7>&- &
TOP_PID=$!

wait_until 20 grep -qs ' flaky  *HEALTHY ' "$WORK/top.out" ||
  fail "no tree printed: $(cat "$WORK/top.out" "$WORK/top.err")"
[ "$(grep -c ' restarts=' "$WORK/top.out")" = 8 ] || fail "not 8 tree lines: $(cat "$WORK/top.out")"
if grep -q $'\e' "$WORK/top.out"; then fail "escape codes in piped output"; fi

echo fail >&7
wait_until 20 grep -q '^TRIGGER ' "$WORK/tree.out" || fail "the tree did not trigger: $(cat "$WORK/tree.out")"
trigger_ms=$(sed -n 's/^TRIGGER \([0-9]*\)$/\1/p' "$WORK/tree.out")
wait_until 20 grep -q ' child_failed root.flaky ' "$WORK/top.out" ||
  fail "no child_failed line: $(cat "$WORK/top.out" "$WORK/top.err")"
# "HH:MM:SS.mmm kind dn text"
line=$(grep -m1 ' child_failed root.flaky ' "$WORK/top.out")
echo "$line" | grep -Eq '^[0-9]+ [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} child_failed root\.flaky .*failure on request' ||
  fail "event line format: $line"
arrived_us=${line%% *}
latency_ms=$(( arrived_us / 1000 - trigger_ms ))
echo "latency from the trigger in the tree to the event line in supervise-top: ${latency_ms} ms"
[ "$latency_ms" -lt 2000 ] || fail "the event line took ${latency_ms} ms"
# The restart follows (backoff 100 ms).
wait_until 20 grep -q ' child_started root.flaky ' "$WORK/top.out" ||
  fail "no child_started line: $(cat "$WORK/top.out")"

# The endpoint goes away: exit 1, the endpoint named.
stop_tree
rc=0
wait_until 20 top_ended || fail "supervise-top still runs after the tree ended"
wait "$TOP_PID" || rc=$?
TOP_PID=
[ "$rc" = 1 ] || fail "after the tree ended: exit $rc, not 1"
grep -q "$EP" "$WORK/top.err" || fail "the message does not name $EP: $(cat "$WORK/top.err")"
echo "top_piped: ok ($(cat "$WORK/top.err"))"
