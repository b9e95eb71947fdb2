#!/usr/bin/env bash
# make demo: the whole flow on this machine, in a temporary folder.
#   1. a development PKI (CA, gateway certificate, organisations' client certificates, and
#      personal certificates for three ICS information governance staff)
#   2. a linkage key, shared by the two VCSE organisations (never given to the gateway)
#   3. the gateway on 127.0.0.1 (SQLite, WAL, mutual TLS, audit log)
#   4. data sharing agreements: drafted by one person, approved by two others (four eyes),
#      activated; a self-approval is refused
#   5. each organisation validates and submits its sample export under its agreement; one file
#      has deliberately bad rows; a submission under no agreement is refused
#   6. a synthetic population (equilink synth): the ICS register and two VCSE organisations'
#      exports with realistic errors and a truth file; the gateway links each batch as it
#      arrives, and the linkage report scores it against the truth, by deprivation and ethnicity
#   7. what the gateway stored, the audit trail and its verification, the transparency register
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
  "org:8HX12:Brightside Young Carers" "org:8JK34:Northfield Youth Wellbeing" \
  "org:QHL:Example ICS" "org:QHLPHM:Example ICS population health" "org:9ZZ99:Unlisted Charity" \
  person:QHL:ics-ig-officer-01 person:QHL:caldicott-01 person:QHL:siro-01 >/dev/null
ls "$work/pki" "$work/pki/orgs" "$work/pki/people" | sed 's/^/   /'

step "2. Linkage key for the two organisations' linkage domain (mode 0600, stays on their machines)"
# The key id is the pseudonym domain the agreements name (rule S7).
"$bin/client/equilink" keygen --key_id=bsol-cyp-2026 --out="$work/linkage.key"
ls -l "$work/linkage.key" | awk '{print "   " $1, $NF}'

step "3. Gateway on 127.0.0.1 (mutual TLS, SQLite WAL at $work/gateway.db)"
# The release key: 32 random bytes, 0600, held by the gateway alone; consumers'
# release pseudonyms and pull cursors are derived with it.
(umask 077 && head -c 32 /dev/urandom > "$work/release.key")
cat > "$work/gateway.textproto" <<CONF
listen_address: "127.0.0.1:0"
tls {
  certificate_file: "pki/gateway.pem"
  private_key_file: "pki/gateway.key"
  ca_file: "pki/ca.pem"
}
store { sqlite_path: "gateway.db" }
audit { sqlite_path: "audit.db" checkpoint_signing_key_file: "audit-signing.key" checkpoint_interval: 20 }
extract { release_key_file: "release.key" }
framework { ics_code: "QHL" ics_name: "Birmingham and Solihull"
  local_authorities: "E08000025" local_authorities: "E08000029" }
accepted_key_ids: "bsol-cyp-2026"
organisations { code: "8HX12" name: "Brightside Young Carers" roles: "submitter" }
organisations { code: "8JK34" name: "Northfield Youth Wellbeing" roles: "submitter" }
organisations { code: "9ZZ99" name: "Unlisted Charity" roles: "submitter" }
organisations { code: "QHL" name: "Example ICS governance" roles: "governance" roles: "auditor" roles: "submitter" }
organisations { code: "QHLPHM" name: "Example ICS population health" roles: "consumer" }
# The ICS register holds each child once: a linked person never gets two of its records.
linkage { one_record_per_person_organisations: "QHL" }
CONF
"$bin/server/equilink-gateway" --config="$work/gateway.textproto" \
  --port_file="$work/port" 2> "$work/gateway.log" &
gateway_pid=$!
for _ in $(seq 1 200); do [ -s "$work/port" ] && break; sleep 0.05; done
port=$(cat "$work/port")
echo "   listening on 127.0.0.1:$port (pid $gateway_pid)"

as_person() {  # equilink <args> with a governance person's certificate
  local person=$1; shift
  "$bin/client/equilink" "$@" --gateway="127.0.0.1:$port" --ca="$work/pki/ca.pem" \
    --cert="$work/pki/people/$person.pem" --key="$work/pki/people/$person.key"
}

step "4. Data sharing agreements (deploy/agreements), four eyes"
# 8JK34's agreement is the example with its code: same terms, its own id.
sed -e 's/8HX12/8JK34/g' -e 's/ICS-QHL-DSA-2026-0007/ICS-QHL-DSA-2026-0009/' \
  -e 's/Brightside Young Carers/Northfield Youth Wellbeing/g' \
  "$root/deploy/agreements/8hx12_youth_wellbeing_submission.textproto" > "$work/8jk34_agreement.textproto"
for file in "$root/deploy/agreements/8hx12_youth_wellbeing_submission.textproto" \
            "$work/8jk34_agreement.textproto" \
            "$root/deploy/agreements/qhl_population_register_submission.textproto" \
            "$root/deploy/agreements/qhl_population_health_extract.textproto"; do
  as_person ics-ig-officer-01 agreements create --file="$file" | sed 's/^/   /'
done
echo "   the author approving their own agreement is refused:"
as_person ics-ig-officer-01 agreements approve --id=ICS-QHL-DSA-2026-0007 --version=1 \
  --reason="self-approval" 2>&1 | sed 's/^/     /' || true
for id in ICS-QHL-DSA-2026-0007 ICS-QHL-DSA-2026-0009 ICS-QHL-DSA-2026-0011 \
          ICS-QHL-DSA-2026-0008; do
  as_person caldicott-01 agreements approve --id=$id --version=1 --reason="Caldicott review" >/dev/null
  as_person siro-01 agreements approve --id=$id --version=1 --reason="SIRO review" >/dev/null
  as_person siro-01 agreements activate --id=$id --version=1 --reason="go live" >/dev/null
done
as_person caldicott-01 agreements list | sed 's/^/   /'

submit() {
  local org=$1 profile=$2 sample=$3
  step "5. $org: validate, then submit client/samples/$sample through client/profiles/$profile"
  "$bin/client/equilink" validate --profile="$root/client/profiles/$profile" \
    --input="$root/client/samples/$sample" \
    --postcode_lookup="$root/deploy/data/postcode_lookup_demo.csv" \
    --rejects="$work/${org}_rejects.csv" | sed 's/^/   /' || true
  "$bin/client/equilink" submit --profile="$root/client/profiles/$profile" \
    --input="$root/client/samples/$sample" \
    --postcode_lookup="$root/deploy/data/postcode_lookup_demo.csv" \
    --rejects="$work/${org}_rejects.csv" \
    --linkage_key="$work/linkage.key" --purpose=cyp-health-equity --gateway="127.0.0.1:$port" \
    --ca="$work/pki/ca.pem" --cert="$work/pki/orgs/$org.pem" --key="$work/pki/orgs/$org.key" \
    --batch_rows=10 | sed 's/^/   /'
  echo "   rejects report (row, field, rule, severity; never a value):"
  sed 's/^/     /' "$work/${org}_rejects.csv" | head -20
}
submit 8HX12 charitylog.textproto charitylog_export.csv
submit 8JK34 lamplight.textproto lamplight_export.csv

step "5b. An organisation with no agreement is refused, and nothing of it is stored"
"$bin/client/equilink" submit --profile="$root/client/profiles/charitylog.textproto" \
  --input="$root/client/samples/charitylog_export.csv" \
  --postcode_lookup="$root/deploy/data/postcode_lookup_demo.csv" \
  --linkage_key="$work/linkage.key" --purpose=cyp-health-equity --gateway="127.0.0.1:$port" \
  --ca="$work/pki/ca.pem" --cert="$work/pki/orgs/9ZZ99.pem" --key="$work/pki/orgs/9ZZ99.key" \
  --batch_rows=10 2>&1 | grep -E "S2|refused|rejected|error" | head -3 | sed 's/^/   /' || true

step "5c. Run the same submit again: it resumes, nothing is stored twice"
"$bin/client/equilink" submit --profile="$root/client/profiles/charitylog.textproto" \
  --input="$root/client/samples/charitylog_export.csv" \
  --postcode_lookup="$root/deploy/data/postcode_lookup_demo.csv" \
  --linkage_key="$work/linkage.key" --purpose=cyp-health-equity --gateway="127.0.0.1:$port" \
  --ca="$work/pki/ca.pem" --cert="$work/pki/orgs/8HX12.pem" --key="$work/pki/orgs/8HX12.key" \
  --batch_rows=10 | grep -E "records sent|records stored" | sed 's/^/   /'

step "6. A synthetic population: the ICS register and two organisations' exports (equilink synth)"
# Realistic children and young people of Birmingham and Solihull: nicknames, spelling and
# transliteration variants, typos, moves, twins, NHS numbers missing more often in deprived
# areas and some ethnic groups. The truth file names each record's true person by its record
# pseudonym (never an identifier), so the gateway can score itself.
"$bin/client/equilink" synth --out_dir="$work/synth" --people=4000 --organisations=2 \
  --vcse_records=3000 --seed=2026 --linkage_key="$work/linkage.key" | sed 's/^/   /'
synth_submit() {
  local org=$1 cert=$2 profile=$3 input=$4
  "$bin/client/equilink" submit --profile="$work/synth/profiles/$profile" \
    --input="$work/synth/$input" --postcode_lookup="$work/synth/postcode_lookup.csv" \
    --linkage_key="$work/linkage.key" --purpose=cyp-health-equity --gateway="127.0.0.1:$port" \
    --ca="$work/pki/ca.pem" --cert="$work/pki/orgs/$cert.pem" --key="$work/pki/orgs/$cert.key" \
    --rejects="$work/synth_${org}_rejects.csv" 2>&1 | grep -E "records (sent|stored)|rejected" \
    | sed "s/^/   $org: /"
}
synth_submit QHL QHL synth_population.textproto population.csv
synth_submit 8HX12 8HX12 synth_vcse_8HX12.textproto vcse_8HX12.csv
synth_submit 8JK34 8JK34 synth_vcse_8JK34.textproto vcse_8JK34.csv

step "6b. The gateway links each committed batch as it arrives (linkage worker)"
# The worker links with its starting model, estimates the Fellegi-Sunter model by EM once
# enough records and linkable pairs have arrived, and relinks everyone with it. Wait for both:
# every stored record has a person, and the estimate (model version 1) is committed, so that
# step 6d's relink does not race the worker's own.
for _ in $(seq 1 600); do
  ready=$(sqlite3 "$work/gateway.db" "SELECT (SELECT count(*) FROM records) = \
    (SELECT count(*) FROM record_links) AND (SELECT CAST(value AS INTEGER) FROM linkage_state \
    WHERE name = 'model_version') >= 1;" 2>/dev/null || echo 0)
  [ "$ready" = "1" ] && break
  sleep 0.2
done
sqlite3 "$work/gateway.db" "SELECT 'records linked: ' || count(*) || ', persons: ' ||
  count(DISTINCT person_id) FROM record_links;
  SELECT 'linked by: ' || group_concat(n || ' ' || how, ', ') FROM (SELECT count(*) AS n,
  CASE stage WHEN -1 THEN 'alone' WHEN 0 THEN 'probabilistic' WHEN 1 THEN 'NHS number token'
  ELSE 'match key ' || (stage - 1) END AS how FROM record_links GROUP BY stage);
  SELECT 'model version ' || value FROM linkage_state WHERE name = 'model_version';" \
  | sed 's/^/   /'

step "6c. Linkage report against the truth file: precision, recall, and bias by group"
"$bin/server/equilink-gateway" link-report --config="$work/gateway.textproto" \
  --truth="$work/synth/truth.csv" | sed 's/^/   /'

step "6d. equilink-gateway relink: re-estimate by EM over everyone, link again; ids carried over, merges and splits recorded"
"$bin/server/equilink-gateway" relink --config="$work/gateway.textproto" \
  --reason="demo: parameters reviewed" | sed 's/^/   /'

step "6e. Framework indicators for the ICS's population health team (QHLPHM): by IMD quintile, with the slope index"
# Computed from the linked records, disclosure-controlled with the agreement's profile
# (NHSD_2018: 1-7 shown as *, others rounded to 5), checked against the release ledger.
"$bin/client/equilink" indicators --purpose=cyp-health-equity --from=2022-01-01 \
  --to=2026-12-31 --indicators=ACC-01,ACC-04,ACC-05,DISC-04,MH-04,MH-05 \
  --breakdowns="IMD quintile" --gateway="127.0.0.1:$port" --ca="$work/pki/ca.pem" \
  --cert="$work/pki/orgs/QHLPHM.pem" --key="$work/pki/orgs/QHLPHM.key" | sed 's/^/   /'

step "7. What the gateway stored"
"$bin/server/equilink-gateway" summary --config="$work/gateway.textproto" | sed 's/^/   /'
echo "   one stored record, as the gateway holds it (tokens and encodings, no identifier):"
sqlite3 "$work/gateway.db" "SELECT hex(substr(record_pseudonym,1,8)) || '…', length(payload) || ' bytes' FROM records LIMIT 3;" 2>/dev/null | sed 's/^/     /' || true

step "8. The audit trail: every decision, no identifier (the last 12 entries)"
as_person caldicott-01 audit list | tail -12 | cut -c1-200 | sed 's/^/   /'
echo "   verified against the checkpoint key, taken out of band from the key file:"
openssl pkey -in "$work/audit-signing.key" -pubout -out "$work/audit-public.pem"
as_person caldicott-01 audit checkpoints > "$work/published-checkpoints.jsonl"
as_person caldicott-01 audit verify --public_key="$work/audit-public.pem" \
  --checkpoints="$work/published-checkpoints.jsonl" | sed 's/^/     /'
echo "   a copy of the audit file in which someone with write access turned the first refused"
echo "   batch into an allowed one:"
sqlite3 "$work/audit.db" ".backup '$work/audit-copy.db'"
# The table's append-only triggers stop an accident, not someone who owns the file: drop them.
sqlite3 "$work/audit-copy.db" "DROP TRIGGER audit_entry_no_update;
  UPDATE audit_entry SET decision = 1, rule_id = '' WHERE sequence =
  (SELECT min(sequence) FROM audit_entry WHERE action = 'submission.batch' AND decision = 2);"
"$bin/client/equilink" audit verify --audit_db="$work/audit-copy.db" \
  --public_key="$work/audit-public.pem" --checkpoints="$work/published-checkpoints.jsonl" \
  2>&1 | sed 's/^/     /' || true

step "9. The transparency register (public projection of the active agreements)"
as_person caldicott-01 register export --format=csv | cut -c1-160 | sed 's/^/   /'

step "Stopping the gateway (SIGTERM: finishes in-flight batches, refuses new ones)"
kill -TERM "$gateway_pid"
wait "$gateway_pid" || true
gateway_pid=""
tail -3 "$work/gateway.log" | sed 's/^/   /'
echo
echo "Demo files are in $work"
