#include "client/mapping/rejects_report.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::client {
namespace {

using ::equilink::testing::IsOk;

RowIssue Issue(int row, std::string field, std::string rule, Severity s) {
  RowIssue issue;
  issue.row_number = row;
  issue.field = std::move(field);
  issue.rule = std::move(rule);
  issue.severity = s;
  return issue;
}

TEST(RejectsReportTest, WritesHeaderLinesAndCounts) {
  equilink::testing::TempDir dir;
  const std::string path = dir.File("rejects.csv");
  auto report = RejectsReport::Create(path);
  ASSERT_THAT(report, IsOk());
  (*report)->Add(Issue(3, "DOB", "DATE_FORMAT", Severity::kReject));
  (*report)->Add(
      Issue(5, "NHS, number", "NHS_NUMBER_CHECKSUM", Severity::kWarning));
  (*report)->Add(Issue(9, "", "RAGGED_ROW", Severity::kReject));
  (*report)->Add(Issue(11, "DOB", "DATE_FORMAT", Severity::kReject));
  ASSERT_THAT((*report)->Close(), IsOk());
  EXPECT_EQ(equilink::testing::ReadFileOrEmpty(path),
            "row,field,rule,severity\n"
            "3,DOB,DATE_FORMAT,reject\n"
            "5,\"NHS, number\",NHS_NUMBER_CHECKSUM,warning\n"
            "9,,RAGGED_ROW,reject\n"
            "11,DOB,DATE_FORMAT,reject\n");
  EXPECT_EQ((*report)->total_rejects(), 3);
  EXPECT_EQ((*report)->total_warnings(), 1);
  EXPECT_EQ((*report)->counts_by_rule().at("DATE_FORMAT").rejects, 2);
  EXPECT_EQ((*report)->Summary(),
            "DATE_FORMAT: 2 rejects; NHS_NUMBER_CHECKSUM: 1 warning; "
            "RAGGED_ROW: 1 reject");
  EXPECT_THAT((*report)->Close(), IsOk());  // idempotent
}

TEST(RejectsReportTest, EmptyReportHasHeaderOnly) {
  auto report = RejectsReport::InMemory();
  EXPECT_EQ(report->contents(), "row,field,rule,severity\n");
  EXPECT_EQ(report->Summary(), "no issues");
}

TEST(RejectsReportTest, UnwritablePathFails) {
  EXPECT_FALSE(RejectsReport::Create("/nonexistent/dir/rejects.csv").ok());
}

}  // namespace
}  // namespace equilink::client
