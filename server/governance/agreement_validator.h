#ifndef EQUILINK_SERVER_GOVERNANCE_AGREEMENT_VALIDATOR_H_
#define EQUILINK_SERVER_GOVERNANCE_AGREEMENT_VALIDATOR_H_

// The structural rules every agreement version must meet before it can be
// approved, numbered so that an error, a review note and this code can point
// at the same rule:
//   A1  identity: id, version from 1, title, author; a later version names
//       the hash of the one it supersedes
//   A2  parties: at least two, each with a code and a role, codes unique, at
//       least one controller
//   A3  dates: real dates, each period's end on or after its start, flows
//       inside the agreement's period, review due within that period
//   A4  lawful basis: a UK GDPR Art 6 basis and a common-law basis
//   A5  special category: an Art 9 condition (and a DPA 2018 Schedule 1
//       condition where Art 9 needs one) when special-category items flow
//   A6  purposes: at least one, ids unique, each with a category
//   A7  data items: at least one, each a record field, listed once, with a
//       class; no direct identifier on an agreement that takes submissions
//   A8  flows: at least one, ids unique, a direction, parties named in the
//       agreement in the right role, known purposes, an identifiability level,
//       datasets and a batch limit for submissions
//   A9  population: age range ordered, local authorities as ONS codes
//   A10 retention: an ISO 8601 period and a disposal method
//   A11 opt-outs: a reason when the national data opt-out is not applied;
//       always applied under s251 support
//   A12 output controls: a known disclosure-control profile when data is
//       extracted
//   A13 linkage: a pseudonym domain for record-level flows; a procedure when
//       re-identification is permitted

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "equilink/v1/agreement.pb.h"

namespace equilink::governance {

// Every broken rule, each as "agreement rule A<n>: <what is wrong>", in rule
// order. Empty when the agreement is valid. Messages name fields and rules,
// never values.
std::vector<std::string> FindAgreementRuleViolations(
    const v1::Agreement& agreement);

// OK, or InvalidArgument listing every violation, separated by "; ".
absl::Status ValidateAgreement(const v1::Agreement& agreement);

// Whether items of `item_class` may be released at `level`: a direct
// identifier never, a pseudonym only at record level, an unclassified item
// never.
bool ItemClassPermittedAt(v1::DataItemClass item_class,
                          v1::Identifiability level);

}  // namespace equilink::governance

#endif  // EQUILINK_SERVER_GOVERNANCE_AGREEMENT_VALIDATOR_H_
