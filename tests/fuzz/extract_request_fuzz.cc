// Fuzz target for ExtractService's request decoding and what Pull does with
// bytes. The first byte picks the input; the rest is wire bytes:
//   0: PullRequest (parsed as gRPC hands it to the handler) -> the field-name
//      check -> DecodeCursor (release_keys.h) -> CheckExtract against the
//      repository's real agreements, for a consumer picked by the byte's
//      high bits
//   1: a stored PseudonymisedRecord's bytes -> ReleasedFieldFilter::Split,
//      releasing the fields picked by the next four bytes
// Beyond not crashing:
//  - a cursor is refused with InvalidArgument that echoes nothing, and one
//    the gateway issued for the scope decodes to its marks;
//  - the filter agrees with protobuf: bytes protobuf parses are well-formed
//    to the filter; what it releases parses to exactly the record with every
//    other field cleared; the NHS number token it finds is the record's.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/status/check.h"
#include "equilink/v1/extract.pb.h"
#include "equilink/v1/record.pb.h"
#include "google/protobuf/util/message_differencer.h"
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
  for (const std::string& field : request.fields()) {
    // E4: checked before any message names a field.
    if (v1::PseudonymisedRecord::descriptor()->FindFieldByName(field) ==
        nullptr) {
      return;
    }
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

  const std::vector<std::string> fields(request.fields().begin(),
                                        request.fields().end());
  governance::ExtractRequest check;
  check.consumer_organisation = consumer;
  check.purpose_id = request.purpose_id();
  check.dataset_id = request.dataset_id();
  check.day = real.day;
  check.level = request.identifiability();
  check.fields = fields;
  const governance::PolicyDecision decision =
      governance::CheckExtract(real.agreements, check);
  fuzz::CheckNoEcho(decision.reason, request);
}

void Split(const uint8_t* data, size_t size) {
  if (size < 4) return;
  const uint32_t mask = data[0] | (data[1] << 8) | (data[2] << 16) |
                        (static_cast<uint32_t>(data[3]) << 24);
  const absl::string_view payload(reinterpret_cast<const char*>(data + 4),
                                  size - 4);
  const google::protobuf::Descriptor* type =
      v1::PseudonymisedRecord::descriptor();
  std::vector<int> numbers;
  for (int i = 0; i < type->field_count(); ++i) {
    if ((mask >> (i % 32)) & 1) numbers.push_back(type->field(i)->number());
  }
  const extract::ReleasedFieldFilter filter(numbers);
  std::string released;
  absl::string_view token;
  const bool split = filter.Split(payload, &released, &token);

  v1::PseudonymisedRecord record;
  if (!record.ParseFromArray(payload.data(),
                             static_cast<int>(payload.size()))) {
    return;
  }
  EQ_CHECK(split);
  EQ_CHECK(token == record.nhs_number_token());
  EQ_CHECK(token.empty() ||
           (token.data() >= payload.data() &&
            token.data() + token.size() <= payload.data() + payload.size()));
  v1::PseudonymisedRecord expected = record;
  for (int i = 0; i < type->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = type->field(i);
    if (std::find(numbers.begin(), numbers.end(), field->number()) ==
        numbers.end()) {
      expected.GetReflection()->ClearField(&expected, field);
    }
  }
  expected.DiscardUnknownFields();
  v1::PseudonymisedRecord got;
  EQ_CHECK(got.ParseFromString(released));
  EQ_CHECK(google::protobuf::util::MessageDifferencer::Equals(got, expected));
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
