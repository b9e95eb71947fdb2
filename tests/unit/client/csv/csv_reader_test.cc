#include "client/csv/csv_reader.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::client {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct Row {
  int number;
  std::vector<std::string> fields;
};

std::vector<Row> ReadAll(CsvReader* reader) {
  std::vector<Row> rows;
  CsvRow row;
  while (true) {
    auto more = reader->Next(&row);
    EXPECT_THAT(more, IsOk());
    if (!more.ok() || !*more) break;
    rows.push_back(Row{row.row_number, row.fields});
  }
  return rows;
}

std::vector<Row> Parse(std::string text, char delimiter = ',') {
  auto reader = CsvReader::FromString(std::move(text), delimiter);
  EXPECT_THAT(reader, IsOk());
  if (!reader.ok()) return {};
  return ReadAll(reader->get());
}

TEST(CsvReaderTest, SimpleRowsAndNumbers) {
  auto rows = Parse("a,b,c\n1,2,3\n4,5,6\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_THAT(rows[0].fields, ElementsAre("a", "b", "c"));
  EXPECT_THAT(rows[2].fields, ElementsAre("4", "5", "6"));
  EXPECT_EQ(rows[0].number, 1);
  EXPECT_EQ(rows[1].number, 2);
  EXPECT_EQ(rows[2].number, 3);
}

TEST(CsvReaderTest, QuotedFieldsWithDelimitersAndDoubledQuotes) {
  auto rows = Parse("h1,h2,h3\n\"Smith, Jo\",\"say \"\"hi\"\"\",\"\"\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_THAT(rows[1].fields, ElementsAre("Smith, Jo", "say \"hi\"", ""));
}

TEST(CsvReaderTest, EmbeddedNewlinesCountAsOneRow) {
  auto rows = Parse("id,notes\r\n1,\"line one\r\nline two\"\r\n2,x\r\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].fields[1], "line one\r\nline two");
  EXPECT_EQ(rows[1].number, 2);
  EXPECT_EQ(rows[2].number, 3);  // records, not lines
}

TEST(CsvReaderTest, BomStrippedFromFirstCell) {
  auto rows = Parse(
      "\xEF\xBB\xBF"
      "Client ID,Name\n1,A\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fields[0], "Client ID");
  auto quoted = Parse("\xEF\xBB\xBF\"Client ID\",Name\n");
  ASSERT_EQ(quoted.size(), 1u);
  EXPECT_EQ(quoted[0].fields[0], "Client ID");
  // A BOM anywhere else is data.
  auto later = Parse("a\n\xEF\xBB\xBFx\n");
  EXPECT_EQ(later[1].fields[0], "\xEF\xBB\xBFx");
}

TEST(CsvReaderTest, CrlfAndLfGiveTheSameRows) {
  auto lf = Parse("a,b\n1,2\n3,4\n");
  auto crlf = Parse("a,b\r\n1,2\r\n3,4\r\n");
  ASSERT_EQ(lf.size(), crlf.size());
  for (size_t i = 0; i < lf.size(); ++i) {
    EXPECT_EQ(lf[i].fields, crlf[i].fields);
    EXPECT_EQ(lf[i].number, crlf[i].number);
  }
}

TEST(CsvReaderTest, BlankLinesAreCountedButNotReturned) {
  for (const char* text : {"a\n\n1\n\n\n2\n", "a\r\n\r\n1\r\n\r\n\r\n2\r\n"}) {
    auto rows = Parse(text);
    ASSERT_EQ(rows.size(), 3u) << text;
    EXPECT_EQ(rows[1].number, 3);
    EXPECT_EQ(rows[2].number, 6);
  }
}

TEST(CsvReaderTest, RowsOfOnlyDelimitersAreSkipped) {
  auto rows = Parse("a,b\n,\n1,2\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].number, 3);
}

TEST(CsvReaderTest, EmptyTrailingLineAndNoFinalNewline) {
  EXPECT_EQ(Parse("a,b\n1,2\n").size(), 2u);
  EXPECT_EQ(Parse("a,b\n1,2\n\n").size(), 2u);
  auto rows = Parse("a,b\n1,2");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_THAT(rows[1].fields, ElementsAre("1", "2"));
  EXPECT_THAT(Parse(""), IsEmpty());
  EXPECT_THAT(Parse("\xEF\xBB\xBF"), IsEmpty());
}

TEST(CsvReaderTest, RaggedRowsAreReturnedAsTheyAre) {
  auto rows = Parse("a,b,c\n1,2\n1,2,3,4\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].fields.size(), 2u);
  EXPECT_EQ(rows[2].fields.size(), 4u);
}

TEST(CsvReaderTest, TrailingEmptyField) {
  auto rows = Parse("a,b,\n1,2,\n");
  EXPECT_THAT(rows[1].fields, ElementsAre("1", "2", ""));
}

TEST(CsvReaderTest, SemicolonDelimiter) {
  auto rows = Parse("a;b\n\"x;y\";2,5\n", ';');
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_THAT(rows[1].fields, ElementsAre("x;y", "2,5"));
}

TEST(CsvReaderTest, TabDelimiterKeepsEmptyFields) {
  auto rows = Parse("a\tb\tc\n1\t\t3\n", '\t');
  EXPECT_THAT(rows[1].fields, ElementsAre("1", "", "3"));
}

TEST(CsvReaderTest, InvalidUtf8IsFlaggedPerField) {
  auto reader = CsvReader::FromString("a,b,c\nok,caf\xE9,\xC3\xA9t\xC3\xA9\n");
  ASSERT_THAT(reader, IsOk());
  CsvRow row;
  ASSERT_TRUE(*(*reader)->Next(&row));
  EXPECT_THAT(row.invalid_utf8_fields, IsEmpty());
  ASSERT_TRUE(*(*reader)->Next(&row));
  EXPECT_THAT(row.invalid_utf8_fields, ElementsAre(1));
  EXPECT_FALSE(*(*reader)->Next(&row));
}

TEST(CsvReaderTest, RejectsBadDelimiters) {
  EXPECT_THAT(CsvReader::FromString("a", '"'),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CsvReader::FromString("a", '\n'),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CsvReaderTest, UnbalancedQuoteHitsTheFieldLimit) {
  CsvReaderOptions options;
  options.max_field_bytes = 1000;
  std::string text = "a,b\n1,\"never closed";
  text.append(200000, 'x');
  auto reader = CsvReader::FromString(text, options);
  ASSERT_THAT(reader, IsOk());
  CsvRow row;
  ASSERT_TRUE(*(*reader)->Next(&row));
  EXPECT_THAT((*reader)->Next(&row),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(CsvReaderTest, OpenMissingFileIsNotFound) {
  EXPECT_THAT(CsvReader::Open("/nonexistent/export.csv"),
              StatusIs(absl::StatusCode::kNotFound));
}

// Rows and fields that straddle slice and chunk boundaries come out whole.
TEST(CsvReaderTest, FileAcrossManyChunksMatchesMemory) {
  std::string text = "id,name,notes\r\n";
  for (int i = 0; i < 20000; ++i) {
    text += std::to_string(i) + ",\"Name " + std::to_string(i) +
            ", Jr\",\"multi\nline " + std::string(i % 37, 'n') + "\"\r\n";
  }
  equilink::testing::TempDir dir;
  const std::string path = dir.File("big.csv");
  equilink::testing::WriteFileOrDie(path, text);
  CsvReaderOptions options;
  options.chunk_bytes =
      4099;  // odd size: boundaries fall mid-field and mid-CRLF
  auto file_reader = CsvReader::Open(path, options);
  ASSERT_THAT(file_reader, IsOk());
  auto from_file = ReadAll(file_reader->get());
  auto from_memory = Parse(text);
  ASSERT_EQ(from_file.size(), 20001u);
  ASSERT_EQ(from_memory.size(), 20001u);
  for (size_t i = 0; i < from_file.size(); ++i) {
    ASSERT_EQ(from_file[i].fields, from_memory[i].fields) << i;
    ASSERT_EQ(from_file[i].number, static_cast<int>(i) + 1);
  }
  EXPECT_EQ(from_file[12345].fields[1], "Name 12344, Jr");
}

}  // namespace
}  // namespace equilink::client
