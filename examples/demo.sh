#!/usr/bin/env bash
# The main job end to end on bundled example data (run by `make demo`).
set -uo pipefail
cd "$(dirname "$0")/.."
CD=${1:-.venv/bin/contractdrift}
PY=$(dirname "$CD")/python
mkdir -p out

step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2"; }

step "1. What breaks between two versions of the Orders API spec" \
     "contractdrift diff examples/orders/v1.yaml examples/orders/v2.yaml"
"$CD" diff examples/orders/v1.yaml examples/orders/v2.yaml
code=$?
echo "(exit code $code: 1 means findings at or above --fail-on error, as CI would see it)"
[ "$code" -le 1 ] || exit "$code"

step "2. The same as SARIF for code scanning, and as JSON" \
     "contractdrift diff ... --format sarif -o out/diff.sarif; --format json -o out/diff.json"
"$CD" diff examples/orders/v1.yaml examples/orders/v2.yaml --format sarif -o out/diff.sarif
"$CD" diff examples/orders/v1.yaml examples/orders/v2.yaml --format json -o out/diff.json
echo "wrote out/diff.sarif and out/diff.json"

step "3. Record real traffic: the example service under uvicorn with the ASGI middleware" \
     "python examples/record_traffic.py out/traffic.jsonl 300"
"$PY" examples/record_traffic.py out/traffic.jsonl 300 || exit 2
grep -c "demo-secret-token" out/traffic.jsonl >/dev/null && { echo "secret leaked to disk!"; exit 2; }
echo "(the Authorization header was redacted before it reached disk)"

step "4. Infer what the service really sends, mapped onto the spec's path templates" \
     "contractdrift infer out/traffic.jsonl --spec examples/orders/v2.yaml -o out/inferred.yaml"
"$CD" infer out/traffic.jsonl --spec examples/orders/v2.yaml -o out/inferred.yaml || exit 2
sed -n '1,40p' out/inferred.yaml
echo "... (full document in out/inferred.yaml)"

step "5. Check the recorded traffic against the published spec: every drift pinpointed, counted, located" \
     "contractdrift check out/traffic.jsonl --spec examples/orders/v2.yaml"
"$CD" check out/traffic.jsonl --spec examples/orders/v2.yaml
code=$?
echo "(exit code $code: 1 means findings at or above --fail-on error)"
[ "$code" -le 1 ] || exit "$code"
"$CD" check out/traffic.jsonl --spec examples/orders/v2.yaml --format html -o out/check.html
echo "wrote out/check.html"

step "6. Which v1 -> v2 breaks matter: the diff weighed by the recorded traffic, errors only" \
     "contractdrift diff examples/orders/v1.yaml examples/orders/v2.yaml --traffic out/traffic.jsonl --level error --fail-on-observed"
"$CD" diff examples/orders/v1.yaml examples/orders/v2.yaml --traffic out/traffic.jsonl --level error --fail-on-observed
code=$?
echo "(exit code $code: 1 means a break that recorded traffic exercises; each says how many recorded exchanges it touches)"
[ "$code" -le 1 ] || exit "$code"

step "7. What a client expects (its Pact file, matchers compiled) against the spec, no traffic" \
     "contractdrift check --spec examples/orders/v2.yaml --expect examples/orders/web-shop.pact.json"
"$CD" check --spec examples/orders/v2.yaml --expect examples/orders/web-shop.pact.json
code=$?
echo "(exit code $code: the spec may send a status the client's regex refuses, and a 404 body it never declares)"
[ "$code" -le 1 ] || exit "$code"

step "8. The three-way view: the spec, the client's Pact file and the recorded traffic, errors only" \
     "contractdrift check out/traffic.jsonl --spec examples/orders/v2.yaml --expect examples/orders/web-shop.pact.json --level error"
"$CD" check out/traffic.jsonl --spec examples/orders/v2.yaml --expect examples/orders/web-shop.pact.json --level error
code=$?
echo "(exit code $code: the service sent 'refunded', which the client's regex refuses, and omitted a field it requires)"
[ "$code" -le 1 ] || exit "$code"

step "9. The service's own test suite with the pytest plugin: every test's traffic checked against the spec" \
     "pytest examples/orders/tests --contractdrift-spec examples/orders/v2.yaml --contractdrift-report out/tests.html"
"$PY" -m pytest examples/orders/tests -p no:cacheprovider -p no:randomly -q --color=no \
      --contractdrift-spec examples/orders/v2.yaml --contractdrift-record out/tests.jsonl \
      --contractdrift-report out/tests.html
code=$?
echo "(exit code $code: EXPECTED. test_gift_order_is_free passes its own asserts, but the service sent the amount"
echo " as a number where the spec promises a string; the plugin failed exactly that test, pinpointed above)"
[ "$code" -eq 1 ] || { echo "the example suite should fail exactly one test (exit code 1)"; exit 2; }
"$CD" diff examples/orders/v1.yaml examples/orders/v2.yaml --format html -o out/diff.html
"$CD" check out/traffic.jsonl --spec examples/orders/v2.yaml --expect examples/orders/web-shop.pact.json \
      --format html -o out/three-way.html
"$PY" examples/demo_index.py out

echo
echo "Done. Outputs are in out/; the HTML report of the whole run is out/index.html."
