// Known answers from data61/clkhash (tests/data/clkhash/README.md): the two
// regression CLKs of clkhash's test_clk.py (v1 schema, doubleHash), the first
// CLK of its FEBRL4 tutorial (v3 schema, blakeHash) and the tutorial's
// popcount statistics over the whole of both FEBRL4 files.

#include "common/pseudo/clk/clk_encoder.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/pseudo/clk/clk_schema.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace equilink::clk {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

const google::protobuf::Struct& KnownAnswers() {
  static const google::protobuf::Struct* answers = [] {
    auto* parsed = new google::protobuf::Struct;
    const auto status = google::protobuf::util::JsonStringToMessage(
        ReadFile("tests/data/clkhash/clkhash-known-answers.json"), parsed);
    EXPECT_TRUE(status.ok());
    return parsed;
  }();
  return *answers;
}

const google::protobuf::Struct& Vectors(int i) {
  return KnownAnswers()
      .fields()
      .at("vectors_upstream")
      .list_value()
      .values(i)
      .struct_value();
}

std::unique_ptr<ClkEncoder> EncoderFor(const std::string& schema_path,
                                       const std::string& secret) {
  absl::StatusOr<ClkSchema> schema = LoadClkSchemaFile(schema_path);
  EXPECT_TRUE(schema.ok()) << schema.status();
  absl::StatusOr<std::unique_ptr<ClkEncoder>> encoder =
      ClkEncoder::Create(*schema, secret);
  EXPECT_TRUE(encoder.ok()) << encoder.status();
  return *std::move(encoder);
}

TEST(ClkEncoderTest, V1RegressionVectorsOfClkhashTestClk) {
  const google::protobuf::Struct& vectors = Vectors(0);
  ASSERT_EQ(vectors.fields().at("secret").string_value(), "chicken");
  std::unique_ptr<ClkEncoder> encoder =
      EncoderFor("tests/data/clkhash/regression-schema-v1.json", "chicken");
  ASSERT_NE(encoder, nullptr);
  EXPECT_EQ(encoder->schema().source_version, 1);
  const auto& records = vectors.fields().at("records").list_value().values();
  ASSERT_EQ(records.size(), 2);
  for (const auto& record : records) {
    const auto& fields = record.struct_value().fields();
    std::vector<std::string> input;
    for (const auto& value : fields.at("input").list_value().values()) {
      input.push_back(value.string_value());
    }
    absl::StatusOr<std::string> clk = encoder->Encode(input);
    ASSERT_TRUE(clk.ok()) << clk.status();
    EXPECT_EQ(absl::Base64Escape(*clk), fields.at("clk_base64").string_value());
    EXPECT_EQ(ClkPopcount(*clk),
              static_cast<int>(fields.at("popcount").number_value()));
  }
}

TEST(ClkEncoderTest, V1WeightsBecomeBitsPerTokenWithTheGlobalHash) {
  absl::StatusOr<ClkSchema> schema =
      LoadClkSchemaFile("tests/data/clkhash/regression-schema-v1.json");
  ASSERT_TRUE(schema.ok()) << schema.status();
  std::vector<int> bits;
  for (const ClkFeature& feature : schema->features) {
    EXPECT_EQ(feature.hash, ClkHash::kDoubleHash);
    EXPECT_FALSE(feature.prevent_singularity);
    EXPECT_EQ(feature.strategy, ClkStrategy::kBitsPerToken);
    bits.push_back(feature.strategy_bits);
  }
  EXPECT_THAT(bits, ElementsAre(60, 30, 15, 30, 30));
}

std::vector<std::string> FebrlFields(const std::string& line) {
  std::vector<std::string> fields = absl::StrSplit(line, ',');
  // The tutorial reads the files with skipinitialspace.
  for (std::string& field : fields) {
    field = std::string(absl::StripLeadingAsciiWhitespace(field));
  }
  return fields;
}

std::vector<std::vector<std::string>> FebrlRows(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(ReadFile(path));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) rows.push_back(FebrlFields(line));
  }
  return rows;
}

TEST(ClkEncoderTest, FebrlTutorialFirstClk) {
  const google::protobuf::Struct& vectors = Vectors(1);
  ASSERT_EQ(vectors.fields().at("secret").string_value(), "secret");
  const auto& first =
      vectors.fields().at("records").list_value().values(0).struct_value();
  std::unique_ptr<ClkEncoder> encoder =
      EncoderFor("tests/data/clkhash/febrl4-tutorial-schema-v3.json", "secret");
  ASSERT_NE(encoder, nullptr);
  const std::vector<std::vector<std::string>> rows =
      FebrlRows("tests/data/febrl/dataset4a.csv");
  ASSERT_EQ(rows.size(), 5000u);
  ASSERT_EQ(rows[0][0], first.fields().at("rec_id").string_value());
  absl::StatusOr<std::string> clk = encoder->Encode(rows[0]);
  ASSERT_TRUE(clk.ok()) << clk.status();
  EXPECT_EQ(absl::Base64Escape(*clk),
            first.fields().at("clk_base64").string_value());
}

struct PopcountStats {
  double mean = 0;
  double std = 0;
};

PopcountStats EncodeFileStats(const ClkEncoder& encoder,
                              const std::string& path) {
  const std::vector<std::vector<std::string>> rows = FebrlRows(path);
  double sum = 0;
  double sum_squares = 0;
  for (const std::vector<std::string>& row : rows) {
    absl::StatusOr<std::string> clk = encoder.Encode(row);
    EXPECT_TRUE(clk.ok()) << clk.status();
    if (!clk.ok()) continue;
    const double count = ClkPopcount(*clk);
    sum += count;
    sum_squares += count * count;
  }
  const double n = static_cast<double>(rows.size());
  const double mean = sum / n;
  // numpy's std (population), as the tutorial prints it.
  return {.mean = mean, .std = std::sqrt(sum_squares / n - mean * mean)};
}

TEST(ClkEncoderTest, FebrlTutorialPopcountStatistics) {
  const auto& aggregate =
      Vectors(1).fields().at("aggregate").struct_value().fields();
  std::unique_ptr<ClkEncoder> encoder =
      EncoderFor("tests/data/clkhash/febrl4-tutorial-schema-v3.json", "secret");
  ASSERT_NE(encoder, nullptr);
  const PopcountStats a =
      EncodeFileStats(*encoder, "tests/data/febrl/dataset4a.csv");
  const PopcountStats b =
      EncodeFileStats(*encoder, "tests/data/febrl/dataset4b.csv");
  // The tutorial prints the mean rounded to a whole number and the standard
  // deviation to one decimal.
  EXPECT_NEAR(a.mean, aggregate.at("A_popcount_mean").number_value(), 0.5);
  EXPECT_NEAR(a.std, aggregate.at("A_popcount_std").number_value(), 0.05);
  EXPECT_NEAR(b.mean, aggregate.at("B_popcount_mean").number_value(), 0.5);
  EXPECT_NEAR(b.std, aggregate.at("B_popcount_std").number_value(), 0.05);
}

TEST(ClkEncoderTest, FebrlTutorialWith300BitsPerFeature) {
  const auto& aggregate =
      Vectors(1).fields().at("aggregate").struct_value().fields();
  absl::StatusOr<ClkSchema> schema =
      LoadClkSchemaFile("tests/data/clkhash/febrl4-tutorial-schema-v3.json");
  ASSERT_TRUE(schema.ok());
  for (ClkFeature& feature : schema->features) feature.strategy_bits = 300;
  absl::StatusOr<std::unique_ptr<ClkEncoder>> encoder =
      ClkEncoder::Create(*schema, "secret");
  ASSERT_TRUE(encoder.ok());
  const PopcountStats a =
      EncodeFileStats(**encoder, "tests/data/febrl/dataset4a.csv");
  EXPECT_NEAR(a.mean,
              aggregate.at("same_fields_bitsPerFeature300_A_popcount_mean")
                  .number_value(),
              0.5);
  EXPECT_NEAR(a.std, aggregate.at("std").number_value(), 0.05);
}

std::unique_ptr<ClkEncoder> OneFeature(const std::string& format,
                                       const std::string& hashing) {
  const std::string json = R"({"version": 3, "clkConfig": {"l": 1024,
      "kdf": {"type": "HKDF"}}, "features": [{"identifier": "f",
      "format": )" + format +
                           R"(, "hashing": )" + hashing + "}]}";
  absl::StatusOr<ClkSchema> schema = ParseClkSchema(json);
  EXPECT_TRUE(schema.ok()) << schema.status();
  if (!schema.ok()) return nullptr;
  absl::StatusOr<std::unique_ptr<ClkEncoder>> encoder =
      ClkEncoder::Create(*schema, "secret");
  EXPECT_TRUE(encoder.ok()) << encoder.status();
  return encoder.ok() ? *std::move(encoder) : nullptr;
}

TEST(ClkEncoderTest, NgramsArePaddedAndPositionalGramsNumbered) {
  std::unique_ptr<ClkEncoder> bigrams =
      OneFeature(R"({"type": "string"})",
                 R"({"comparison": {"type": "ngram", "n": 2},
                     "strategy": {"bitsPerToken": 20}})");
  ASSERT_NE(bigrams, nullptr);
  EXPECT_THAT(*bigrams->Tokenize(0, "clkhash"),
              ElementsAre(" c", "cl", "lk", "kh", "ha", "as", "sh", "h "));
  EXPECT_TRUE(bigrams->Tokenize(0, "")->empty());
  // Grams are of code points, not bytes.
  EXPECT_THAT(*bigrams->Tokenize(0, "\xC3\xA9t"),
              ElementsAre(" \xC3\xA9", "\xC3\xA9t", "t "));

  std::unique_ptr<ClkEncoder> positional =
      OneFeature(R"({"type": "string"})",
                 R"({"comparison": {"type": "ngram", "n": 2,
                     "positional": true}, "strategy": {"bitsPerToken": 20}})");
  ASSERT_NE(positional, nullptr);
  EXPECT_THAT(*positional->Tokenize(0, "clkhash"),
              ElementsAre("1  c", "2 cl", "3 lk", "4 kh", "5 ha", "6 as",
                          "7 sh", "8 h "));

  std::unique_ptr<ClkEncoder> exact =
      OneFeature(R"({"type": "string"})",
                 R"({"comparison": {"type": "exact"},
                     "strategy": {"bitsPerToken": 20}})");
  ASSERT_NE(exact, nullptr);
  EXPECT_THAT(*exact->Tokenize(0, "ab c"), ElementsAre("ab c"));
}

TEST(ClkEncoderTest, NumericComparisonQuantisesNeighbourhoods) {
  // clkhash's docstring example: threshold 8, resolution 2, x = 25.
  std::unique_ptr<ClkEncoder> numeric =
      OneFeature(R"({"type": "integer"})",
                 R"({"comparison": {"type": "numeric", "thresholdDistance": 8,
                     "resolution": 2}, "strategy": {"bitsPerToken": 20}})");
  ASSERT_NE(numeric, nullptr);
  EXPECT_THAT(*numeric->Tokenize(0, "25"),
              ElementsAre("88", "96", "104", "112", "120"));
}

TEST(ClkEncoderTest, IntegersAreReRenderedAndDatesReformatted) {
  std::unique_ptr<ClkEncoder> integer =
      OneFeature(R"({"type": "integer", "maximum": 20})",
                 R"({"comparison": {"type": "ngram", "n": 1},
                     "strategy": {"bitsPerToken": 20}})");
  ASSERT_NE(integer, nullptr);
  EXPECT_EQ(*integer->FormatValue(0, "+13"), "13");
  EXPECT_EQ(*integer->FormatValue(0, " 13 "), "13");
  EXPECT_EQ(*integer->FormatValue(0, "007"), "7");
  EXPECT_EQ(*integer->FormatValue(0, "-0"), "0");
  EXPECT_EQ(*integer->FormatValue(0, "1_0"), "10");
  EXPECT_FALSE(integer->FormatValue(0, "21").ok());
  EXPECT_FALSE(integer->FormatValue(0, "1.5").ok());
  EXPECT_FALSE(integer->FormatValue(0, "").ok());

  std::unique_ptr<ClkEncoder> date =
      OneFeature(R"({"type": "date", "format": "%d/%m/%Y"})",
                 R"({"comparison": {"type": "ngram", "n": 1},
                     "strategy": {"bitsPerToken": 20}})");
  ASSERT_NE(date, nullptr);
  EXPECT_EQ(*date->FormatValue(0, "29/02/1992"), "19920229");
  EXPECT_EQ(*date->FormatValue(0, "1/2/2003"), "20030201");
  EXPECT_FALSE(date->FormatValue(0, "29/02/1993").ok());
  EXPECT_FALSE(date->FormatValue(0, "2003-02-01").ok());
  EXPECT_FALSE(date->FormatValue(0, "01/02/2003x").ok());
}

TEST(ClkEncoderTest, MissingValuesAreReplacedNotValidated) {
  std::unique_ptr<ClkEncoder> encoder =
      OneFeature(R"({"type": "integer"})",
                 R"({"comparison": {"type": "ngram", "n": 1},
                     "strategy": {"bitsPerToken": 20},
                     "missingValue": {"sentinel": "N/A",
                                      "replaceWith": "0"}})");
  ASSERT_NE(encoder, nullptr);
  EXPECT_EQ(*encoder->FormatValue(0, "N/A"), "0");
  absl::StatusOr<std::string> clk =
      encoder->Encode(std::vector<std::string>{"N/A"});
  ASSERT_TRUE(clk.ok());
  EXPECT_EQ(clk->size(), 128u);
  EXPECT_EQ(*clk, *encoder->Encode(std::vector<std::string>{"0"}));
}

TEST(ClkEncoderTest, InvalidValuesNameTheFeatureNotTheValue) {
  std::unique_ptr<ClkEncoder> encoder =
      EncoderFor("tests/data/clkhash/regression-schema-v1.json", "chicken");
  ASSERT_NE(encoder, nullptr);
  int failed = -1;
  absl::StatusOr<std::string> clk = encoder->Encode(
      std::vector<std::string>{"KEVIN", "zz7777", "1963-12-13", "M", "1"},
      &failed);
  ASSERT_FALSE(clk.ok());
  EXPECT_EQ(failed, 1);
  EXPECT_THAT(clk.status().message(), HasSubstr("'id'"));
  EXPECT_THAT(clk.status().message(), HasSubstr("pattern"));
  EXPECT_THAT(clk.status().message(), ::testing::Not(HasSubstr("zz7777")));

  clk = encoder->Encode(
      std::vector<std::string>{"kevin", "kev007", "1963-12-13", "M", "1"},
      &failed);
  ASSERT_FALSE(clk.ok());
  EXPECT_EQ(failed, 0);
  EXPECT_THAT(clk.status().message(), HasSubstr("upper case"));

  clk = encoder->Encode(
      std::vector<std::string>{"KEVIN", "kev007", "1963-12-13", "X", "1"},
      &failed);
  ASSERT_FALSE(clk.ok());
  EXPECT_EQ(failed, 3);

  EXPECT_FALSE(encoder->Encode(std::vector<std::string>{"KEVIN"}).ok());
}

TEST(ClkEncoderTest, XorFoldingHalvesTheFilter) {
  const std::string json = R"({"version": 3, "clkConfig": {"l": 512,
      "xorFolds": 1, "kdf": {"type": "HKDF"}}, "features": [{"identifier":
      "f", "format": {"type": "string"}, "hashing": {"comparison":
      {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 30}}}]})";
  absl::StatusOr<ClkSchema> folded = ParseClkSchema(json);
  ASSERT_TRUE(folded.ok()) << folded.status();
  ClkSchema unfolded = *folded;
  unfolded.l = 1024;
  unfolded.xor_folds = 0;
  auto folded_encoder = ClkEncoder::Create(*folded, "k");
  auto unfolded_encoder = ClkEncoder::Create(unfolded, "k");
  ASSERT_TRUE(folded_encoder.ok() && unfolded_encoder.ok());
  const std::string full =
      *(*unfolded_encoder)->Encode(std::vector<std::string>{"ann"});
  const std::string half =
      *(*folded_encoder)->Encode(std::vector<std::string>{"ann"});
  ASSERT_EQ(half.size(), 64u);
  for (size_t i = 0; i < 64; ++i) {
    EXPECT_EQ(static_cast<char>(full[i] ^ full[i + 64]), half[i]);
  }
}

TEST(ClkEncoderTest, DiceAndPopcount) {
  EXPECT_EQ(ClkPopcount(std::string("\xff\x01", 2)), 9);
  EXPECT_DOUBLE_EQ(ClkDice(std::string("\x0f", 1), std::string("\x03", 1)),
                   2.0 * 2 / 6);
  EXPECT_EQ(ClkDice(std::string("\x00", 1), std::string("\x00", 1)), 0.0);
  EXPECT_EQ(ClkDice("a", "ab"), -1);
}

}  // namespace
}  // namespace equilink::clk
