#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "client/csv/csv_reader.h"
#include "client/geo/postcode_lookup.h"
#include "client/mapping/mapping_profile.h"
#include "client/mapping/row_mapper.h"
#include "client/pipeline/record_pipeline.h"
#include "client/synth/synth_dataset.h"
#include "client/synth/synth_profiles.h"
#include "client/synth/synth_writer.h"
#include "common/keys/linkage_key.h"
#include "common/pseudo/record_pseudonymiser.h"
#include "common/validate/record_rules.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::client::synth {
namespace {

struct TruthRow {
  std::string local_record_id;
  int person_id = 0;
  bool nhs_present = false;
  bool nhs_valid = false;
  bool expect_reject = false;
  std::string pseudonym_hex;
};

// Data rows of a CSV file, header first.
std::vector<std::vector<std::string>> ReadCsv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  auto reader = CsvReader::Open(path, ',');
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return rows;
  CsvRow row;
  while (true) {
    auto more = (*reader)->Next(&row);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    rows.push_back(row.fields);
  }
  return rows;
}

class SynthFilesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new equilink::testing::TempDir();
    SynthOptions options;
    options.people = 6000;
    options.vcse_records = 6000;
    options.seed = 5;
    // Enough date-of-birth errors to see rejects in a small file.
    options.corruption.dob_digit_error = 0.03;
    auto dataset = GenerateSynthDataset(options);
    ASSERT_TRUE(dataset.ok()) << dataset.status();
    dataset_ = new SynthDataset(std::move(*dataset));
    auto key = LinkageKey::Generate("synth-test");
    ASSERT_TRUE(key.ok());
    auto pseudonymiser = RecordPseudonymiser::Create(*key);
    ASSERT_TRUE(pseudonymiser.ok());
    pseudonymiser_ = pseudonymiser->release();
    SynthWriteOptions write;
    write.out_dir = dir_->path() + "/out";
    write.pseudonymiser = pseudonymiser_;
    auto files = WriteSynthDataset(*dataset_, write);
    ASSERT_TRUE(files.ok()) << files.status();
    out_ = new std::string(write.out_dir);
    truth_ = new std::map<std::string, std::vector<TruthRow>>();
    const auto rows = ReadCsv(*out_ + "/truth.csv");
    ASSERT_FALSE(rows.empty());
    ASSERT_EQ(absl::StrJoin(rows[0], ","), kTruthHeader);
    for (size_t i = 1; i < rows.size(); ++i) {
      const auto& r = rows[i];
      ASSERT_EQ(r.size(), 16u);
      TruthRow row;
      row.local_record_id = r[1];
      row.person_id = std::stoi(r[2]);
      row.nhs_present = r[11] == "1";
      row.nhs_valid = r[12] == "1";
      row.expect_reject = r[14] == "1";
      row.pseudonym_hex = r[15];
      (*truth_)[r[0]].push_back(row);
    }
  }
  static void TearDownTestSuite() {
    delete truth_;
    delete out_;
    delete pseudonymiser_;
    delete dataset_;
    delete dir_;
  }

  static equilink::testing::TempDir* dir_;
  static SynthDataset* dataset_;
  static RecordPseudonymiser* pseudonymiser_;
  static std::string* out_;
  static std::map<std::string, std::vector<TruthRow>>* truth_;
};

equilink::testing::TempDir* SynthFilesTest::dir_ = nullptr;
SynthDataset* SynthFilesTest::dataset_ = nullptr;
RecordPseudonymiser* SynthFilesTest::pseudonymiser_ = nullptr;
std::string* SynthFilesTest::out_ = nullptr;
std::map<std::string, std::vector<TruthRow>>* SynthFilesTest::truth_ = nullptr;

struct MapResult {
  int rows = 0;
  std::vector<int> rejected_rows;  // 0-based data rows
  std::map<std::string, int> issues_by_rule;
};

MapResult MapFile(const std::string& csv, const std::string& profile_path,
                  const PostcodeLookup& lookup) {
  MapResult result;
  auto profile = LoadMappingProfile(profile_path);
  EXPECT_TRUE(profile.ok()) << profile.status();
  auto reader = CsvReader::Open(csv, ',');
  EXPECT_TRUE(reader.ok());
  if (!profile.ok() || !reader.ok()) return result;
  CsvRow row;
  EXPECT_TRUE(*(*reader)->Next(&row));
  auto mapper = RowMapper::Create(*profile, row, &lookup);
  EXPECT_TRUE(mapper.ok()) << mapper.status();
  if (!mapper.ok()) return result;
  MappedRow mapped;
  while (*(*reader)->Next(&row)) {
    (*mapper)->Map(row, &mapped);
    if (mapped.rejected) result.rejected_rows.push_back(result.rows);
    for (const RowIssue& issue : mapped.issues) {
      ++result.issues_by_rule[issue.rule];
    }
    ++result.rows;
  }
  return result;
}

TEST_F(SynthFilesTest, TruthHasOneRowPerRecordOfEveryFile) {
  ASSERT_EQ(truth_->size(), 5u);  // QHL and four organisations
  EXPECT_EQ(ReadCsv(*out_ + "/population.csv").size() - 1,
            truth_->at("QHL").size());
  for (const std::string& code : dataset_->organisation_codes) {
    const auto rows = ReadCsv(*out_ + "/vcse_" + code + ".csv");
    ASSERT_EQ(rows.size() - 1, truth_->at(code).size()) << code;
    for (size_t i = 1; i < rows.size(); ++i) {
      ASSERT_EQ(rows[i][1], truth_->at(code)[i - 1].local_record_id);
    }
  }
}

TEST_F(SynthFilesTest, PopulationFileMapsWithNoIssues) {
  EQ_ASSERT_OK_AND_ASSIGN(auto lookup,
                          PostcodeLookup::Load(*out_ + "/postcode_lookup.csv"));
  EXPECT_EQ(lookup->size(), dataset_->geography.postcodes.size());
  for (const std::string& profile :
       {std::string("client/profiles/synth_population.textproto"),
        *out_ + "/profiles/synth_population.textproto"}) {
    const MapResult result =
        MapFile(*out_ + "/population.csv", profile, *lookup);
    EXPECT_EQ(result.rows, 6000);
    EXPECT_THAT(result.rejected_rows, ::testing::IsEmpty());
    EXPECT_THAT(result.issues_by_rule, ::testing::IsEmpty());
  }
}

// Rows are rejected exactly where the truth says the corruption must cause it;
// the only warnings are the mistyped NHS numbers.
TEST_F(SynthFilesTest, VcseFilesRejectOnlyWhereCorruptionMeansTo) {
  EQ_ASSERT_OK_AND_ASSIGN(auto lookup,
                          PostcodeLookup::Load(*out_ + "/postcode_lookup.csv"));
  int rejects = 0;
  for (const std::string& code : dataset_->organisation_codes) {
    SCOPED_TRACE(code);
    const std::vector<TruthRow>& truth = truth_->at(code);
    const MapResult result =
        MapFile(*out_ + "/vcse_" + code + ".csv",
                *out_ + "/profiles/synth_vcse_" + code + ".textproto", *lookup);
    std::vector<int> expected;
    int mistyped = 0;
    for (size_t i = 0; i < truth.size(); ++i) {
      if (truth[i].expect_reject) expected.push_back(static_cast<int>(i));
      mistyped += truth[i].nhs_present && !truth[i].nhs_valid;
    }
    EXPECT_EQ(result.rejected_rows, expected);
    rejects += static_cast<int>(expected.size());
    std::map<std::string, int> expected_issues;
    if (mistyped > 0) expected_issues["NHS_NUMBER_CHECKSUM"] = mistyped;
    std::map<std::string, int> issues = result.issues_by_rule;
    // A birth date typed after the referral: DATE_ORDER, or DATE_IN_FUTURE
    // when it is after today as well.
    int after_referral = issues["DATE_ORDER"] + issues["DATE_IN_FUTURE"];
    issues.erase("DATE_ORDER");
    issues.erase("DATE_IN_FUTURE");
    EXPECT_EQ(after_referral, static_cast<int>(expected.size()));
    EXPECT_EQ(issues, expected_issues);
  }
  EXPECT_GT(rejects, 0);
}

TEST_F(SynthFilesTest, ShippedVcseProfileMatchesTheGenerator) {
  EQ_ASSERT_OK_AND_ASSIGN(
      v1::MappingProfile shipped,
      LoadMappingProfile("client/profiles/synth_vcse.textproto"));
  EQ_ASSERT_OK_AND_ASSIGN(v1::MappingProfile generated,
                          ParseMappingProfile(VcseProfileText("8HX12")));
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(shipped, generated));
  EQ_ASSERT_OK_AND_ASSIGN(
      shipped,
      LoadMappingProfile("client/profiles/synth_population.textproto"));
  EQ_ASSERT_OK_AND_ASSIGN(generated,
                          ParseMappingProfile(PopulationProfileText("QHL")));
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(shipped, generated));
}

// The truth's pseudonyms are exactly what the client sends for the same rows.
TEST_F(SynthFilesTest, TruthPseudonymsMatchWhatTheClientSends) {
  EQ_ASSERT_OK_AND_ASSIGN(auto lookup,
                          PostcodeLookup::Load(*out_ + "/postcode_lookup.csv"));
  for (const std::string& code : {std::string("8JK34"), std::string("QHL")}) {
    SCOPED_TRACE(code);
    const bool population = code == "QHL";
    EQ_ASSERT_OK_AND_ASSIGN(
        v1::MappingProfile profile,
        LoadMappingProfile(population
                               ? *out_ + "/profiles/synth_population.textproto"
                               : *out_ + "/profiles/synth_vcse_" + code +
                                     ".textproto"));
    PipelineOptions options;
    options.input_path = population ? *out_ + "/population.csv"
                                    : *out_ + "/vcse_" + code + ".csv";
    options.rows_per_batch = 500;
    options.threads = 2;
    options.pseudonymiser = pseudonymiser_;
    EQ_ASSERT_OK_AND_ASSIGN(
        auto pipeline, RecordPipeline::Start(profile, lookup.get(), options));
    const std::vector<TruthRow>& truth = truth_->at(code);
    PipelineBatch batch;
    size_t records = 0;
    while (true) {
      EQ_ASSERT_OK_AND_ASSIGN(bool more, pipeline->Next(&batch));
      if (!more) break;
      const auto& sent = batch.outgoing.batch.records();
      ASSERT_EQ(sent.size(), batch.outgoing.record_rows.size());
      for (int i = 0; i < sent.size(); ++i) {
        // Spreadsheet row 2 is the first data row.
        const TruthRow& row =
            truth[static_cast<size_t>(batch.outgoing.record_rows[i] - 2)];
        EXPECT_EQ(absl::BytesToHexString(sent[i].record_pseudonym()),
                  row.pseudonym_hex);
        EXPECT_FALSE(CheckPseudonymisedRecord(sent[i]).has_value());
        ++records;
      }
    }
    size_t expected = 0;
    for (const TruthRow& row : truth) expected += !row.expect_reject;
    EXPECT_EQ(records, expected);
  }
}

TEST_F(SynthFilesTest, SameSeedWritesTheSameBytes) {
  SynthOptions options;
  options.people = 1500;
  options.seed = 99;
  EQ_ASSERT_OK_AND_ASSIGN(SynthDataset a, GenerateSynthDataset(options));
  EQ_ASSERT_OK_AND_ASSIGN(SynthDataset b, GenerateSynthDataset(options));
  SynthWriteOptions write;
  write.out_dir = dir_->path() + "/a";
  EQ_ASSERT_OK_AND_ASSIGN(auto files_a, WriteSynthDataset(a, write));
  write.out_dir = dir_->path() + "/b";
  EQ_ASSERT_OK_AND_ASSIGN(auto files_b, WriteSynthDataset(b, write));
  ASSERT_EQ(files_a.size(), files_b.size());
  for (size_t i = 0; i < files_a.size(); ++i) {
    const std::string bytes =
        equilink::testing::ReadFileOrEmpty(files_a[i].path);
    EXPECT_FALSE(bytes.empty());
    EXPECT_EQ(bytes, equilink::testing::ReadFileOrEmpty(files_b[i].path))
        << files_a[i].path;
  }
}

}  // namespace
}  // namespace equilink::client::synth
