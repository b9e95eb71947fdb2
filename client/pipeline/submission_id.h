#ifndef EQUILINK_CLIENT_PIPELINE_SUBMISSION_ID_H_
#define EQUILINK_CLIENT_PIPELINE_SUBMISSION_ID_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace equilink::client {

// The id of a submission of `input_path`: "sub-" and 24 hex characters of a
// SHA-256 over the file's bytes and everything else that decides the batches'
// contents (organisation, profile, linkage key id, rows per batch). Running the
// same submit again therefore yields the same id and the same sequence numbers,
// which is what lets the gateway store each batch once and a re-run resume
// where a killed one stopped. The id reveals nothing of the file's content.
absl::StatusOr<std::string> DeriveSubmissionId(
    const std::string& input_path, absl::string_view organisation_code,
    absl::string_view profile_id, absl::string_view key_id, int rows_per_batch);

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_PIPELINE_SUBMISSION_ID_H_
