// Fuzz target: bytes -> an agreement file (text format, or JSON when the
// input starts with '{') -> the version hash -> ValidateAgreement, as
// `equilink governance` and the gateway's registry do. Beyond not crashing:
//  - the canonical bytes parse back to the same agreement and hash the same,
//    so a stored version's hash check cannot fail on content it accepted;
//  - every violation is "agreement rule A<n>: ..." and names no value the
//    file held (agreement_validator.h);
//  - ValidateAgreement refuses exactly when there is a violation.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "common/status/check.h"
#include "server/governance/agreement_file.h"
#include "server/governance/agreement_validator.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using equilink::v1::Agreement;
  namespace governance = equilink::governance;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<Agreement> agreement =
      absl::StartsWith(text, "{") ? governance::ParseAgreementJson(text)
                                  : governance::ParseAgreementText(text);
  if (!agreement.ok()) {
    EQ_CHECK(absl::IsInvalidArgument(agreement.status()));
    return 0;
  }

  const std::string canonical = governance::CanonicalAgreementBytes(*agreement);
  const std::string hash = governance::AgreementVersionHash(*agreement);
  EQ_CHECK(hash.size() == 64);
  EQ_CHECK(governance::VersionHashOfCanonicalBytes(canonical) == hash);
  Agreement reparsed;
  EQ_CHECK(reparsed.ParseFromString(canonical));
  EQ_CHECK(governance::AgreementVersionHash(reparsed) == hash);

  const std::vector<std::string> violations =
      governance::FindAgreementRuleViolations(*agreement);
  for (const std::string& violation : violations) {
    EQ_CHECK(absl::StartsWith(violation, "agreement rule A"));
    equilink::fuzz::CheckNoEcho(violation, *agreement);
  }
  const absl::Status valid = governance::ValidateAgreement(*agreement);
  EQ_CHECK(valid.ok() == violations.empty());
  if (!valid.ok()) equilink::fuzz::CheckNoEcho(valid.message(), *agreement);
  return 0;
}
