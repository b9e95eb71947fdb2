#include "common/pseudo/clk/clk_schema.h"

#include <string>

#include "common/pseudo/clk/clk_encoder.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace equilink::clk {
namespace {

using ::testing::HasSubstr;

std::string SchemaWithFeature(const std::string& feature, int version = 3) {
  return R"({"version": )" + std::to_string(version) +
         R"(, "clkConfig": {"l": 1024, "kdf": {"type": "HKDF"}},
             "features": [{"identifier": "ignored_one", "ignored": true}, )" +
         feature + "]}";
}

TEST(ClkSchemaTest, ReadsAVersion3Feature) {
  absl::StatusOr<ClkSchema> schema = ParseClkSchema(SchemaWithFeature(
      R"({"identifier": "name", "format": {"type": "string", "encoding":
          "utf-16", "case": "lower", "maxLength": 30}, "hashing": {
          "comparison": {"type": "ngram", "n": 3, "positional": true},
          "strategy": {"bitsPerFeature": 150},
          "hash": {"type": "doubleHash", "prevent_singularity": true},
          "missingValue": {"sentinel": "N/A"}}})"));
  ASSERT_TRUE(schema.ok()) << schema.status();
  ASSERT_EQ(schema->features.size(), 2u);
  EXPECT_TRUE(schema->features[0].ignored);
  const ClkFeature& f = schema->features[1];
  EXPECT_EQ(f.identifier, "name");
  EXPECT_EQ(f.encoding, ClkTextEncoding::kUtf16);
  EXPECT_EQ(f.text_case, ClkCase::kLower);
  EXPECT_EQ(f.max_length, 30);
  EXPECT_EQ(f.ngram_n, 3);
  EXPECT_TRUE(f.positional);
  EXPECT_EQ(f.strategy, ClkStrategy::kBitsPerFeature);
  EXPECT_EQ(f.strategy_bits, 150);
  EXPECT_EQ(f.hash, ClkHash::kDoubleHash);
  EXPECT_TRUE(f.prevent_singularity);
  EXPECT_EQ(f.missing_sentinel, "N/A");
  EXPECT_EQ(f.missing_replacement, "N/A");  // defaults to the sentinel
  EXPECT_EQ(schema->kdf_hash, "SHA256");
  EXPECT_EQ(schema->kdf_key_size, 64);
  EXPECT_TRUE(schema->kdf_salt.empty());
}

TEST(ClkSchemaTest, ConvertsVersion2AsClkhashDoes) {
  absl::StatusOr<ClkSchema> schema = ParseClkSchema(SchemaWithFeature(
      R"({"identifier": "dob", "format": {"type": "date", "format":
          "%Y-%m-%d"}, "hashing": {"ngram": 1, "positional": true,
          "strategy": {"numBits": 200}}})",
      2));
  ASSERT_TRUE(schema.ok()) << schema.status();
  const ClkFeature& f = schema->features[1];
  EXPECT_EQ(schema->source_version, 2);
  EXPECT_EQ(f.comparison, ClkComparison::kNgram);
  EXPECT_EQ(f.ngram_n, 1);
  EXPECT_TRUE(f.positional);
  EXPECT_EQ(f.strategy, ClkStrategy::kBitsPerFeature);
  EXPECT_EQ(f.strategy_bits, 200);
  EXPECT_EQ(f.hash, ClkHash::kBlakeHash);  // the v2/v3 default
}

TEST(ClkSchemaTest, Version1WeightZeroIgnoresTheFeatureAndRoundsToEven) {
  absl::StatusOr<ClkSchema> schema = ParseClkSchema(R"({"version": 1,
      "clkConfig": {"l": 1024, "k": 25, "hash": {"type": "blakeHash"},
                    "kdf": {"type": "HKDF"}},
      "features": [
        {"identifier": "a", "format": {"type": "string"},
         "hashing": {"ngram": 2, "weight": 0}},
        {"identifier": "b", "format": {"type": "string"},
         "hashing": {"ngram": 2, "weight": 0.5}},
        {"identifier": "c", "format": {"type": "string"},
         "hashing": {"ngram": 2, "weight": 0.1}}]})");
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_TRUE(schema->features[0].ignored);
  EXPECT_EQ(schema->features[1].strategy_bits, 12);  // round(12.5) == 12
  EXPECT_EQ(schema->features[2].strategy_bits, 2);   // round(2.5) == 2
  EXPECT_EQ(schema->features[1].hash, ClkHash::kBlakeHash);
}

TEST(ClkSchemaTest, ErrorsNameTheFeatureAndTheRule) {
  struct Case {
    std::string feature;
    std::string expected;
  };
  const Case cases[] = {
      {R"({"identifier": "name", "format": {"type": "string"}, "hashing":
          {"comparison": {"type": "ngram", "n": 2}}})",
       "feature 1 'name': hashing: strategy is missing"},
      {R"({"identifier": "name", "format": {"type": "string"}, "hashing":
          {"comparison": {"type": "soundex"}, "strategy":
          {"bitsPerToken": 20}}})",
       "feature 1 'name': hashing.comparison: type must be"},
      {R"({"identifier": "name", "format": {"type": "text"}, "hashing":
          {"comparison": {"type": "exact"}, "strategy":
          {"bitsPerToken": 20}}})",
       "feature 1 'name': format: type must be"},
      {R"({"identifier": "dob", "format": {"type": "date"}, "hashing":
          {"comparison": {"type": "exact"}, "strategy":
          {"bitsPerToken": 20}}})",
       "feature 1 'dob': format: a date needs format"},
      {R"({"identifier": "id", "format": {"type": "string", "pattern":
          "[a-z"}, "hashing": {"comparison": {"type": "exact"},
          "strategy": {"bitsPerToken": 20}}})",
       "feature 1 'id': format: pattern is not a valid regular expression"},
      {R"({"identifier": "sex", "format": {"type": "enum", "values":
          ["M"]}, "hashing": {"comparison": {"type": "exact"}, "strategy":
          {"bitsPerToken": 20}, "hash": {"type": "blakeHash",
          "prevent_singularity": true}}})",
       "feature 1 'sex': hashing.hash: prevent_singularity is only for "
       "doubleHash"},
      {R"({"identifier": "n", "format": {"type": "integer"}, "hashing":
          {"comparison": {"type": "numeric", "thresholdDistance": 0,
          "resolution": 2}, "strategy": {"bitsPerToken": 20}}})",
       "feature 1 'n': hashing.comparison: thresholdDistance"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<ClkSchema> schema =
        ParseClkSchema(SchemaWithFeature(c.feature));
    ASSERT_FALSE(schema.ok()) << c.expected;
    EXPECT_EQ(schema.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(schema.status().message(), HasSubstr(c.expected));
  }
}

TEST(ClkSchemaTest, RejectsBadTopLevels) {
  EXPECT_THAT(ParseClkSchema("not json").status().message(),
              HasSubstr("not a JSON object"));
  EXPECT_THAT(ParseClkSchema(R"({"version": 4})").status().message(),
              HasSubstr("version: must be 1, 2 or 3"));
  EXPECT_THAT(ParseClkSchema(R"({"version": 3, "clkConfig": {"l": 1024, "kdf":
          {"type": "PBKDF2"}}, "features": []})")
                  .status()
                  .message(),
              HasSubstr("clkConfig.kdf.type: must be HKDF"));
  EXPECT_THAT(ParseClkSchema(R"({"version": 1, "clkConfig": {"l": 1024, "kdf":
          {"type": "HKDF"}, "hash": {"type": "doubleHash"}},
          "features": []})")
                  .status()
                  .message(),
              HasSubstr("clkConfig.k"));
}

TEST(ClkSchemaTest, EncoderRefusesWhatClkhashCannotHash) {
  // blakeHash needs a power-of-two filter.
  absl::StatusOr<ClkSchema> schema = ParseClkSchema(R"({"version": 3,
      "clkConfig": {"l": 1000, "kdf": {"type": "HKDF"}}, "features": [
      {"identifier": "name", "format": {"type": "string"}, "hashing":
      {"comparison": {"type": "ngram", "n": 2}, "strategy":
      {"bitsPerToken": 20}}}]})");
  ASSERT_TRUE(schema.ok());
  absl::StatusOr<std::unique_ptr<ClkEncoder>> encoder =
      ClkEncoder::Create(*schema, "secret");
  ASSERT_FALSE(encoder.ok());
  EXPECT_THAT(encoder.status().message(),
              HasSubstr("feature 0 'name': blakeHash needs"));

  schema = ParseClkSchema(SchemaWithFeature(
      R"({"identifier": "dob", "format": {"type": "date", "format":
          "%Y-%j"}, "hashing": {"comparison": {"type": "exact"},
          "strategy": {"bitsPerToken": 20}}})"));
  ASSERT_TRUE(schema.ok());
  encoder = ClkEncoder::Create(*schema, "secret");
  ASSERT_FALSE(encoder.ok());
  EXPECT_THAT(encoder.status().message(), HasSubstr("'dob'"));
  EXPECT_THAT(encoder.status().message(), HasSubstr("%j"));
}

}  // namespace
}  // namespace equilink::clk
