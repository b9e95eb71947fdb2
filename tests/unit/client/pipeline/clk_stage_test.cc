// The record-CLK stage: a mapping profile's clk section, the CLK secret file,
// the pipeline attaching BLOOM_RECORD_CLK, and the whole-file helper, checked
// against clkhash's FEBRL4 tutorial CLK (tests/data/clkhash/README.md).

#include "client/pipeline/clk_stage.h"

#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "client/mapping/mapping_profile.h"
#include "client/pipeline/clk_file_encoder.h"
#include "client/pipeline/record_pipeline.h"
#include "common/keys/secret_file.h"
#include "common/pseudo/record_pseudonymiser.h"
#include "common/validate/record_rules.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/common/pseudo/test_key.h"

namespace equilink::client {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kTutorialSchema[] =
    "tests/data/clkhash/febrl4-tutorial-schema-v3.json";
constexpr char kDataset4a[] = "tests/data/febrl/dataset4a.csv";
// clkhash's tutorial: the first CLK of dataset4a (rec-1070-org), secret
// "secret" (tests/data/clkhash/clkhash-known-answers.json).
constexpr char kFirstClk[] =
    "/ywxvec/j5R3/7jf71/l97u812e421MzNfNSrvyj+3uOfPbPFWt/t/WZX3+4/f1eXeb6TGLb29"
    "r/PSr/d+bvwvx4Vfu97Yif/u+z79s+P76WkR6kKnb/n/9VnarWbcf78L8fPiX/vnxmjL7o/"
    "3S48vv9rNstV/t/Xm9X93o3O70=";

std::string ClkOf(const v1::PseudonymisedRecord& record) {
  for (const v1::BloomEncoding& encoding : record.bloom()) {
    if (encoding.field() == v1::BLOOM_RECORD_CLK) return encoding.bits();
  }
  return "";
}

v1::ClkProfile TutorialClkProfile() {
  v1::ClkProfile clk;
  clk.set_schema_path(kTutorialSchema);
  for (const char* column :
       {"given_name", "surname", "street_number", "address_1", "address_2",
        "suburb", "postcode", "state", "date_of_birth"}) {
    v1::ClkFeatureSource* source = clk.add_sources();
    source->set_identifier(column);
    source->set_column(column);
  }
  return clk;
}

TEST(ClkSecretFileTest, RefusesAReadableFileAndDropsTheLineEnd) {
  equilink::testing::TempDir dir;
  const std::string path = dir.File("clk.secret");
  ASSERT_THAT(WriteNewSecretFile(path, "secret\n", "CLK secret file"), IsOk());
  absl::StatusOr<SecretBytes> secret = ReadClkSecretFile(path);
  ASSERT_THAT(secret, IsOk());
  EXPECT_EQ(secret->UnsafeSecretView(), "secret");

  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  EXPECT_THAT(ReadClkSecretFile(path),
              StatusIs(absl::StatusCode::kFailedPrecondition));

  const std::string empty = dir.File("empty.secret");
  ASSERT_THAT(WriteNewSecretFile(empty, "\n", "CLK secret file"), IsOk());
  EXPECT_THAT(ReadClkSecretFile(empty),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ClkColumnsTest, ChecksSourcesAgainstTheSchemaAndHeader) {
  absl::StatusOr<clk::ClkSchema> schema =
      clk::LoadClkSchemaFile(kTutorialSchema);
  ASSERT_THAT(schema, IsOk());
  const std::vector<std::string> header = {
      "rec_id",    "given_name",    "surname",   "street_number",
      "address_1", "address_2",     "suburb",    "postcode",
      "state",     "date_of_birth", "soc_sec_id"};
  EXPECT_THAT(ClkColumns::Create(TutorialClkProfile(), *schema, header),
              IsOk());

  v1::ClkProfile missing = TutorialClkProfile();
  missing.mutable_sources()->RemoveLast();
  EXPECT_THAT(ClkColumns::Create(missing, *schema, header).status().message(),
              HasSubstr("'date_of_birth' has no source column"));

  v1::ClkProfile unknown = TutorialClkProfile();
  unknown.add_sources()->set_identifier("nhs");
  EXPECT_THAT(ClkColumns::Create(unknown, *schema, header).status().message(),
              HasSubstr("'nhs', which the schema does not have"));

  v1::ClkProfile bad_column = TutorialClkProfile();
  bad_column.mutable_sources(0)->set_column("forename");
  EXPECT_THAT(
      ClkColumns::Create(bad_column, *schema, header).status().message(),
      HasSubstr("MISSING_COLUMN: column 'forename'"));
}

TEST(ClkPipelineTest, RecordsCarryTheClkhashClk) {
  EQ_ASSERT_OK_AND_ASSIGN(
      v1::MappingProfile profile,
      LoadMappingProfile("client/profiles/febrl.textproto"));
  *profile.mutable_clk() = TutorialClkProfile();
  EQ_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<clk::ClkEncoder> encoder,
      LoadClkEncoder(profile.clk(), SecretBytes(std::string("secret"))));
  EQ_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<RecordPseudonymiser> pseudonymiser,
      RecordPseudonymiser::Create(equilink::testing::TestLinkageKey()));
  PipelineOptions options;
  options.input_path = kDataset4a;
  options.rows_per_batch = 500;
  options.threads = 2;
  options.pseudonymiser = pseudonymiser.get();
  options.clk_encoder = encoder.get();
  EQ_ASSERT_OK_AND_ASSIGN(std::unique_ptr<RecordPipeline> pipeline,
                          RecordPipeline::Start(profile, nullptr, options));
  PipelineBatch batch;
  int records = 0;
  bool first = true;
  while (true) {
    absl::StatusOr<bool> more = pipeline->Next(&batch);
    ASSERT_THAT(more, IsOk());
    if (!*more) break;
    for (const v1::PseudonymisedRecord& record :
         batch.outgoing.batch.records()) {
      const std::string clk = ClkOf(record);
      ASSERT_EQ(clk.size(), 128u);
      if (first) {
        EXPECT_EQ(absl::Base64Escape(clk), kFirstClk);
        first = false;
      }
      // The other Bloom encodings are still there, and the gateway's record
      // rules accept the record.
      EXPECT_GT(record.bloom_size(), 1);
      EXPECT_FALSE(CheckPseudonymisedRecord(record).has_value());
      ++records;
    }
  }
  EXPECT_EQ(records, 5000);
}

TEST(ClkPipelineTest, AValueTheSchemaRefusesRejectsTheRow) {
  equilink::testing::TempDir dir;
  const std::string csv = dir.File("export.csv");
  {
    std::ofstream out(csv);
    out << "ref,first,id,dob,sex,kids\n"
        << "R1,K\xC3\x89VIN,kev007,1963-12-13,M,1\n"
        << "R2,KEVIN,kev007,1963-12-13,M,99\n";  // kids: maximum is 20
  }
  v1::MappingProfile profile;
  profile.set_profile_id("clk-test");
  profile.set_organisation_code("X1");
  auto* id = profile.add_columns();
  id->set_column("ref");
  id->set_field(v1::FIELD_LOCAL_RECORD_ID);
  id->set_required(true);
  v1::ClkProfile* clk = profile.mutable_clk();
  clk->set_schema_path("tests/data/clkhash/regression-schema-v1.json");
  const std::pair<const char*, const char*> sources[] = {{"name", "first"},
                                                         {"id", "id"},
                                                         {"dob", "dob"},
                                                         {"gender", "sex"},
                                                         {"children", "kids"}};
  for (const auto& [identifier, column] : sources) {
    v1::ClkFeatureSource* source = clk->add_sources();
    source->set_identifier(identifier);
    source->set_column(column);
  }
  EQ_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<clk::ClkEncoder> encoder,
      LoadClkEncoder(profile.clk(), SecretBytes(std::string("chicken"))));
  EQ_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<RecordPseudonymiser> pseudonymiser,
      RecordPseudonymiser::Create(equilink::testing::TestLinkageKey()));
  PipelineOptions options;
  options.input_path = csv;
  options.pseudonymiser = pseudonymiser.get();
  options.clk_encoder = encoder.get();
  EQ_ASSERT_OK_AND_ASSIGN(std::unique_ptr<RecordPipeline> pipeline,
                          RecordPipeline::Start(profile, nullptr, options));
  PipelineBatch batch;
  ASSERT_TRUE(*pipeline->Next(&batch));
  EXPECT_EQ(batch.rows_rejected, 1);
  ASSERT_EQ(batch.outgoing.batch.records_size(), 1);
  ASSERT_EQ(batch.issues.size(), 1u);
  EXPECT_EQ(batch.issues[0].row_number, 3);
  EXPECT_EQ(batch.issues[0].field, "kids");
  EXPECT_EQ(batch.issues[0].rule, "CLK_FORMAT");
  // clkhash's regression CLK of this record (test_clk.py): the CLK reads
  // the raw column text, not the mapper's normalised identifiers.
  EXPECT_EQ(absl::Base64Escape(ClkOf(batch.outgoing.batch.records(0))),
            "SU9+/O/Jzzi0sfzH8K2l3+qfhn8Ky3jVI21DVdH9j2fXE++JH8GcQGSeYxDZFxALCA"
            "T8CHwYJyQcRT3MhUQOFWcOf5fWdr6ofh6DYy8iv////weyunbMahfV9RMWkRwQmBL"
            "3fjreUVOCS9D9kAbQC2XgULidKCTHd9ZpbPJ91eE=");
}

TEST(ClkPipelineTest, ASecretWithoutAClkSectionIsAnError) {
  EQ_ASSERT_OK_AND_ASSIGN(
      v1::MappingProfile profile,
      LoadMappingProfile("client/profiles/febrl.textproto"));
  EQ_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<clk::ClkEncoder> encoder,
      LoadClkEncoder(TutorialClkProfile(), SecretBytes(std::string("s"))));
  PipelineOptions options;
  options.input_path = kDataset4a;
  options.clk_encoder = encoder.get();
  EXPECT_THAT(RecordPipeline::Start(profile, nullptr, options).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ClkFileEncoderTest, EncodesTheFebrlFileAsTheTutorialDoes) {
  EQ_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<clk::ClkEncoder> encoder,
      LoadClkEncoder(TutorialClkProfile(), SecretBytes(std::string("secret"))));
  EQ_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<RecordPseudonymiser> pseudonymiser,
      RecordPseudonymiser::Create(equilink::testing::TestLinkageKey()));
  ClkFileOptions options;
  options.pseudonymiser = pseudonymiser.get();
  options.organisation_code = "FEBRL";
  options.record_id_column = "rec_id";
  EQ_ASSERT_OK_AND_ASSIGN(ClkEncodedFile file,
                          EncodeCsvFileClks(kDataset4a, *encoder, options));
  ASSERT_EQ(file.records.size(), 5000u);
  ASSERT_EQ(file.record_ids.size(), 5000u);
  EXPECT_EQ(file.record_ids[0], "rec-1070-org");
  EXPECT_EQ(file.row_numbers[0], 2);
  EXPECT_EQ(absl::Base64Escape(ClkOf(file.records[0])), kFirstClk);
  EXPECT_EQ(file.records[0].record_pseudonym().size(), 32u);
  EXPECT_NE(file.records[0].record_pseudonym(),
            file.records[1].record_pseudonym());

  // Without a pseudonymiser the records carry only the CLK.
  EQ_ASSERT_OK_AND_ASSIGN(ClkEncodedFile bare,
                          EncodeCsvFileClks(kDataset4a, *encoder, {}));
  EXPECT_TRUE(bare.records[0].record_pseudonym().empty());
  EXPECT_EQ(ClkOf(bare.records[0]), ClkOf(file.records[0]));
}

}  // namespace
}  // namespace equilink::client
