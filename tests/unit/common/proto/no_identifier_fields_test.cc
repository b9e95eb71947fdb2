// No message of the equilink.v1 protocol may be able to carry a raw identifier:
// the schema itself guarantees that NHS numbers, names, full dates of birth,
// postcodes and addresses cannot be put on the wire, whatever a client does.

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "equilink/v1/gateway_config.pb.h"
#include "equilink/v1/mapping.pb.h"
#include "equilink/v1/record.pb.h"
#include "equilink/v1/submission.pb.h"
#include "gtest/gtest.h"

namespace equilink {
namespace {

// Field names that would hold a raw identifier. Names that only mention one of
// these words in a derived sense (record_pseudonym, nhs_number_token,
// nhs_number_status, birth_year_month, lsoa_code) are the pseudonymised or
// generalised forms and are allowed explicitly below.
const char* const kForbiddenWords[] = {
    "nhs_number", "name",     "forename", "surname", "date_of_birth",
    "dob",        "postcode", "address",  "phone",   "email"};
const char* const kAllowedFields[] = {"nhs_number_status", "nhs_number_token"};

void CollectMessages(const google::protobuf::Descriptor* message,
                     std::vector<const google::protobuf::Descriptor*>& out) {
  out.push_back(message);
  for (int i = 0; i < message->nested_type_count(); ++i) {
    CollectMessages(message->nested_type(i), out);
  }
}

TEST(NoIdentifierFieldsTest, WireMessagesHaveNoFieldForARawIdentifier) {
  std::vector<const google::protobuf::Descriptor*> messages;
  for (const google::protobuf::FileDescriptor* file :
       {v1::PseudonymisedRecord::descriptor()->file(),
        v1::SubmissionBatch::descriptor()->file()}) {
    for (int i = 0; i < file->message_type_count(); ++i) {
      CollectMessages(file->message_type(i), messages);
    }
  }
  ASSERT_GT(messages.size(), 5u);
  for (const google::protobuf::Descriptor* message : messages) {
    for (int i = 0; i < message->field_count(); ++i) {
      const std::string field =
          absl::AsciiStrToLower(message->field(i)->name());
      bool allowed = false;
      for (const char* name : kAllowedFields) allowed |= field == name;
      if (allowed) continue;
      for (const char* word : kForbiddenWords) {
        EXPECT_FALSE(absl::StrContains(field, word))
            << message->full_name() << "." << field
            << " looks like a raw identifier";
      }
    }
  }
}

TEST(NoIdentifierFieldsTest, IdentifiersAppearOnlyAsTokensAndEncodings) {
  const google::protobuf::Descriptor* record =
      v1::PseudonymisedRecord::descriptor();
  for (const char* token :
       {"record_pseudonym", "client_pseudonym", "nhs_number_token"}) {
    const google::protobuf::FieldDescriptor* field =
        record->FindFieldByName(token);
    ASSERT_NE(field, nullptr) << token;
    EXPECT_EQ(field->type(), google::protobuf::FieldDescriptor::TYPE_BYTES)
        << token;
  }
  EXPECT_EQ(record->FindFieldByName("birth_year_month")->type(),
            google::protobuf::FieldDescriptor::TYPE_STRING);
}

}  // namespace
}  // namespace equilink
