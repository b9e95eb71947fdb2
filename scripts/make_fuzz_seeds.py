#!/usr/bin/env python3
"""Writes the binary seed inputs of the request-decoding fuzz targets.

Each seed is one selector byte (which request the target decodes) followed by
the request's wire bytes, encoded by protoc from the text below, so the seeds
stay readable and can be regenerated after a schema change:
  python3 scripts/make_fuzz_seeds.py
The text-format seeds (config, agreements, profiles) are plain files in the
corpus directories and need no generator.
"""
import os
import struct
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUZZ = os.path.join(ROOT, "tests", "fuzz")


def encode(message, text):
    return subprocess.run(
        ["protoc", "-I", os.path.join(ROOT, "proto"),
         "--encode=equilink.v1." + message,
         "equilink/v1/submission.proto", "equilink/v1/governance.proto",
         "equilink/v1/extract.proto", "equilink/v1/indicators.proto",
         "equilink/v1/record.proto"],
        input=text.encode(), capture_output=True, check=True).stdout


def varint(n):
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def write(corpus, name, data):
    path = os.path.join(FUZZ, corpus + "_corpus")
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, name), "wb") as f:
        f.write(data)


def octal(raw):
    return "".join("\\%03o" % b for b in raw)


TOKEN = octal(bytes(range(32)))
TOKEN2 = octal(bytes(range(1, 33)))

RECORD = r'''
  record_pseudonym: "%s"
  client_pseudonym: "%s"
  nhs_number_status: NHS_NUMBER_ABSENT
  birth_year_month: "2014-06"
  lsoa_code: "E01009001"
  sex_code: "2"
  ethnic_category: "A"
  age_at_referral: 11
  service_type: "MH_WELLBEING"
  referral_date: "2025-09-15"
  referral_source: "SCHOOL"
  first_contact_date: "2025-10-01"
  sessions_offered: 8
  sessions_attended: 6
  outcomes { instrument: "SWEMWBS7" timepoint: "BASELINE" total: 19 date: "2025-10-01" }
  needs: "YOUNG_CARER"
'''

BATCH = r'''
submission_id: "sub-2025-10-8hx12-01"
sequence: 0
dataset_id: "vcse-service-contacts"
key_id: "bsol-linkage-2025"
mapping_profile_id: "charitylog-v1"
purpose_id: "cyp-health-equity"
last: true
records {%s}
records {%s}
''' % (RECORD % (TOKEN, TOKEN), RECORD % (TOKEN2, TOKEN2))

BAD_RECORDS = r'''
submission_id: "sub-2025-10-8hx12-02"
sequence: 3
dataset_id: "vcse-service-contacts"
key_id: "bsol-linkage-2025"
records { record_pseudonym: "short" nhs_number_status: NHS_NUMBER_VALID }
records { record_pseudonym: "%s" referral_date: "2025-02-30" sex_code: "7" }
records { record_pseudonym: "%s" }
''' % (TOKEN, TOKEN)


def main():
    write("submission_request", "batch_two_records",
          b"\x00" + encode("SubmissionBatch", BATCH))
    write("submission_request", "batch_bad_records",
          b"\x00" + encode("SubmissionBatch", BAD_RECORDS))
    # Field 99 is not in the schema: DropUnknownFields must remove it.
    write("submission_request", "batch_unknown_field",
          b"\x00" + encode("SubmissionBatch", 'submission_id: "s1"') +
          b"\x9a\x06\x03abc")
    write("submission_request", "bad_submission_id",
          b"\x00" + encode("SubmissionBatch", 'submission_id: "../etc"'))
    write("submission_request", "status_request",
          b"\x01" + encode("GetSubmissionStatusRequest",
                           'submission_id: "sub-2025-10-8hx12-01"'))

    with open(os.path.join(ROOT, "deploy", "agreements",
                           "8hx12_youth_wellbeing_submission.textproto")) as f:
        agreement = f.read()
    create = encode("CreateAgreementRequest",
                    "agreement {\n%s\n}" % agreement)
    write("governance_request", "create_real_agreement", b"\x00" + create)
    write("governance_request", "create_invalid_agreement",
          b"\x00" + encode("CreateAgreementRequest",
                           'agreement { agreement_id: "X" version: 1 }'))
    write("governance_request", "get_agreement",
          b"\x01" + encode("GetAgreementRequest",
                           'agreement_id: "ICS-QHL-DSA-2026-0007" version: 1'))
    write("governance_request", "list_agreements", b"\x01")
    write("governance_request", "approve_by_author",
          b"\x02" + encode("TransitionAgreementRequest",
                           'agreement_id: "ICS-QHL-DSA-2026-0007" version: 1 '
                           'action: AGREEMENT_ACTION_APPROVE reason: "ok"'))
    write("governance_request", "approve_by_other",
          b"\x82" + encode("TransitionAgreementRequest",
                           'agreement_id: "ICS-QHL-DSA-2026-0007" version: 1 '
                           'action: AGREEMENT_ACTION_APPROVE reason: "ok"'))
    write("governance_request", "register_organisation",
          b"\x03" + encode("RegisterOrganisationRequest",
                           'organisation { code: "8HX12" name: "Youth Wellbeing" '
                           'roles: "submitter" }'))
    write("governance_request", "suspend_organisation",
          b"\x04" + encode("SetOrganisationStatusRequest",
                           'code: "8HX12" status: ORGANISATION_SUSPENDED '
                           'reason: "DSPT lapsed"'))
    chunk1 = encode("OptOutListChunk",
                    'key_id: "bsol-linkage-2025" description: "NDOP list 2026-11" '
                    'nhs_number_tokens: "%s" nhs_number_tokens: "%s"'
                    % (TOKEN, TOKEN2))
    chunk2 = encode("OptOutListChunk", 'nhs_number_tokens: "%s"' % TOKEN)
    write("governance_request", "optout_two_chunks",
          b"\x05" + varint(len(chunk1)) + chunk1 + varint(len(chunk2)) + chunk2)
    short = encode("OptOutListChunk", 'key_id: "k" nhs_number_tokens: "abc"')
    write("governance_request", "optout_short_token",
          b"\x05" + varint(len(short)) + short)

    write("extract_request", "pull_full",
          b"\x02" + encode("PullRequest",
                           'purpose_id: "cyp-health-equity" '
                           'dataset_id: "vcse-service-contacts" '
                           'identifiability: IDENTIFIABILITY_PSEUDONYMISED_RECORD '
                           'request_id: "req-1"'))
    write("extract_request", "pull_fields_cursor",
          b"\x00" + encode("PullRequest",
                           'purpose_id: "cyp-health-equity" '
                           'dataset_id: "vcse-service-contacts" '
                           'fields: "lsoa_code" fields: "referral_date" '
                           'identifiability: IDENTIFIABILITY_PSEUDONYMISED_RECORD '
                           'cursor: "AAAAAAAAAAAA"'))
    record = encode("PseudonymisedRecord",
                    RECORD % (TOKEN, TOKEN) +
                    'nhs_number_token: "%s"' % TOKEN2)
    write("extract_request", "split_record",
          b"\x01" + struct.pack("<I", 0x0FF0F0F0) + record)
    write("extract_request", "split_truncated",
          b"\x01" + struct.pack("<I", 0xFFFFFFFF) + record[:-5])

    write("indicator_request", "all_indicators",
          b"\x00" + encode("IndicatorRequest",
                           'purpose_id: "cyp-health-equity" '
                           'period_first_day: "2025-04-01" '
                           'period_last_day: "2026-03-31" request_id: "r1"'))
    write("indicator_request", "named_indicators",
          b"\x01" + encode("IndicatorRequest",
                           'purpose_id: "cyp-health-equity" '
                           'indicator_ids: "ACC-01" indicator_ids: "DISC-02" '
                           'period_first_day: "2025-04-01" '
                           'period_last_day: "2026-03-31"'))
    write("indicator_request", "impossible_date",
          b"\x00" + encode("IndicatorRequest",
                           'period_first_day: "2026-02-30" '
                           'period_last_day: "2026-03-31"'))


if __name__ == "__main__":
    main()
