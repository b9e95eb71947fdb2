#ifndef EQUILINK_TESTS_FUZZ_REQUEST_FIXTURES_H_
#define EQUILINK_TESTS_FUZZ_REQUEST_FIXTURES_H_

// The repository's real agreements (deploy/agreements), parsed once, and the
// organisation codes they name: the extract and indicator targets check
// requests against them so the policy code sees agreements that can allow.

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "common/status/check.h"
#include "equilink/v1/agreement.pb.h"
#include "server/governance/agreement_file.h"
#include "tests/fuzz/fuzz_support.h"

namespace equilink::fuzz {

struct RealAgreements {
  std::vector<v1::Agreement> agreements;
  std::vector<std::string> organisation_codes;
  // A day all of them are in force.
  absl::CivilDay day = absl::CivilDay(2026, 11, 23);
};

inline const RealAgreements& GetRealAgreements() {
  static const RealAgreements* const real = [] {
    auto* r = new RealAgreements;
    for (const char* file :
         {"deploy/agreements/qhl_population_health_extract.textproto",
          "deploy/agreements/8hx12_youth_wellbeing_submission.textproto",
          "deploy/agreements/qhl_population_register_submission.textproto"}) {
      absl::StatusOr<v1::Agreement> agreement =
          governance::ParseAgreementText(ReadRepoFile(file));
      EQ_CHECK(agreement.ok());
      for (const v1::Party& party : agreement->parties()) {
        r->organisation_codes.push_back(party.organisation_code());
      }
      r->agreements.push_back(*std::move(agreement));
    }
    return r;
  }();
  return *real;
}

}  // namespace equilink::fuzz

#endif  // EQUILINK_TESTS_FUZZ_REQUEST_FIXTURES_H_
