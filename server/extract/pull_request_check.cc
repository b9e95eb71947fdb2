#include "server/extract/pull_request_check.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "equilink/v1/record.pb.h"
#include "google/protobuf/descriptor.h"

namespace equilink::extract {

bool IsValidPullRequestId(absl::string_view id) {
  if (id.size() > 64) return false;
  for (const char c : id) {
    if (!(absl::ascii_isalnum(c) || c == '.' || c == '_' || c == ':' ||
          c == '-')) {
      return false;
    }
  }
  return true;
}

bool IsRecordKeyField(absl::string_view field) {
  return field == "record_pseudonym" || field == "nhs_number_token" ||
         field == "match_keys" || field == "bloom";
}

std::optional<PullRequestRefusal> CheckPullRequestShape(
    const v1::PullRequest& request) {
  if (!IsValidPullRequestId(request.request_id())) {
    return PullRequestRefusal{
        "REQUEST", "request_id must be 0-64 characters A-Z a-z 0-9 . _ : -"};
  }
  if (request.dataset_id().empty() || request.purpose_id().empty()) {
    return PullRequestRefusal{"E2", "purpose_id and dataset_id are required"};
  }
  if (request.identifiability() != v1::IDENTIFIABILITY_PSEUDONYMISED_RECORD) {
    return PullRequestRefusal{
        "E3",
        "Pull releases records: only IDENTIFIABILITY_PSEUDONYMISED_RECORD can "
        "be pulled"};
  }
  const google::protobuf::Descriptor* record =
      v1::PseudonymisedRecord::descriptor();
  for (const std::string& field : request.fields()) {
    // Checked before any message or audit entry names a field, so both only
    // ever hold real field names, never text the caller made up.
    if (record->FindFieldByName(field) == nullptr) {
      return PullRequestRefusal{
          "E4", "a requested field is not a PseudonymisedRecord field"};
    }
    if (IsRecordKeyField(field)) {
      return PullRequestRefusal{
          "E4", absl::StrCat("requested field ", field,
                             " is a record key and never released")};
    }
  }
  return std::nullopt;
}

}  // namespace equilink::extract
