#!/usr/bin/env bash
# make demo: the whole submission path on this machine, in a temporary folder.
#   1. a development PKI (CA, gateway certificate, two organisations' client certificates)
#   2. a linkage key, shared by the two organisations (never given to the gateway)
#   3. the gateway on 127.0.0.1 (SQLite, WAL, mutual TLS)
#   4. each organisation validates and submits its sample export, shaped like its own
#      case-management system; one file has deliberately bad rows
#   5. what was accepted and rejected and why, and what the gateway stored; then it stops
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/$build"
work=$(mktemp -d -t equilink-demo-XXXXXX)
gateway_pid=""
cleanup() {
  if [ -n "$gateway_pid" ] && kill -0 "$gateway_pid" 2>/dev/null; then
    kill -TERM "$gateway_pid" 2>/dev/null || true
    wait "$gateway_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Development PKI (deploy/pki/make-dev-pki.sh) in $work/pki"
bash "$root/deploy/pki/make-dev-pki.sh" "$work/pki" --days 1 \
  "org:8HX12:Brightside Young Carers" "org:8JK34:Northfield Youth Wellbeing" >/dev/null
ls "$work/pki" "$work/pki/orgs" | sed 's/^/   /'

step "2. Linkage key for the two organisations' linkage domain (mode 0600, stays on their machines)"
"$bin/client/equilink" keygen --key_id=demo-domain-2026 --out="$work/linkage.key"
ls -l "$work/linkage.key" | awk '{print "   " $1, $NF}'

step "3. Gateway on 127.0.0.1 (mutual TLS, SQLite WAL at $work/gateway.db)"
cat > "$work/gateway.textproto" <<CONF
listen_address: "127.0.0.1:0"
tls {
  certificate_file: "pki/gateway.pem"
  private_key_file: "pki/gateway.key"
  ca_file: "pki/ca.pem"
}
store { sqlite_path: "gateway.db" }
accepted_key_ids: "demo-domain-2026"
organisations { code: "8HX12" name: "Brightside Young Carers" roles: "submitter" }
organisations { code: "8JK34" name: "Northfield Youth Wellbeing" roles: "submitter" }
CONF
"$bin/server/equilink-gateway" --config="$work/gateway.textproto" \
  --port_file="$work/port" 2> "$work/gateway.log" &
gateway_pid=$!
for _ in $(seq 1 200); do [ -s "$work/port" ] && break; sleep 0.05; done
port=$(cat "$work/port")
echo "   listening on 127.0.0.1:$port (pid $gateway_pid)"

submit() {
  local org=$1 profile=$2 sample=$3
  step "4. $org: validate, then submit client/samples/$sample through client/profiles/$profile"
  "$bin/client/equilink" validate --profile="$root/client/profiles/$profile" \
    --input="$root/client/samples/$sample" \
    --postcode_lookup="$root/deploy/data/postcode_lookup_demo.csv" \
    --rejects="$work/${org}_rejects.csv" | sed 's/^/   /' || true
  "$bin/client/equilink" submit --profile="$root/client/profiles/$profile" \
    --input="$root/client/samples/$sample" \
    --postcode_lookup="$root/deploy/data/postcode_lookup_demo.csv" \
    --rejects="$work/${org}_rejects.csv" \
    --linkage_key="$work/linkage.key" --gateway="127.0.0.1:$port" \
    --ca="$work/pki/ca.pem" --cert="$work/pki/orgs/$org.pem" --key="$work/pki/orgs/$org.key" \
    --batch_rows=10 | sed 's/^/   /'
  echo "   rejects report (row, field, rule, severity; never a value):"
  sed 's/^/     /' "$work/${org}_rejects.csv" | head -20
}
submit 8HX12 charitylog.textproto charitylog_export.csv
submit 8JK34 lamplight.textproto lamplight_export.csv

step "4b. Run the same submit again: it resumes, nothing is stored twice"
"$bin/client/equilink" submit --profile="$root/client/profiles/charitylog.textproto" \
  --input="$root/client/samples/charitylog_export.csv" \
  --postcode_lookup="$root/deploy/data/postcode_lookup_demo.csv" \
  --linkage_key="$work/linkage.key" --gateway="127.0.0.1:$port" \
  --ca="$work/pki/ca.pem" --cert="$work/pki/orgs/8HX12.pem" --key="$work/pki/orgs/8HX12.key" \
  --batch_rows=10 | grep -E "records sent|records stored" | sed 's/^/   /'

step "5. What the gateway stored"
"$bin/server/equilink-gateway" summary --config="$work/gateway.textproto" | sed 's/^/   /'
echo "   one stored record, as the gateway holds it (tokens and encodings, no identifier):"
sqlite3 "$work/gateway.db" "SELECT hex(substr(record_pseudonym,1,8)) || '…', length(payload) || ' bytes' FROM records LIMIT 3;" 2>/dev/null | sed 's/^/     /' || true

step "Stopping the gateway (SIGTERM: finishes in-flight batches, refuses new ones)"
kill -TERM "$gateway_pid"
wait "$gateway_pid" || true
gateway_pid=""
tail -3 "$work/gateway.log" | sed 's/^/   /'
echo
echo "Demo files are in $work"
