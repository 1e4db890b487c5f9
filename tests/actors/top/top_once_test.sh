#!/usr/bin/env bash
# supervise-top --once against a known tree (supervise-inspected-tree): the
# text checked line by line (names, indentation, states), --json read by
# Python's json module, --dot's edges, --filter keeping a subtree and its
# ancestor, two endpoints, bad arguments (exit 2 naming the value), a closed
# port (exit 1 naming host:port).
# Usage: top_once_test.sh SUPERVISE_TOP SUPERVISE_INSPECTED_TREE
set -euo pipefail
TOP=$1
WORK=$(mktemp -d)
source "$(dirname "$0")/inspected_tree.sh"
trap 'stop_tree; show_sanitizer_reports; rm -rf "$WORK"' EXIT
start_tree "$2"
EP=127.0.0.1:$PORT

# name (with its indentation) and state of each line of render_text's format
names_and_states() {
  sed -E 's/^(.{24}) (.{8}).*$/\1|\2/; s/ *\|/|/; s/ *$//'
}

"$TOP" --once "$EP" >"$WORK/text" || fail "--once exited with $?"
names_and_states <"$WORK/text" >"$WORK/text.got"
cat >"$WORK/text.want" <<'WANT'
root|HEALTHY
  inspect|HEALTHY
  api|HEALTHY
    db|HEALTHY
    cache|HEALTHY
  web|HEALTHY
  migrate|DONE
  flaky|HEALTHY
WANT
diff -u "$WORK/text.want" "$WORK/text.got" || fail "--once text differs from the known tree"
grep -q '^root  *HEALTHY   restarts=0 ' "$WORK/text" || fail "no restarts column: $(head -1 "$WORK/text")"

# Prints the Python expression $2 over the JSON document in file $1 (as d).
json_value() {
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
"$TOP" --once --json "$EP" >"$WORK/json" || fail "--once --json exited with $?"
got=$(json_value "$WORK/json" '(len(d), d[0]["endpoint"], d[0]["root"])')
[ "$got" = "(1, '$EP', 'root')" ] || fail "--json: not one object for $EP: $got"
got=$(json_value "$WORK/json" '" ".join(n["dn"] for n in d[0]["nodes"])')
[ "$got" = "root root.inspect root.api root.api.db root.api.cache root.web root.migrate root.flaky" ] ||
  fail "--json DNs: $got"
got=$(json_value "$WORK/json" '[float(n["accounting"]["threshold"]) for n in d[0]["nodes"] if n.get("accounting")]')
[ "$got" = "[5.0]" ] || fail "--json: the accounting of root.api (the only supervisor): $got"

"$TOP" --once --dot "$EP" >"$WORK/dot" || fail "--once --dot exited with $?"
[ "$(head -1 "$WORK/dot")" = "digraph supervision {" ] || fail "--dot: $(head -1 "$WORK/dot")"
for edge in '"root" -> "root.api"' '"root.api" -> "root.api.db"' '"root.api" -> "root.api.cache"' \
            '"root" -> "root.flaky"'; do
  grep -qF "  $edge;" "$WORK/dot" || fail "--dot lacks the edge $edge"
done
[ "$(grep -c -- ' -> ' "$WORK/dot")" = 7 ] || fail "--dot: not 7 edges"

"$TOP" --once --filter 'root.api*' "$EP" | names_and_states >"$WORK/filtered"
printf 'root|HEALTHY\n  api|HEALTHY\n    db|HEALTHY\n    cache|HEALTHY\n' >"$WORK/filtered.want"
diff -u "$WORK/filtered.want" "$WORK/filtered" || fail "--filter 'root.api*'"
"$TOP" --once --json --filter web "$EP" >"$WORK/json"
got=$(json_value "$WORK/json" '" ".join(n["dn"] for n in d[0]["nodes"])')
[ "$got" = "root root.web" ] || fail "--json --filter web: $got"

"$TOP" --once "$EP" "$EP" >"$WORK/two"
[ "$(grep -c "^== $EP root=root\$" "$WORK/two")" = 2 ] || fail "two endpoints: $(cat "$WORK/two")"
"$TOP" --once --dot "$EP" "$EP" | grep -q 'subgraph "cluster_1"' || fail "two endpoints: no cluster"

# Bad arguments: exit 2, the bad value named on stderr.
expect_usage_error() {
  local named=$1
  shift
  local rc=0
  "$TOP" "$@" >"$WORK/out" 2>"$WORK/top.err" || rc=$?
  [ "$rc" = 2 ] || fail "$* exited with $rc, not 2"
  grep -qF -- "$named" "$WORK/top.err" || fail "$*: the message does not name '$named': $(cat "$WORK/top.err")"
  [ ! -s "$WORK/out" ] || fail "$*: wrote to stdout"
}
expect_usage_error "'--bogus'" --bogus "$EP"
expect_usage_error "'127.0.0.1:notaport'" --once 127.0.0.1:notaport
expect_usage_error "'abc'" --interval abc "$EP"
expect_usage_error "'/nonexistent/ca.pem'" --tls-ca /nonexistent/ca.pem "$EP"
expect_usage_error "--dot needs --once" --dot "$EP"

# A closed port: exit 1 naming host:port. A port the kernel just handed out
# and that was closed again is free.
closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rc=0
"$TOP" --once "127.0.0.1:$closed" >"$WORK/out" 2>"$WORK/top.err" || rc=$?
[ "$rc" = 1 ] || fail "a closed port: exit $rc, not 1"
grep -q "127.0.0.1:$closed" "$WORK/top.err" || fail "a closed port: $(cat "$WORK/top.err")"
echo "top_once: ok ($(wc -l <"$WORK/text") nodes)"
