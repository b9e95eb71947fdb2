#!/usr/bin/env bash
# make-dev-pki.sh: a DEVELOPMENT / TEST ONLY public key infrastructure for equilink.
#
#   *** Never use these certificates or keys for real data. In production the gateway's server
#   *** certificate and every organisation's client certificate come from the ICS's own CA,
#   *** and private keys are generated on the machine that uses them (deploy/README.md).
#
# Usage:
#   make-dev-pki.sh <out-dir> [options] org:CODE[:NAME] ... [person:CODE:ID ...]
#
#   org:CODE[:NAME]     one client certificate per organisation. CODE is the organisation's ODS
#                       code, 2-16 characters [A-Z0-9]; it becomes the URI SAN
#                       urn:equilink:org:<CODE>, which is how the gateway knows the organisation.
#                       NAME (optional, letters, digits, space and .,'&()-) goes in the subject's O.
#   person:CODE:ID      one client certificate per member of staff (governance users) of
#                       organisation CODE (also given as org:CODE). ID is 1-64 characters
#                       [a-z0-9._-]; the certificate carries two URI SANs, urn:equilink:org:<CODE>
#                       and urn:equilink:person:<ID>, so the gateway knows both the organisation
#                       (for roles) and the person (for four-eyes checks and the audit trail).
#   --days N            validity of every certificate, in days (default 30: short on purpose)
#   --gateway-dns NAME  an extra DNS SAN on the gateway certificate (repeatable)
#   --other-ca          also make a second, unrelated CA and a client certificate from it that
#                       claims the first organisation (for "certificate from another CA" tests)
#   --expired           also make a client certificate for the first organisation, from the real
#                       CA, that expired in 2020
#   --malformed         also make client certificates from the real CA with no organisation URI
#                       SAN, with two of them, and (for the first organisation) with two person
#                       URI SANs and with a malformed person id
#   --test-certs        all three of the above
#   --force             replace <out-dir> if an earlier run of this script made it (never
#                       anything else)
#
# Output layout (<out-dir> is mode 0700; every *.key is 0600, *.pem 0644):
#   ca.pem, ca.key                  the development CA (EC P-256, self-signed, CA:TRUE)
#   gateway.pem, gateway.key        server certificate: SAN DNS:localhost, IP:127.0.0.1, IP:::1
#                                   (plus --gateway-dns names); EKU serverAuth
#   orgs/<CODE>.pem, orgs/<CODE>.key   client certificate: SAN URI:urn:equilink:org:<CODE>;
#                                   EKU clientAuth
#   people/<ID>.pem, people/<ID>.key   (person:CODE:ID) client certificate: SAN
#                                   URI:urn:equilink:org:<CODE>,URI:urn:equilink:person:<ID>;
#                                   EKU clientAuth
#   test/other-ca.pem, test/other-ca.key, test/other-ca-client.pem, test/other-ca-client.key
#                                   (--other-ca) an unrelated CA and a client cert it issued for
#                                   the first organisation's code
#   test/expired.pem, test/expired.key   (--expired) first organisation, valid 2020-01-01..02-01
#   test/no-org.pem, test/no-org.key     (--malformed) clientAuth cert with no URI SAN
#   test/two-orgs.pem, test/two-orgs.key (--malformed) two urn:equilink:org: URI SANs
#   test/two-people.pem, .key       (--malformed) first organisation, two urn:equilink:person: URIs
#   test/bad-person.pem, .key       (--malformed) first organisation, person id "Not_Valid!"
#   .equilink-dev-pki               marker: lets --force know this directory is ours to replace
#
# Why EC P-256: key generation takes milliseconds (RSA-3072 takes about a second per key), so a
# test can make a fresh PKI on every run; every TLS 1.2/1.3 stack gRPC uses supports it; and its
# ~128-bit security matches RSA-3072.
#
# Why build in a staging directory: a run that fails half way leaves nothing behind, and a
# finished PKI appears at <out-dir> in one rename.
#
# Exit status: 0 on success, 2 on a usage error or a refusal to overwrite, 1 when openssl fails.

set -euo pipefail
umask 077

readonly kProg="${0##*/}"
readonly kMarker=".equilink-dev-pki"
readonly kOrgUri="urn:equilink:org:"
readonly kPersonUri="urn:equilink:person:"
readonly kSubjectTag="equilink DEVELOPMENT ONLY"

usage() {
  sed -n '/^# Usage:/,/^#   --force/p' "$0" | sed 's/^# \{0,1\}//'
}

die() {
  echo "${kProg}: $*" >&2
  exit 2
}

out_dir=""
days=30
other_ca=0
expired=0
malformed=0
force=0
gateway_dns=()
org_codes=()
org_names=()
person_orgs=()
person_ids=()

while (($#)); do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --days)
      (($# >= 2)) || die "--days needs a value"
      [[ "$2" =~ ^[1-9][0-9]{0,4}$ ]] || die "--days must be a whole number of days from 1 to 99999"
      days="$2"; shift 2 ;;
    --gateway-dns)
      (($# >= 2)) || die "--gateway-dns needs a value"
      [[ "$2" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$ ]] || die "--gateway-dns: not a DNS name"
      gateway_dns+=("$2"); shift 2 ;;
    --other-ca) other_ca=1; shift ;;
    --expired) expired=1; shift ;;
    --malformed) malformed=1; shift ;;
    --test-certs) other_ca=1; expired=1; malformed=1; shift ;;
    --force) force=1; shift ;;
    org:*)
      spec="${1#org:}"
      code="${spec%%:*}"
      name="${spec#*:}"
      [[ "$spec" == *:* ]] || name="$code"
      [[ "$code" =~ ^[A-Z0-9]{2,16}$ ]] || die "organisation code must be 2-16 characters A-Z 0-9: '$code'"
      [[ "$name" =~ ^[A-Za-z0-9\ .,\'\&\(\)-]{1,64}$ ]] ||
        die "organisation name must be 1-64 letters, digits, spaces or .,'&()- (code $code)"
      for existing in "${org_codes[@]+"${org_codes[@]}"}"; do
        [[ "$existing" != "$code" ]] || die "organisation $code given twice"
      done
      org_codes+=("$code"); org_names+=("$name"); shift ;;
    person:*)
      spec="${1#person:}"
      [[ "$spec" == *:* ]] || die "person needs person:CODE:ID: '$1'"
      code="${spec%%:*}"
      id="${spec#*:}"
      [[ "$code" =~ ^[A-Z0-9]{2,16}$ ]] || die "organisation code must be 2-16 characters A-Z 0-9: '$code'"
      [[ "$id" =~ ^[a-z0-9._-]{1,64}$ ]] || die "person id must be 1-64 characters a-z 0-9 . _ -: '$id'"
      [[ "$id" != "." && "$id" != ".." ]] || die "person id '$id' is not a file name"
      for existing in "${person_ids[@]+"${person_ids[@]}"}"; do
        [[ "$existing" != "$id" ]] || die "person $id given twice"
      done
      person_orgs+=("$code"); person_ids+=("$id"); shift ;;
    -*) die "unknown option $1 (see --help)" ;;
    *)
      [[ -z "$out_dir" ]] || die "more than one output directory given ('$out_dir', '$1')"
      out_dir="$1"; shift ;;
  esac
done

[[ -n "$out_dir" ]] || { usage >&2; exit 2; }
((${#org_codes[@]} > 0)) || die "give at least one org:CODE[:NAME]"
for i in "${!person_ids[@]}"; do
  found=0
  for code in "${org_codes[@]}"; do [[ "$code" != "${person_orgs[$i]}" ]] || found=1; done
  ((found)) || die "person ${person_ids[$i]}: organisation ${person_orgs[$i]} is not given as org:${person_orgs[$i]}"
done
command -v openssl >/dev/null || die "the openssl command-line tool is required"

out_dir="${out_dir%/}"
if [[ -e "$out_dir" || -L "$out_dir" ]]; then
  [[ -d "$out_dir" && ! -L "$out_dir" ]] || die "$out_dir exists and is not a directory"
  if [[ -n "$(ls -A "$out_dir")" ]]; then
    ((force)) || die "$out_dir is not empty; refusing to overwrite (use --force to replace a PKI this script made)"
    [[ -f "$out_dir/$kMarker" ]] || die "$out_dir was not made by $kProg; refusing to replace it even with --force"
  fi
fi

parent="$(dirname -- "$out_dir")"
[[ -d "$parent" ]] || die "parent directory $parent does not exist"
stage="$(mktemp -d "$parent/.make-dev-pki.XXXXXX")"
trap 'rm -rf -- "$stage"' EXIT
mkdir "$stage/orgs"

# A config with no default extensions: everything a certificate carries is given with -addext
# (the system openssl.cnf would otherwise add v3_ca, making every leaf a CA).
cat >"$stage/.req.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
EOF

run_openssl() {
  local log="$stage/.openssl.log"
  if ! openssl "$@" >"$log" 2>&1; then
    echo "${kProg}: openssl $1 failed:" >&2
    cat "$log" >&2
    exit 1
  fi
}

readonly kNewKey=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc)

# make_ca <base> <common name>: self-signed CA certificate <base>.pem and key <base>.key.
make_ca() {
  run_openssl req -config "$stage/.req.cnf" -x509 "${kNewKey[@]}" -days "$days" \
    -keyout "$1.key" -out "$1.pem" -subj "/O=${kSubjectTag}/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"
}

# issue <ca base> <base> <subject> <eku> <san>: a leaf certificate signed by the CA.
# An empty <san> issues a certificate with no subjectAltName.
issue() {
  local ca="$1" base="$2" subject="$3" eku="$4" san="$5"
  local ext=(-addext "basicConstraints=critical,CA:FALSE"
    -addext "keyUsage=critical,digitalSignature"
    -addext "extendedKeyUsage=$eku")
  [[ -z "$san" ]] || ext+=(-addext "subjectAltName=$san")
  run_openssl req -config "$stage/.req.cnf" -x509 -CA "$ca.pem" -CAkey "$ca.key" \
    "${kNewKey[@]}" -days "$days" -keyout "$base.key" -out "$base.pem" -subj "$subject" "${ext[@]}"
}

org_subject() { echo "/O=$2/OU=${kSubjectTag}/CN=$1"; }

make_ca "$stage/ca" "equilink development CA"

gateway_san="DNS:localhost,IP:127.0.0.1,IP:::1"
for dns in "${gateway_dns[@]+"${gateway_dns[@]}"}"; do gateway_san+=",DNS:$dns"; done
issue "$stage/ca" "$stage/gateway" "/O=${kSubjectTag}/CN=equilink-gateway" serverAuth "$gateway_san"

for i in "${!org_codes[@]}"; do
  code="${org_codes[$i]}"
  issue "$stage/ca" "$stage/orgs/$code" "$(org_subject "$code" "${org_names[$i]}")" clientAuth \
    "URI:${kOrgUri}${code}"
done

if ((${#person_ids[@]} > 0)); then mkdir "$stage/people"; fi
for i in "${!person_ids[@]}"; do
  id="${person_ids[$i]}"
  code="${person_orgs[$i]}"
  issue "$stage/ca" "$stage/people/$id" "/O=${kSubjectTag}/OU=${code}/CN=${id}" clientAuth \
    "URI:${kOrgUri}${code},URI:${kPersonUri}${id}"
done

first="${org_codes[0]}"
first_subject="$(org_subject "$first" "${org_names[0]}")"
if ((other_ca || expired || malformed)); then mkdir "$stage/test"; fi

if ((other_ca)); then
  make_ca "$stage/test/other-ca" "unrelated CA (equilink tests)"
  issue "$stage/test/other-ca" "$stage/test/other-ca-client" "$first_subject" clientAuth \
    "URI:${kOrgUri}${first}"
fi

if ((malformed)); then
  issue "$stage/ca" "$stage/test/no-org" "/O=${kSubjectTag}/CN=no-org" clientAuth \
    "DNS:no-org.invalid"
  issue "$stage/ca" "$stage/test/two-orgs" "/O=${kSubjectTag}/CN=two-orgs" clientAuth \
    "URI:${kOrgUri}${first},URI:${kOrgUri}ZZ99"
  issue "$stage/ca" "$stage/test/two-people" "/O=${kSubjectTag}/CN=two-people" clientAuth \
    "URI:${kOrgUri}${first},URI:${kPersonUri}person-a,URI:${kPersonUri}person-b"
  issue "$stage/ca" "$stage/test/bad-person" "/O=${kSubjectTag}/CN=bad-person" clientAuth \
    "URI:${kOrgUri}${first},URI:${kPersonUri}Not_Valid!"
fi

if ((expired)); then
  # openssl 3.0's `x509 -req` and `req -x509` cannot back-date a certificate; `openssl ca`
  # takes explicit -startdate/-enddate, at the price of a throwaway CA database.
  db="$stage/.cadb"
  mkdir "$db"
  : >"$db/index.txt"
  cat >"$stage/.ca.cnf" <<EOF
[ca]
default_ca = dev
[dev]
database = $db/index.txt
new_certs_dir = $db
rand_serial = yes
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[any]
commonName = supplied
organizationName = optional
organizationalUnitName = optional
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = URI:${kOrgUri}${first}
EOF
  run_openssl req -config "$stage/.req.cnf" -new "${kNewKey[@]}" -keyout "$stage/test/expired.key" \
    -out "$db/expired.csr" -subj "$first_subject"
  run_openssl ca -config "$stage/.ca.cnf" -batch -notext -cert "$stage/ca.pem" \
    -keyfile "$stage/ca.key" -startdate 20200101000000Z -enddate 20200201000000Z \
    -extensions leaf -in "$db/expired.csr" -out "$stage/test/expired.pem"
  rm -rf -- "$db" "$stage/.ca.cnf"
fi

rm -f -- "$stage/.req.cnf" "$stage/.openssl.log"
echo "equilink development PKI: DEVELOPMENT / TEST ONLY. Made by $kProg." >"$stage/$kMarker"
find "$stage" -type d -exec chmod 0700 {} +
find "$stage" -type f -name '*.key' -exec chmod 0600 {} +
find "$stage" -type f \( -name '*.pem' -o -name "$kMarker" \) -exec chmod 0644 {} +

if [[ -d "$out_dir" ]]; then
  if [[ -z "$(ls -A "$out_dir")" ]]; then
    rmdir -- "$out_dir"
  else
    # --force, and the marker was checked above: swap the directories, then drop the old one.
    old="$(mktemp -d "$parent/.make-dev-pki-old.XXXXXX")"
    mv -- "$out_dir" "$old/pki"
    mv -- "$stage" "$out_dir"
    rm -rf -- "$old"
  fi
fi
[[ -d "$out_dir" ]] || mv -- "$stage" "$out_dir"
trap - EXIT

echo "${kProg}: development PKI (NOT for real data) written to $out_dir:" \
  "CA, gateway, ${#org_codes[@]} organisation(s), ${#person_ids[@]} person(s), valid $days days"
