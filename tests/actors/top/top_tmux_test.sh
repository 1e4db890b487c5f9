#!/usr/bin/env bash
# supervise-top's live screen, driven through tmux (a private server): the
# tree with its states appears, a failure triggered in the tree shows as a
# restart and an event line, the / filter narrows the tree to a subtree and
# its ancestor, a tree that goes away is shown LOST and followed again once
# it is back on its port, and q ends the program with exit code 0.
# Usage: top_tmux_test.sh SUPERVISE_TOP SUPERVISE_INSPECTED_TREE
set -euo pipefail
TOP=$1
WORK=$(mktemp -d)
SOCKET=supervise-top-test-$$
source "$(dirname "$0")/inspected_tree.sh"
trap 'tmux -L "$SOCKET" kill-server 2>/dev/null || true; stop_tree; show_sanitizer_reports; rm -rf "$WORK"' EXIT
start_tree "$2" --backoff 100

pane() {
  tmux -L "$SOCKET" capture-pane -p -t top
}
# True when the pane has a line matching the extended regex $1.
pane_has() {
  pane | grep -Eq -- "$1"
}
session_ended() {
  ! tmux -L "$SOCKET" has-session -t top 2>/dev/null
}
show_pane() {
  echo "--- the pane:" >&2
  pane >&2 || true
}

# The tmux server must not hold the tree's stdin (fd 7) open.
tmux -L "$SOCKET" -f /dev/null new-session -d -s top -x 160 -y 40 \
  "'$TOP' 127.0.0.1:$PORT 2>'$WORK/top.err'; echo \$? >'$WORK/rc'" 7>&-
tmux -L "$SOCKET" set-option -t top remain-on-exit off >/dev/null

wait_until 20 pane_has '^    db +HEALTHY ' || { show_pane; fail "db is not shown HEALTHY"; }
for row in '^root +HEALTHY ' '^  api +HEALTHY ' '^    cache +HEALTHY ' '^  web +HEALTHY ' \
           '^  migrate +DONE ' '^  flaky +HEALTHY +0 ' "^127\\.0\\.0\\.1:$PORT +\\[root\\]"; do
  pane_has "$row" || { show_pane; fail "no line matching '$row'"; }
done

echo fail >&7
wait_until 20 pane_has '^  flaky +HEALTHY +1 ' || { show_pane; fail "flaky's restart is not shown"; }
pane_has ' child_failed root\.flaky ' || { show_pane; fail "no child_failed event line"; }
pane_has '^  flaky .*last exit: system::runtime_error' || { show_pane; fail "no last exit"; }

tmux -L "$SOCKET" send-keys -t top / 'root.api*' Enter
wait_until 20 pane_has 'filter: root\.api\*' || { show_pane; fail "the filter is not shown"; }
wait_until 20 pane_has '^    cache +HEALTHY ' || { show_pane; fail "the filtered tree lacks cache"; }
for gone in '^  web ' '^  flaky ' '^  inspect '; do
  if pane_has "$gone"; then show_pane; fail "the filter kept '$gone'"; fi
done
pane_has '^root +HEALTHY ' || { show_pane; fail "the filter dropped the ancestor root"; }

kill_tree
wait_until 20 pane_has "^127\\.0\\.0\\.1:$PORT +\\[root\\] +LOST: " ||
  { show_pane; fail "the lost endpoint is not shown"; }
start_tree "$2" --backoff 100 --port "$PORT"
wait_until 20 pane_has "^127\\.0\\.0\\.1:$PORT +\\[root\\] +8 nodes " ||
  { show_pane; fail "the endpoint back on its port is not followed again"; }

tmux -L "$SOCKET" send-keys -t top q
wait_until 20 session_ended || { show_pane; fail "q did not end supervise-top"; }
[ "$(cat "$WORK/rc")" = 0 ] || fail "supervise-top exited with $(cat "$WORK/rc") after q"
echo "top_tmux: ok"
