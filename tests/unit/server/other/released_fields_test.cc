// The extract's field filter (server/extract/released_fields.h): what it
// keeps parses to exactly the released fields, it finds the NHS number token
// for the opt-out check, and it refuses bytes that are not wire format.

#include "server/extract/released_fields.h"

#include <string>

#include "equilink/v1/record.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace equilink::extract {
namespace {

using v1::PseudonymisedRecord;

PseudonymisedRecord FullRecord() {
  PseudonymisedRecord record;
  record.set_record_pseudonym(std::string(32, 'r'));
  record.set_client_pseudonym(std::string(32, 'c'));
  record.set_nhs_number_status(v1::NHS_NUMBER_VALID);
  record.set_nhs_number_token(std::string(32, 't'));
  record.add_match_keys()->set_token(std::string(32, 'm'));
  record.add_bloom()->set_bits(std::string(128, 'b'));
  record.set_birth_year_month("2012-04");
  record.set_lsoa_code("E01000001");
  record.set_age_at_referral(11);
  record.set_service_type("MH_WELLBEING");
  v1::OutcomeScore* score = record.add_outcomes();
  score->set_instrument("SWEMWBS7");
  score->set_total(21.5);
  record.add_needs("FOOD_INSECURITY");
  record.add_needs("YOUNG_CARER");
  return record;
}

PseudonymisedRecord Released(const ReleasedFieldFilter& filter,
                             const std::string& payload) {
  std::string kept;
  absl::string_view token;
  EXPECT_TRUE(filter.Split(payload, &kept, &token));
  PseudonymisedRecord released;
  EXPECT_TRUE(released.ParseFromString(kept));
  return released;
}

TEST(ReleasedFieldFilterTest, KeepsExactlyTheReleasedFields) {
  const ReleasedFieldFilter filter({10, 11, 14, 27, 28});
  const PseudonymisedRecord released =
      Released(filter, FullRecord().SerializeAsString());
  PseudonymisedRecord expected;
  expected.set_birth_year_month("2012-04");
  expected.set_lsoa_code("E01000001");
  expected.set_age_at_referral(11);
  *expected.mutable_outcomes() = FullRecord().outcomes();
  *expected.mutable_needs() = FullRecord().needs();
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(released, expected))
      << released.ShortDebugString();
}

TEST(ReleasedFieldFilterTest, FindsTheNhsNumberTokenWithoutCopying) {
  const ReleasedFieldFilter filter({10});
  const std::string payload = FullRecord().SerializeAsString();
  absl::string_view token;
  ASSERT_TRUE(filter.Split(payload, nullptr, &token));
  EXPECT_EQ(token, std::string(32, 't'));
  EXPECT_GE(token.data(), payload.data());
  EXPECT_LT(token.data(), payload.data() + payload.size());

  PseudonymisedRecord without = FullRecord();
  without.clear_nhs_number_token();
  ASSERT_TRUE(filter.Split(without.SerializeAsString(), nullptr, &token));
  EXPECT_TRUE(token.empty());
}

TEST(ReleasedFieldFilterTest, KeysAreNeverKeptEvenIfNamed) {
  // The service never names them; the filter still does what it is told, so
  // this pins that keeping field 4 keeps only field 4.
  const ReleasedFieldFilter filter({4});
  const PseudonymisedRecord released =
      Released(filter, FullRecord().SerializeAsString());
  EXPECT_EQ(released.nhs_number_token(), std::string(32, 't'));
  EXPECT_TRUE(released.record_pseudonym().empty());
  EXPECT_EQ(released.bloom_size(), 0);
  EXPECT_EQ(released.match_keys_size(), 0);
}

TEST(ReleasedFieldFilterTest, UnknownFieldsAreDroppedNotPassedThrough) {
  std::string payload = FullRecord().SerializeAsString();
  // Field 99, length-delimited, as a newer client might write it.
  payload += std::string("\x9a\x06\x03new", 6);
  const ReleasedFieldFilter filter({10});
  const PseudonymisedRecord released = Released(filter, payload);
  EXPECT_EQ(released.birth_year_month(), "2012-04");
  EXPECT_EQ(released.GetReflection()->GetUnknownFields(released).field_count(),
            0);
}

TEST(ReleasedFieldFilterTest, LastOccurrenceOfASingularFieldStillWins) {
  PseudonymisedRecord later;
  later.set_lsoa_code("E01000002");
  const std::string payload =
      FullRecord().SerializeAsString() + later.SerializeAsString();
  const ReleasedFieldFilter filter({11});
  EXPECT_EQ(Released(filter, payload).lsoa_code(), "E01000002");
}

TEST(ReleasedFieldFilterTest, MalformedBytesAreRefused) {
  const ReleasedFieldFilter filter({10, 11});
  const std::string payload = FullRecord().SerializeAsString();
  std::string kept;
  absl::string_view token;
  // Truncated in the middle of a length-delimited value.
  EXPECT_FALSE(
      filter.Split(payload.substr(0, payload.size() - 3), &kept, &token));
  // A length running past the end.
  EXPECT_FALSE(filter.Split(std::string("\x52\x7f"
                                        "ab",
                                        4),
                            &kept, &token));
  // A varint that never ends.
  EXPECT_FALSE(filter.Split(std::string(11, '\xff'), &kept, &token));
  // Field number 0, and a group (wire type 3).
  EXPECT_FALSE(filter.Split(std::string("\x02\x00", 2), &kept, &token));
  EXPECT_FALSE(filter.Split(std::string("\x53", 1), &kept, &token));
  // Fixed-width values cut short.
  EXPECT_FALSE(filter.Split(std::string("\x51\x01\x02", 3), &kept, &token));
  EXPECT_FALSE(filter.Split(std::string("\x55\x01", 2), &kept, &token));
  // Empty is a record with no fields.
  EXPECT_TRUE(filter.Split("", &kept, &token));
}

}  // namespace
}  // namespace equilink::extract
