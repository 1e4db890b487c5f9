# inspected_tree.sh — sourced by supervise-top's test scripts: runs
# supervise-inspected-tree in the background and waits for the event the
# tests need, each wait bounded.
#   start_tree TREE [ARGS...]  starts it; sets TREE_PID and PORT; its stdin is
#                              fd 7 (`echo fail >&7` triggers a failure):
#                              start other processes with 7>&-, else they
#                              hold it open and the tree never sees its end
#   stop_tree                  closes its stdin and waits for it (bounded)
#   kill_tree                  ends it with SIGTERM and waits for it
#   wait_until SECONDS CMD...  runs CMD every 50 ms until it succeeds;
#                              fails after SECONDS
#   fail MESSAGE               prints "FAIL: MESSAGE" and exits 1
#   show_sanitizer_reports     copies each $WORK/*.err holding a sanitizer
#                              report to stderr (the sanitizer builds look
#                              for them in the test's output); for the trap
# Needs WORK (a private directory) set first; the caller's trap removes it.

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

wait_until() {
  local bound=$1
  shift
  local deadline=$((SECONDS + bound))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.05 # ok-sleep: the poll period of a bounded wait for the condition
  done
}

start_tree() {
  rm -f "$WORK/tree.in" "$WORK/tree.out"
  mkfifo "$WORK/tree.in"
  "$@" <"$WORK/tree.in" >"$WORK/tree.out" 2>"$WORK/tree.err" &
  TREE_PID=$!
  exec 7>"$WORK/tree.in"
  wait_until 30 grep -q '^PORT ' "$WORK/tree.out" ||
    fail "the inspected tree did not print PORT: $(cat "$WORK/tree.err")"
  PORT=$(sed -n 's/^PORT \([0-9]*\)$/\1/p' "$WORK/tree.out")
}

stop_tree() {
  [ -n "${TREE_PID:-}" ] || return 0
  exec 7>&- || true
  wait_until 15 tree_ended || kill -KILL "$TREE_PID" 2>/dev/null || true
  wait "$TREE_PID" 2>/dev/null || true
  TREE_PID=
}

kill_tree() {
  kill -TERM "$TREE_PID"
  wait "$TREE_PID" 2>/dev/null || true
  TREE_PID=
  exec 7>&-
}

show_sanitizer_reports() {
  local f
  for f in "$WORK"/*.err; do
    [ -f "$f" ] || continue
    if grep -qE 'ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer|runtime error:' "$f"; then
      echo "--- $(basename "$f"):" >&2
      cat "$f" >&2
    fi
  done
}

tree_ended() {
  ! kill -0 "$TREE_PID" 2>/dev/null
}

top_ended() {
  ! kill -0 "$TOP_PID" 2>/dev/null
}
