// Fuzz target for ExtractService's request decoding and what Pull does with
// bytes. The first byte picks the input; the rest is wire bytes:
//   0: PullRequest (parsed as gRPC hands it to the handler) ->
//      CheckPullRequestShape -> DecodeCursor (release_keys.h) -> CheckExtract
//      against the repository's real agreements, for a consumer picked by the
//      byte's high bits
//   1: a stored PseudonymisedRecord's bytes -> ReleasedFieldFilter::Split,
//      releasing the fields picked by the next four bytes (the raw bytes,
//      and the record as the gateway stores it: parsed and re-serialised)
// Beyond not crashing:
//  - a cursor is refused with InvalidArgument that echoes nothing, and one
//    the gateway issued for the scope decodes to its marks;
//  - on a stored record the filter agrees with protobuf: it is well-formed,
//    what it releases parses to exactly the record with every other field
//    cleared, and the NHS number token it finds is the record's.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/status/check.h"
#include "equilink/v1/extract.pb.h"
#include "equilink/v1/record.pb.h"
#include "server/extract/pull_request_check.h"
#include "server/extract/release_keys.h"
#include "server/extract/released_fields.h"
#include "server/governance/extract_policy.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/request_fixtures.h"

namespace equilink {
namespace {

const extract::ReleaseKeys& Keys() {
  static const extract::ReleaseKeys* const keys = [] {
    absl::StatusOr<std::unique_ptr<extract::ReleaseKeys>> made =
        extract::ReleaseKeys::Create(SecretBytes(std::string(32, 'k')));
    EQ_CHECK(made.ok());
    return made->release();
  }();
  return *keys;
}

void Pull(uint8_t selector, const uint8_t* data, size_t size) {
  v1::PullRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  const fuzz::RealAgreements& real = fuzz::GetRealAgreements();
  const std::string& consumer =
      real.organisation_codes[selector % real.organisation_codes.size()];
  if (std::optional<extract::PullRequestRefusal> refusal =
          extract::CheckPullRequestShape(request)) {
    fuzz::CheckNoEcho(refusal->reason, request);
    return;
  }
  const extract::CursorScope scope{consumer, request.purpose_id(),
                                   request.dataset_id()};
  if (!request.cursor().empty()) {
    absl::StatusOr<extract::CursorMarks> marks =
        Keys().DecodeCursor(scope, request.cursor());
    if (!marks.ok()) {
      EQ_CHECK(absl::IsInvalidArgument(marks.status()));
      fuzz::CheckNoEcho(marks.status().message(), request);
      return;
    }
  }
  const extract::CursorMarks issued{
      static_cast<int64_t>(request.cursor().size()),
      static_cast<int64_t>(size)};
  absl::StatusOr<extract::CursorMarks> decoded =
      Keys().DecodeCursor(scope, Keys().EncodeCursor(scope, issued));
  EQ_CHECK(decoded.ok());
  EQ_CHECK(decoded->record_id_through == issued.record_id_through &&
           decoded->linked_at_through == issued.linked_at_through);

  const governance::PolicyDecision decision = governance::CheckPullExtract(
      real.agreements, consumer, request, real.day);
  fuzz::CheckNoEcho(decision.reason, request);
}

std::vector<int> ReleasedNumbers(uint32_t mask) {
  const google::protobuf::Descriptor* type =
      v1::PseudonymisedRecord::descriptor();
  std::vector<int> numbers;
  for (int i = 0; i < type->field_count(); ++i) {
    if ((mask >> (i % 32)) & 1) numbers.push_back(type->field(i)->number());
  }
  return numbers;
}

// Stored payloads are what the gateway serialised from a parsed, validated
// record, so the differential checks run on that form; the raw bytes only
// have to be walked safely.
void Split(const uint8_t* data, size_t size) {
  if (size < 4) return;
  const uint32_t mask = data[0] | (data[1] << 8) | (data[2] << 16) |
                        (static_cast<uint32_t>(data[3]) << 24);
  const std::vector<int> numbers = ReleasedNumbers(mask);
  const extract::ReleasedFieldFilter filter(numbers);
  const absl::string_view raw(reinterpret_cast<const char*>(data + 4),
                              size - 4);
  std::string released;
  absl::string_view token;
  if (filter.Split(raw, &released, &token)) {
    EQ_CHECK(token.empty() ||
             (token.data() >= raw.data() &&
              token.data() + token.size() <= raw.data() + raw.size()));
  }

  v1::PseudonymisedRecord record;
  if (!record.ParseFromArray(raw.data(), static_cast<int>(raw.size()))) return;
  record.DiscardUnknownFields();  // as DropUnknownFields does at ingest
  const std::string stored = record.SerializeAsString();
  released.clear();
  EQ_CHECK(filter.Split(stored, &released, &token));
  EQ_CHECK(token == record.nhs_number_token());
  v1::PseudonymisedRecord expected = record;
  const google::protobuf::Descriptor* type =
      v1::PseudonymisedRecord::descriptor();
  for (int i = 0; i < type->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = type->field(i);
    if (std::find(numbers.begin(), numbers.end(), field->number()) ==
        numbers.end()) {
      expected.GetReflection()->ClearField(&expected, field);
    }
  }
  v1::PseudonymisedRecord got;
  EQ_CHECK(got.ParseFromString(released));
  // Bytes, not MessageDifferencer: a NaN score never equals itself.
  EQ_CHECK(got.SerializeAsString() == expected.SerializeAsString());
}

}  // namespace
}  // namespace equilink

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] % 2 == 0) {
    equilink::Pull(data[0] >> 1, data + 1, size - 1);
  } else {
    equilink::Split(data + 1, size - 1);
  }
  return 0;
}
