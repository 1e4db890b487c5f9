#!/usr/bin/env bash
# supervise-top over mutual TLS: an inspector with a certificate of the
# endpoint's CA gets the tree; one of another CA, and one without TLS, are
# refused (exit 1 naming host:port); a key that does not match its
# certificate is a bad command line (exit 2 naming the file).
# Usage: top_tls_test.sh SUPERVISE_TOP SUPERVISE_INSPECTED_TREE
set -euo pipefail
TOP=$1
WORK=$(mktemp -d)
source "$(dirname "$0")/inspected_tree.sh"
trap 'stop_tree; show_sanitizer_reports; rm -rf "$WORK"' EXIT

# A CA, the endpoint's and the inspector's certificates signed by it, and a
# self-signed certificate of another CA (EC keys: fast).
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
(
  cd "$WORK"
  openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -subj /CN=ca -days 1
  for who in endpoint inspector; do
    openssl req "${ec[@]}" -keyout "$who.key" -out "$who.csr" -subj "/CN=$who"
    openssl x509 -req -in "$who.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$who.pem" -days 1
  done
  openssl req -x509 "${ec[@]}" -keyout other.key -out other.pem -subj /CN=other -days 1
) >"$WORK/openssl.log" 2>&1 || fail "openssl: $(cat "$WORK/openssl.log")"

start_tree "$2" --tls "$WORK/endpoint.pem" "$WORK/endpoint.key" "$WORK/ca.pem"
EP=127.0.0.1:$PORT

"$TOP" --once --tls-cert "$WORK/inspector.pem" --tls-key "$WORK/inspector.key" \
  --tls-ca "$WORK/ca.pem" "$EP" >"$WORK/text" 2>"$WORK/top.err" 7>&- ||
  fail "--once over TLS: $(cat "$WORK/top.err")"
grep -q '^    db  *HEALTHY ' "$WORK/text" || fail "--once over TLS: $(cat "$WORK/text")"

expect_refused() {
  local what=$1
  shift
  local rc=0
  timeout 60 "$TOP" --once "$@" "$EP" >"$WORK/out" 2>"$WORK/top.err" 7>&- || rc=$?
  [ "$rc" = 1 ] || fail "$what: exit $rc, not 1: $(cat "$WORK/top.err")"
  grep -qF "$EP" "$WORK/top.err" || fail "$what: the message does not name $EP: $(cat "$WORK/top.err")"
}
expect_refused "another CA" --tls-cert "$WORK/other.pem" --tls-key "$WORK/other.key" \
  --tls-ca "$WORK/other.pem"
expect_refused "no TLS"

rc=0
"$TOP" --once --tls-cert "$WORK/inspector.pem" --tls-key "$WORK/other.key" \
  --tls-ca "$WORK/ca.pem" "$EP" >"$WORK/out" 2>"$WORK/top.err" 7>&- || rc=$?
[ "$rc" = 2 ] || fail "a key of another certificate: exit $rc, not 2"
grep -qF "$WORK/other.key" "$WORK/top.err" || fail "the message does not name the key: $(cat "$WORK/top.err")"
echo "top_tls: ok"
