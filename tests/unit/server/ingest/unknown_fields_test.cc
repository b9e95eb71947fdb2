#include "server/ingest/unknown_fields.h"

#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/unknown_field_set.h"
#include "gtest/gtest.h"

namespace equilink::ingest {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Adds an unknown field to `message` and, through reflection, to one element
// of every message-typed field below it, however deep: whatever the schema
// grows, every nested message is covered.
void FillWithUnknownFields(Message& message, int depth = 0) {
  ASSERT_LT(depth, 8) << "recursive schema";
  const Reflection* reflection = message.GetReflection();
  reflection->MutableUnknownFields(&message)->AddLengthDelimited(1000,
                                                                 "SMUGGLED");
  const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    Message* child = field->is_repeated()
                         ? reflection->AddMessage(&message, field)
                         : reflection->MutableMessage(&message, field);
    FillWithUnknownFields(*child, depth + 1);
  }
}

// The number of messages in the tree that still hold unknown fields.
int CountWithUnknownFields(const Message& message) {
  const Reflection* reflection = message.GetReflection();
  int count = reflection->GetUnknownFields(message).empty() ? 0 : 1;
  const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int j = 0; j < reflection->FieldSize(message, field); ++j) {
        count += CountWithUnknownFields(
            reflection->GetRepeatedMessage(message, field, j));
      }
    } else if (reflection->HasField(message, field)) {
      count += CountWithUnknownFields(reflection->GetMessage(message, field));
    }
  }
  return count;
}

TEST(DropUnknownFieldsTest, EveryNestedMessageOfTheSchemaIsCleared) {
  v1::SubmissionBatch batch;
  FillWithUnknownFields(batch);
  ASSERT_GT(CountWithUnknownFields(batch), 4);
  DropUnknownFields(batch);
  EXPECT_EQ(CountWithUnknownFields(batch), 0);
  EXPECT_EQ(batch.SerializeAsString().find("SMUGGLED"), std::string::npos);
}

TEST(DropUnknownFieldsTest, KnownFieldsAreKept) {
  v1::SubmissionBatch batch;
  batch.set_submission_id("s-1");
  v1::PseudonymisedRecord* record = batch.add_records();
  record->set_lsoa_code("E01000001");
  record->add_match_keys()->set_token("t");
  const std::string before = batch.SerializeAsString();
  DropUnknownFields(batch);
  EXPECT_EQ(batch.SerializeAsString(), before);
}

}  // namespace
}  // namespace equilink::ingest
