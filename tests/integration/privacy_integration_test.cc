// Raw identifiers never leave the VCSE machine: after submitting the sample
// exports, none of their names, NHS numbers, dates of birth, postcodes or
// addresses (in any case, in the common spellings) occurs in the gateway's
// database files (main and WAL), its log, or the bytes the client put on the
// wire.

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "client/commands/submit_command.h"
#include "client/csv/csv_reader.h"
#include "client/mapping/mapping_profile.h"
#include "common/normalise/postcode.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/gateway_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::testing {
namespace {

bool IsIdentifierField(v1::CanonicalField field) {
  switch (field) {
    case v1::FIELD_NHS_NUMBER:
    case v1::FIELD_FORENAME:
    case v1::FIELD_SURNAME:
    case v1::FIELD_FULL_NAME:
    case v1::FIELD_DATE_OF_BIRTH:
    case v1::FIELD_POSTCODE:
    case v1::FIELD_ADDRESS_LINE:
    case v1::FIELD_LOCALITY:
    case v1::FIELD_LOCAL_CLIENT_ID:
    case v1::FIELD_LOCAL_RECORD_ID:
      return true;
    default:
      return false;
  }
}

// Every identifier value in the export, in the spellings a leak could take.
// Values shorter than five characters are left out: a short string turns up by
// chance in kilobytes of random-looking token bytes, which would make the test
// fail for nothing.
std::set<std::string> IdentifierNeedles(const std::string& profile_path,
                                        const std::string& export_path) {
  absl::StatusOr<v1::MappingProfile> profile =
      client::LoadMappingProfile(profile_path);
  EXPECT_TRUE(profile.ok()) << profile.status();
  absl::StatusOr<std::unique_ptr<client::CsvReader>> reader =
      client::CsvReader::Open(export_path, client::ProfileDelimiter(*profile));
  EXPECT_TRUE(reader.ok());
  client::CsvRow header;
  EXPECT_TRUE(*(*reader)->Next(&header));
  std::vector<int> columns;
  for (size_t i = 0; i < header.fields.size(); ++i) {
    for (const v1::ColumnMapping& mapping : profile->columns()) {
      if (mapping.column() == header.fields[i] &&
          IsIdentifierField(mapping.field())) {
        columns.push_back(static_cast<int>(i));
      }
    }
  }
  std::set<std::string> needles;
  auto add = [&needles](std::string value) {
    value = std::string(absl::StripAsciiWhitespace(value));
    if (value.size() < 5) return;
    needles.insert(absl::AsciiStrToLower(value));
  };
  client::CsvRow row;
  while (*(*reader)->Next(&row)) {
    for (int column : columns) {
      if (column >= static_cast<int>(row.fields.size())) continue;
      const std::string& value = row.fields[column];
      add(value);
      add(absl::StrReplaceAll(
          value, {{" ", ""}, {"-", ""}}));  // NHS numbers, postcodes
      std::optional<std::string> postcode = CanonicalPostcode(value);
      if (postcode.has_value()) {
        add(*postcode);
        add(absl::StrReplaceAll(*postcode, {{" ", ""}}));
      }
    }
  }
  return needles;
}

// The needles found in `haystack`, compared case-insensitively. With
// `whole_words`, a match must not sit inside a longer word, so that a forename
// such as "Grace" is not found in the log's "graceful shutdown".
std::vector<std::string> FindNeedles(const std::set<std::string>& needles,
                                     const std::string& haystack,
                                     bool whole_words = false) {
  const std::string lowered = absl::AsciiStrToLower(haystack);
  auto is_word = [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c));
  };
  std::vector<std::string> found;
  for (const std::string& needle : needles) {
    for (size_t at = lowered.find(needle); at != std::string::npos;
         at = lowered.find(needle, at + 1)) {
      const size_t end = at + needle.size();
      if (!whole_words || ((at == 0 || !is_word(lowered[at - 1])) &&
                           (end == lowered.size() || !is_word(lowered[end])))) {
        found.push_back(needle);
        break;
      }
    }
  }
  return found;
}

TEST(PrivacyIntegrationTest, NoIdentifierReachesTheWireTheDatabaseOrTheLog) {
  TempDir dir;
  const v1::GatewayConfig config = MakeGatewayConfig(dir.path());
  for (const char* org : {kCharitylogOrg, kLamplightOrg}) {
    const absl::Status installed = InstallActiveAgreement(
        config.store().sqlite_path(), ExampleSubmissionAgreement(org));
    ASSERT_TRUE(installed.ok()) << installed;
  }
  const std::string config_path =
      WriteGatewayConfig(config, dir.File("gateway.textproto"));
  absl::StatusOr<GatewayProcess> gateway = StartGatewayProcess(
      config_path, dir.File("port"), dir.File("gateway.log"));
  ASSERT_TRUE(gateway.ok()) << gateway.status();

  std::string wire;
  std::set<std::string> needles;
  const std::vector<std::pair<std::string, std::string>> exports = {
      {kCharitylogOrg, "charitylog"}, {kLamplightOrg, "lamplight"}};
  for (const auto& [org, name] : exports) {
    client::SubmitOptions options;
    options.export_options.input_path =
        SourcePath("client/samples/" + name + "_export.csv");
    options.export_options.profile_path =
        SourcePath("client/profiles/" + name + ".textproto");
    options.export_options.postcode_lookup_path =
        SourcePath("deploy/data/postcode_lookup_demo.csv");
    options.export_options.rejects_path = dir.File(name + "_rejects.csv");
    options.linkage_key_path = TestLinkageKeyPath();
    options.gateway_address = absl::StrCat("127.0.0.1:", gateway->port);
    options.tls = TestPki::Get().ClientFiles(org);
    options.purpose_id = kExamplePurpose;
    options.wire_observer = [&wire](const std::string& bytes) {
      wire += bytes;
    };
    EQ_ASSERT_OK_AND_ASSIGN(client::RunReport report,
                            client::RunSubmit(options));
    EXPECT_GT(report.records_accepted, 0);
    const std::set<std::string> more = IdentifierNeedles(
        options.export_options.profile_path, options.export_options.input_path);
    needles.insert(more.begin(), more.end());
    // The rejects report goes to people who must not see data either.
    EXPECT_THAT(
        FindNeedles(more, ReadFileOrEmpty(options.export_options.rejects_path)),
        ::testing::IsEmpty());
  }
  ASSERT_GT(needles.size(), 100u)
      << "the samples should hold plenty of identifiers";
  ASSERT_FALSE(wire.empty());

  // Read the database files while the gateway runs, so the WAL still holds the
  // writes.
  const std::string db = ReadFileOrEmpty(dir.File("gateway.db"));
  const std::string wal = ReadFileOrEmpty(dir.File("gateway.db-wal"));
  ASSERT_FALSE(db.empty());
  gateway->process.Signal(SIGTERM);
  ASSERT_TRUE(gateway->process.Wait(absl::Seconds(30)).ok());
  const std::string log = ReadFileOrEmpty(dir.File("gateway.log"));
  ASSERT_FALSE(log.empty());

  EXPECT_THAT(FindNeedles(needles, wire), ::testing::IsEmpty())
      << "on the wire";
  EXPECT_THAT(FindNeedles(needles, db), ::testing::IsEmpty())
      << "in the database";
  EXPECT_THAT(FindNeedles(needles, wal), ::testing::IsEmpty()) << "in the WAL";
  EXPECT_THAT(FindNeedles(needles, log, /*whole_words=*/true),
              ::testing::IsEmpty())
      << "in the gateway log";
  EXPECT_THAT(
      FindNeedles(needles, ReadFileOrEmpty(dir.File("gateway.db")) +
                               ReadFileOrEmpty(dir.File("gateway.db-wal"))),
      ::testing::IsEmpty())
      << "after shutdown";
}

}  // namespace
}  // namespace equilink::testing
