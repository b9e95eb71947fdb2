#ifndef EQUILINK_TESTS_UNIT_SERVER_GOVERNANCE_GOVERNANCE_TEST_UTIL_H_
#define EQUILINK_TESTS_UNIT_SERVER_GOVERNANCE_GOVERNANCE_TEST_UTIL_H_

// The example agreements in deploy/agreements/ are the fixtures: a test that
// breaks one rule starts from a real, valid agreement and changes one thing.
// Tests run with the repository root as working directory (equilink_test).

#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "equilink/v1/agreement.pb.h"
#include "equilink/v1/record.pb.h"
#include "gtest/gtest.h"
#include "server/governance/agreement_file.h"
#include "server/governance/agreement_lifecycle.h"

namespace equilink::governance::testing {

inline constexpr char kSubmissionExample[] =
    "deploy/agreements/8hx12_youth_wellbeing_submission.textproto";
inline constexpr char kExtractExample[] =
    "deploy/agreements/qhl_population_health_extract.textproto";

// A day inside both examples' periods and before their review date.
inline constexpr absl::CivilDay kInForceDay(2026, 11, 23);

// Principals of an ICS's information governance: the examples' author and two
// approvers (four eyes).
inline constexpr char kAuthor[] = "urn:equilink:person:ics-ig-officer-01";
inline constexpr char kCaldicottGuardian[] = "urn:equilink:person:caldicott-01";
inline constexpr char kSiro[] = "urn:equilink:person:siro-01";

inline absl::Time At(absl::CivilDay day) {
  return absl::FromCivil(absl::CivilSecond(day), absl::UTCTimeZone());
}

// A request by a governance principal on `day`.
inline TransitionRequest Request(v1::AgreementAction action,
                                 const std::string& principal,
                                 absl::CivilDay day = kInForceDay) {
  TransitionRequest request;
  request.action = action;
  request.actor = Actor{principal, /*has_governance_role=*/true};
  request.time = At(day);
  request.reason = "test";
  return request;
}

inline v1::Agreement LoadExample(const std::string& path,
                                 v1::AgreementStatus status) {
  absl::StatusOr<v1::Agreement> agreement = LoadAgreementFile(path);
  EXPECT_TRUE(agreement.ok()) << agreement.status();
  if (!agreement.ok()) return v1::Agreement();
  agreement->set_status(status);
  return *std::move(agreement);
}

// A record shaped like one the client makes from the Charitylog sample
// export: every field the mapping profile can fill is populated, with values
// of the right form (tokens are 32 arbitrary bytes; nothing here is real).
inline v1::PseudonymisedRecord CharitylogShapedRecord() {
  const std::string token(32, '\x5a');
  v1::PseudonymisedRecord record;
  record.set_record_pseudonym(token);
  record.set_client_pseudonym(token);
  record.set_nhs_number_status(v1::NHS_NUMBER_VALID);
  record.set_nhs_number_token(token);
  for (int kind = 1; kind <= 4; ++kind) {
    v1::MatchKeyToken* key = record.add_match_keys();
    key->set_kind(static_cast<v1::MatchKeyKind>(kind));
    key->set_token(token);
  }
  for (int field = 1; field <= 5; ++field) {
    v1::BloomEncoding* bloom = record.add_bloom();
    bloom->set_field(static_cast<v1::BloomField>(field));
    bloom->set_bits(std::string(128, '\x0f'));
  }
  record.set_birth_year_month("2012-11");
  record.set_lsoa_code("E01009001");
  record.set_sex_code("2");
  record.set_ethnic_category("A");
  record.set_age_at_referral(12);
  record.set_service_type("EARLY_HELP_FAMILY");
  record.set_referral_date("2025-02-14");
  record.set_referral_source("SCHOOL");
  record.set_first_contact_date("2025-03-04");
  record.set_discharge_date("2025-06-30");
  record.set_sessions_offered(10);
  record.set_sessions_attended(8);
  v1::OutcomeScore* outcome = record.add_outcomes();
  outcome->set_instrument("WEMWBS14");
  outcome->set_timepoint("BASELINE");
  outcome->set_date("2025-03-04");
  outcome->set_total(49);
  record.add_needs("YOUNG_CARER");
  return record;
}

}  // namespace equilink::governance::testing

#endif  // EQUILINK_TESTS_UNIT_SERVER_GOVERNANCE_GOVERNANCE_TEST_UTIL_H_
