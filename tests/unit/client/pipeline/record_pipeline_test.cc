#include "client/pipeline/record_pipeline.h"

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "client/geo/postcode_lookup.h"
#include "client/mapping/mapping_profile.h"
#include "client/pipeline/synthetic_export.h"
#include "common/keys/linkage_key.h"
#include "common/pseudo/record_pseudonymiser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::client {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::IsOkAndHolds;
using ::equilink::testing::StatusIs;

constexpr char kLookup[] = "deploy/data/postcode_lookup_demo.csv";
constexpr char kProfile[] = "client/profiles/charitylog.textproto";

// Everything a pipeline needs, over a synthetic Charitylog export.
class RecordPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EQ_ASSERT_OK_AND_ASSIGN(profile_, LoadMappingProfile(kProfile));
    EQ_ASSERT_OK_AND_ASSIGN(lookup_, PostcodeLookup::Load(kLookup));
    EQ_ASSERT_OK_AND_ASSIGN(LinkageKey key, LinkageKey::Generate("test-key"));
    EQ_ASSERT_OK_AND_ASSIGN(pseudonymiser_, RecordPseudonymiser::Create(key));
  }

  std::string WriteExport(int rows, double bad_row_rate = 0.0) {
    SyntheticExportOptions options;
    options.rows = rows;
    options.postcode_lookup_path = kLookup;
    options.bad_row_rate = bad_row_rate;
    const std::string path = dir_.File("export.csv");
    EXPECT_THAT(WriteSyntheticExport(options, path), IsOk());
    return path;
  }

  absl::StatusOr<std::unique_ptr<RecordPipeline>> Start(
      const std::string& path, int rows_per_batch, int threads,
      std::function<bool(uint64_t)> skip = nullptr) {
    PipelineOptions options;
    options.input_path = path;
    options.rows_per_batch = rows_per_batch;
    options.threads = threads;
    options.pseudonymiser = pseudonymiser_.get();
    options.skip = std::move(skip);
    return RecordPipeline::Start(profile_, lookup_.get(), options);
  }

  equilink::testing::TempDir dir_;
  v1::MappingProfile profile_;
  std::unique_ptr<PostcodeLookup> lookup_;
  std::unique_ptr<RecordPseudonymiser> pseudonymiser_;
};

// Whatever the thread count, batch k holds data rows [k*B, (k+1)*B): resume
// after a crash depends on it.
TEST_F(RecordPipelineTest, BatchesComeBackInOrderCoveringFixedRowRanges) {
  const std::string path = WriteExport(103, /*bad_row_rate=*/0.1);
  for (int threads : {1, 2, 4}) {
    SCOPED_TRACE(threads);
    EQ_ASSERT_OK_AND_ASSIGN(auto pipeline, Start(path, 10, threads));
    PipelineBatch batch;
    uint64_t expected_sequence = 0;
    int rows = 0;
    int rejected = 0;
    while (true) {
      EQ_ASSERT_OK_AND_ASSIGN(bool more, pipeline->Next(&batch));
      if (!more) break;
      EXPECT_EQ(batch.sequence, expected_sequence++);
      EXPECT_EQ(batch.rows, batch.sequence < 10 ? 10 : 3);
      EXPECT_EQ(batch.outgoing.batch.records_size(),
                batch.rows - batch.rows_rejected);
      // Row numbers count the header as row 1, so batch k starts at 2+10k.
      for (int row : batch.outgoing.record_rows) {
        EXPECT_GE(row, 2 + 10 * static_cast<int>(batch.sequence));
        EXPECT_LT(row, 12 + 10 * static_cast<int>(batch.sequence));
      }
      rows += batch.rows;
      rejected += batch.rows_rejected;
    }
    EXPECT_EQ(expected_sequence, 11u);
    EXPECT_EQ(rows, 103);
    EXPECT_GT(rejected, 0);
    EXPECT_THAT(pipeline->Next(&batch), IsOkAndHolds(false));
  }
}

TEST_F(RecordPipelineTest, SkippedBatchesAreCountedButNotPseudonymised) {
  const std::string path = WriteExport(50);
  EQ_ASSERT_OK_AND_ASSIGN(
      auto pipeline,
      Start(path, 10, 2, [](uint64_t sequence) { return sequence % 2 == 0; }));
  PipelineBatch batch;
  int batches = 0;
  while (true) {
    EQ_ASSERT_OK_AND_ASSIGN(bool more, pipeline->Next(&batch));
    if (!more) break;
    ++batches;
    EXPECT_EQ(batch.skipped, batch.sequence % 2 == 0);
    EXPECT_EQ(batch.rows, 10);
    EXPECT_EQ(batch.outgoing.batch.records_size(), batch.skipped ? 0 : 10);
  }
  EXPECT_EQ(batches, 5);
}

TEST_F(RecordPipelineTest, HeaderOnlyFileHasNoBatches) {
  const std::string path = WriteExport(0);
  EQ_ASSERT_OK_AND_ASSIGN(auto pipeline, Start(path, 10, 2));
  PipelineBatch batch;
  EXPECT_THAT(pipeline->Next(&batch), IsOkAndHolds(false));
}

// A read error ends the file: the batches before it still come back, then the
// error once, naming the row it followed.
TEST_F(RecordPipelineTest, ReadErrorComesAfterTheBatchesBeforeIt) {
  std::string path = WriteExport(25);
  {
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << "\"an unbalanced quote" << std::string(2 << 20, 'x') << "\r\n";
  }
  EQ_ASSERT_OK_AND_ASSIGN(auto pipeline, Start(path, 10, 2));
  PipelineBatch batch;
  std::vector<uint64_t> sequences;
  absl::Status error;
  while (true) {
    absl::StatusOr<bool> more = pipeline->Next(&batch);
    if (!more.ok()) {
      error = more.status();
      break;
    }
    if (!*more) break;
    sequences.push_back(batch.sequence);
  }
  // Rows 1-20 make two whole batches; the third is cut short by the error.
  EXPECT_THAT(sequences, ::testing::ElementsAre(0, 1));
  EXPECT_THAT(error, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(error.message(), ::testing::HasSubstr("after row"));
  EXPECT_THAT(pipeline->Next(&batch), IsOkAndHolds(false));
}

TEST_F(RecordPipelineTest, StoppingEarlyDoesNotHang) {
  const std::string path = WriteExport(500);
  EQ_ASSERT_OK_AND_ASSIGN(auto pipeline, Start(path, 10, 3));
  PipelineBatch batch;
  EXPECT_THAT(pipeline->Next(&batch), IsOkAndHolds(true));
  pipeline.reset();  // joins the workers while batches are still unread
}

TEST_F(RecordPipelineTest, BadOptionsAreRefused) {
  const std::string path = WriteExport(5);
  EXPECT_THAT(Start(path, 0, 2), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Start(path, 10, 0), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace equilink::client
