// Observability without leaks: the real equilink-gateway binary takes the
// sample exports through the real client, refuses batches, serves an extract
// pull and an indicators request and refuses others, and is scraped for
// metrics. Then EVERYTHING it wrote (its log file, which is its stdout and
// stderr, and every metrics answer) is scanned for the identifiers in the
// sample exports and for every token the client derived from them. A hit
// names the kind of value that leaked, never the value.

#include <signal.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "client/csv/csv_reader.h"
#include "client/geo/postcode_lookup.h"
#include "client/mapping/mapping_profile.h"
#include "client/pipeline/record_pipeline.h"
#include "common/keys/linkage_key.h"
#include "common/normalise/nhs_number.h"
#include "common/normalise/postcode.h"
#include "common/pseudo/record_pseudonymiser.h"
#include "equilink/v1/extract.grpc.pb.h"
#include "equilink/v1/indicators.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "server/governance/agreement_file.h"
#include "server/governance/optout_registry.h"
#include "tests/integration/gateway_harness.h"
#include "tests/testing/http_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kDataset[] = "vcse-service-contacts";

struct Sample {
  const char* csv;
  const char* profile;
  const char* organisation;
};
constexpr Sample kSamples[] = {
    {"client/samples/charitylog_export.csv",
     "client/profiles/charitylog.textproto", kCharitylogOrg},
    {"client/samples/lamplight_export.csv",
     "client/profiles/lamplight.textproto", kLamplightOrg},
};

// Values that must never appear in anything the gateway writes, by kind.
class Secrets {
 public:
  // Matched without regard to case, and only as a whole word (not inside a
  // longer run of letters and digits), so "Ali" does not hit "valid".
  void AddWord(const std::string& kind, absl::string_view value) {
    value = absl::StripAsciiWhitespace(value);
    if (value.size() < 3) return;
    words_[absl::AsciiStrToLower(value)].insert(kind);
  }
  // Matched byte for byte anywhere.
  void AddBytes(const std::string& kind, absl::string_view value) {
    if (value.size() < 8) return;
    bytes_[std::string(value)].insert(kind);
  }
  // A token in every form a careless log line could print it in.
  void AddToken(const std::string& kind, absl::string_view token) {
    if (token.empty()) return;
    const std::string hex = absl::BytesToHexString(token);
    AddBytes(kind + " (raw bytes)", token);
    AddBytes(kind + " (hex)", hex);
    AddBytes(kind + " (HEX)", absl::AsciiStrToUpper(hex));
    // A prefix, as a "short id" in a debug line would be.
    AddBytes(kind + " (hex prefix)", hex.substr(0, 16));
    AddBytes(kind + " (base64)", absl::Base64Escape(token));
    AddBytes(kind + " (base64url)", absl::WebSafeBase64Escape(token));
    AddBytes(kind + " (C-escaped)", absl::CEscape(token));
  }

  size_t size() const { return words_.size() + bytes_.size(); }

  // The kinds of value found in `text`.
  std::set<std::string> KindsFoundIn(absl::string_view text) const {
    std::set<std::string> found;
    for (const auto& [value, kinds] : bytes_) {
      if (absl::StrContains(text, value))
        found.insert(kinds.begin(), kinds.end());
    }
    const std::string lower = absl::AsciiStrToLower(text);
    for (const auto& [word, kinds] : words_) {
      for (size_t at = lower.find(word); at != std::string::npos;
           at = lower.find(word, at + 1)) {
        const size_t end = at + word.size();
        const bool starts =
            at == 0 ||
            !absl::ascii_isalnum(static_cast<unsigned char>(lower[at - 1]));
        const bool ends =
            end == lower.size() ||
            !absl::ascii_isalnum(static_cast<unsigned char>(lower[end]));
        if (starts && ends) {
          found.insert(kinds.begin(), kinds.end());
          break;
        }
      }
    }
    return found;
  }

 private:
  std::map<std::string, std::set<std::string>> words_;
  std::map<std::string, std::set<std::string>> bytes_;
};

// Every date form a date of birth could be written in.
void AddDateOfBirth(Secrets& secrets, absl::string_view raw) {
  secrets.AddWord("date of birth (as exported)", raw);
  for (const char* format : {"%d/%m/%Y", "%d-%b-%Y", "%Y-%m-%d", "%d %B %Y"}) {
    absl::Time time;
    std::string error;
    if (!absl::ParseTime(format, std::string(absl::StripAsciiWhitespace(raw)),
                         absl::UTCTimeZone(), &time, &error)) {
      continue;
    }
    for (const char* out : {"%Y-%m-%d", "%Y%m%d", "%d/%m/%Y", "%d-%m-%Y"}) {
      secrets.AddWord("date of birth",
                      absl::FormatTime(out, time, absl::UTCTimeZone()));
    }
  }
}

// The identifiers in `sample`'s CSV, by the canonical field its profile maps
// each column to.
void AddIdentifiers(const Sample& sample, Secrets& secrets) {
  absl::StatusOr<v1::MappingProfile> profile =
      client::LoadMappingProfile(SourcePath(sample.profile));
  ASSERT_THAT(profile, IsOk());
  absl::StatusOr<std::unique_ptr<client::CsvReader>> reader =
      client::CsvReader::Open(SourcePath(sample.csv));
  ASSERT_THAT(reader, IsOk());
  client::CsvRow row;
  ASSERT_THAT((*reader)->Next(&row), IsOkAndHolds(true));
  std::map<int, v1::CanonicalField> fields;
  for (size_t i = 0; i < row.fields.size(); ++i) {
    absl::string_view header = row.fields[i];
    absl::ConsumePrefix(&header, "\xEF\xBB\xBF");
    header = absl::StripAsciiWhitespace(header);
    for (const v1::ColumnMapping& column : profile->columns()) {
      if (column.column() == header)
        fields[static_cast<int>(i)] = column.field();
    }
  }
  int rows = 0;
  for (;;) {
    absl::StatusOr<bool> more = (*reader)->Next(&row);
    ASSERT_THAT(more, IsOk());
    if (!*more) break;
    ++rows;
    for (const auto& [index, field] : fields) {
      if (index >= static_cast<int>(row.fields.size())) continue;
      const std::string& value = row.fields[index];
      if (absl::StripAsciiWhitespace(value).empty()) continue;
      switch (field) {
        case v1::FIELD_NHS_NUMBER: {
          secrets.AddWord("NHS number (as exported)", value);
          const NhsNumberResult checked = CheckNhsNumber(value);
          secrets.AddWord("NHS number", checked.digits);
          if (checked.digits.size() == 10) {
            secrets.AddWord("NHS number",
                            absl::StrCat(checked.digits.substr(0, 3), " ",
                                         checked.digits.substr(3, 3), " ",
                                         checked.digits.substr(6)));
          }
          break;
        }
        case v1::FIELD_FORENAME:
        case v1::FIELD_SURNAME:
        case v1::FIELD_FULL_NAME:
          for (absl::string_view part :
               absl::StrSplit(value, absl::ByAnyChar(" ,-'"))) {
            secrets.AddWord("name", part);
          }
          break;
        case v1::FIELD_DATE_OF_BIRTH:
          AddDateOfBirth(secrets, value);
          break;
        case v1::FIELD_POSTCODE:
          secrets.AddWord("postcode (as exported)", value);
          if (std::optional<std::string> canonical = CanonicalPostcode(value)) {
            secrets.AddWord("postcode", *canonical);
            secrets.AddWord("postcode",
                            absl::StrReplaceAll(*canonical, {{" ", ""}}));
          }
          break;
        case v1::FIELD_ADDRESS_LINE:
          secrets.AddWord("address", value);
          break;
        case v1::FIELD_LOCAL_CLIENT_ID:
          secrets.AddWord("local client id", value);
          break;
        case v1::FIELD_LOCAL_RECORD_ID:
          secrets.AddWord("local record id", value);
          break;
        default:
          break;
      }
    }
  }
  EXPECT_GT(rows, 10) << sample.csv;
}

// The tokens the real client derives from `sample` with the tests' linkage
// key: the same pipeline `equilink submit` runs. Returns the records.
std::vector<v1::PseudonymisedRecord> AddTokens(const Sample& sample,
                                               Secrets& secrets) {
  std::vector<v1::PseudonymisedRecord> records;
  absl::StatusOr<v1::MappingProfile> profile =
      client::LoadMappingProfile(SourcePath(sample.profile));
  EXPECT_THAT(profile, IsOk());
  absl::StatusOr<std::unique_ptr<client::PostcodeLookup>> postcodes =
      client::PostcodeLookup::Load(
          SourcePath("deploy/data/postcode_lookup_demo.csv"));
  EXPECT_THAT(postcodes, IsOk());
  absl::StatusOr<LinkageKey> key =
      LinkageKey::ReadFromFile(TestLinkageKeyPath());
  EXPECT_THAT(key, IsOk());
  if (!profile.ok() || !postcodes.ok() || !key.ok()) return records;
  absl::StatusOr<std::unique_ptr<RecordPseudonymiser>> pseudonymiser =
      RecordPseudonymiser::Create(*key);
  EXPECT_THAT(pseudonymiser, IsOk());
  client::PipelineOptions options;
  options.input_path = SourcePath(sample.csv);
  options.pseudonymiser = pseudonymiser->get();
  absl::StatusOr<std::unique_ptr<client::RecordPipeline>> pipeline =
      client::RecordPipeline::Start(*profile, postcodes->get(),
                                    std::move(options));
  EXPECT_THAT(pipeline, IsOk());
  if (!pipeline.ok()) return records;
  client::PipelineBatch batch;
  for (;;) {
    absl::StatusOr<bool> more = (*pipeline)->Next(&batch);
    EXPECT_THAT(more, IsOk());
    if (!more.ok() || !*more) break;
    for (const v1::PseudonymisedRecord& record :
         batch.outgoing.batch.records()) {
      records.push_back(record);
      secrets.AddToken("record pseudonym", record.record_pseudonym());
      secrets.AddToken("client pseudonym", record.client_pseudonym());
      secrets.AddToken("NHS number token", record.nhs_number_token());
      for (const v1::MatchKeyToken& match_key : record.match_keys()) {
        secrets.AddToken("match-key token", match_key.token());
      }
      for (const v1::BloomEncoding& bloom : record.bloom()) {
        secrets.AddToken("Bloom encoding", bloom.bits());
      }
    }
  }
  return records;
}

absl::StatusOr<client::RunReport> SubmitSample(int port, const Sample& sample,
                                               const std::string& rejects) {
  client::SubmitOptions options;
  options.export_options.input_path = SourcePath(sample.csv);
  options.export_options.profile_path = SourcePath(sample.profile);
  options.export_options.postcode_lookup_path =
      SourcePath("deploy/data/postcode_lookup_demo.csv");
  options.export_options.rejects_path = rejects;
  options.linkage_key_path = TestLinkageKeyPath();
  options.gateway_address = absl::StrCat("127.0.0.1:", port);
  options.tls = TestPki::Get().ClientFiles(sample.organisation);
  options.purpose_id = kExamplePurpose;
  return client::RunSubmit(options);
}

// The value of an unlabelled sample in metrics text; -1 when absent.
double SampleValue(const std::string& text, absl::string_view series) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::ConsumePrefix(&line, series) ||
        !absl::ConsumePrefix(&line, " ")) {
      continue;
    }
    double value = -1;
    if (absl::SimpleAtod(line, &value)) return value;
  }
  return -1;
}

class LeakScanIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = MakeGatewayConfig(dir_.path());
    config_.mutable_metrics()->set_listen_address("127.0.0.1:0");
    v1::FrameworkConfig& framework = *config_.mutable_framework();
    framework.set_ics_code("QHL");
    framework.set_ics_name("Birmingham and Solihull");
    framework.add_local_authorities("E08000025");
    framework.add_local_authorities("E08000029");
    const std::string& store = config_.store().sqlite_path();
    ASSERT_THAT(InstallActiveAgreement(
                    store, ExampleSubmissionAgreement(kCharitylogOrg)),
                IsOk());
    ASSERT_THAT(InstallActiveAgreement(
                    store, ExampleSubmissionAgreement(kLamplightOrg)),
                IsOk());
    absl::StatusOr<v1::Agreement> extract =
        governance::LoadAgreementFile(SourcePath(
            "deploy/agreements/qhl_population_health_extract.textproto"));
    ASSERT_THAT(extract, IsOk());
    ASSERT_THAT(InstallActiveAgreement(store, *extract), IsOk());
    // The extract agreement applies the national data opt-out: without a
    // list every pull is refused (E5).
    {
      absl::StatusOr<std::unique_ptr<governance::OptOutRegistry>> optouts =
          governance::OptOutRegistry::Open(store);
      ASSERT_THAT(optouts, IsOk());
      ASSERT_THAT((*optouts)
                      ->Upload(kTestLinkageKeyId, "leak scan list",
                               {std::string(32, 'x')},
                               "urn:equilink:person:caldicott-01", absl::Now())
                      .status(),
                  IsOk());
    }
    const std::string config_path =
        WriteGatewayConfig(config_, dir_.File("gateway.textproto"));
    absl::StatusOr<GatewayProcess> gateway = StartGatewayProcess(
        config_path, dir_.File("port"), log_path(),
        {absl::StrCat("--metrics_port_file=", dir_.File("metrics_port"))});
    ASSERT_THAT(gateway, IsOk());
    gateway_ = *std::move(gateway);
    absl::StatusOr<int> metrics_port =
        WaitForPortFile(dir_.File("metrics_port"), absl::Seconds(5));
    ASSERT_THAT(metrics_port, IsOk());
    metrics_port_ = *metrics_port;
  }

  std::string log_path() const { return dir_.File("gateway.log"); }

  std::string Scrape() {
    absl::StatusOr<std::string> text = ScrapeMetrics(metrics_port_);
    EXPECT_THAT(text, IsOk());
    written_.push_back(text.value_or(""));
    return text.value_or("");
  }

  grpc::Status Pull(const std::string& organisation,
                    const std::string& purpose) {
    auto stub = v1::ExtractService::NewStub(
        MakeChannel(gateway_.port, TestPki::Get().ClientFiles(organisation)));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
    v1::PullRequest request;
    request.set_purpose_id(purpose);
    request.set_dataset_id(kDataset);
    request.set_identifiability(v1::IDENTIFIABILITY_PSEUDONYMISED_RECORD);
    request.set_request_id(absl::StrCat("leak-pull-", ++requests_));
    auto reader = stub->Pull(&context, request);
    v1::PullChunk chunk;
    while (reader->Read(&chunk)) {
    }
    return reader->Finish();
  }

  grpc::Status Indicators(const std::string& organisation,
                          const std::string& purpose) {
    auto stub = v1::IndicatorService::NewStub(
        MakeChannel(gateway_.port, TestPki::Get().ClientFiles(organisation)));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
    v1::IndicatorRequest request;
    request.set_purpose_id(purpose);
    request.add_indicator_ids("ACC-05");
    request.set_period_first_day("2022-01-01");
    request.set_period_last_day("2026-12-31");
    request.set_request_id(absl::StrCat("leak-ind-", ++requests_));
    v1::IndicatorResponse response;
    return stub->GetIndicators(&context, request, &response);
  }

  TempDir dir_;
  v1::GatewayConfig config_;
  GatewayProcess gateway_;
  int metrics_port_ = 0;
  int requests_ = 0;
  // Everything the gateway answered besides its log.
  std::vector<std::string> written_;
};

TEST_F(LeakScanIntegrationTest, NothingTheGatewayWritesHoldsAnIdentifier) {
  Secrets secrets;
  std::vector<v1::PseudonymisedRecord> records;
  for (const Sample& sample : kSamples) {
    AddIdentifiers(sample, secrets);
    std::vector<v1::PseudonymisedRecord> derived = AddTokens(sample, secrets);
    records.insert(records.end(), derived.begin(), derived.end());
  }
  ASSERT_GT(records.size(), 20u);
  ASSERT_GT(secrets.size(), 200u);

  // The samples through the real client (its own rejects stay on the client).
  for (const Sample& sample : kSamples) {
    absl::StatusOr<client::RunReport> report = SubmitSample(
        gateway_.port, sample,
        dir_.File(absl::StrCat(sample.organisation, ".rejects.csv")));
    ASSERT_THAT(report, IsOk()) << sample.csv;
    EXPECT_GT(report->records_accepted, 5) << sample.csv;
  }

  // Refusals by the gateway itself, made of real tokens.
  v1::SubmissionBatch batch;
  batch.set_submission_id("leak-scan-refusals");
  batch.set_dataset_id(kDataset);
  batch.set_purpose_id(kExamplePurpose);
  batch.set_key_id(kTestLinkageKeyId);
  batch.set_sequence(0);
  *batch.add_records() = records[0];
  *batch.add_records() = records[0];  // a duplicate in the batch
  v1::PseudonymisedRecord* malformed = batch.add_records();
  *malformed = records[1];
  // A record pseudonym cut to 8 bytes: the prefix of a real token, which
  // must not be logged either.
  malformed->set_record_pseudonym(
      records[1].record_pseudonym().substr(0, 8));  // not 32 bytes
  v1::BatchAck ack;
  ASSERT_TRUE(SubmitOneBatch(gateway_.port,
                             TestPki::Get().ClientFiles(kCharitylogOrg), batch,
                             &ack)
                  .ok());
  EXPECT_EQ(ack.outcome(), v1::BATCH_PARTIALLY_ACCEPTED);
  batch.set_sequence(1);
  batch.set_key_id("another-linkage-domain");  // S7
  ASSERT_TRUE(SubmitOneBatch(gateway_.port,
                             TestPki::Get().ClientFiles(kCharitylogOrg), batch,
                             &ack)
                  .ok());
  EXPECT_EQ(ack.outcome(), v1::BATCH_REJECTED);
  // An organisation the registry does not know.
  EXPECT_FALSE(SubmitOneBatch(gateway_.port,
                              TestPki::Get().ClientFiles(kUnregisteredOrg),
                              batch, &ack)
                   .ok());

  // Linkage catches up (indicators count linked people): the backlog gauge.
  for (int i = 0; i < 100; ++i) {
    if (SampleValue(Scrape(), "equilink_linkage_unlinked_records") == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  EXPECT_TRUE(Pull(kConsumerOrg, kExamplePurpose).ok());
  EXPECT_FALSE(Pull(kConsumerOrg, "marketing").ok());
  EXPECT_FALSE(Pull(kCharitylogOrg, kExamplePurpose).ok());  // wrong role
  EXPECT_TRUE(Indicators(kConsumerOrg, kExamplePurpose).ok());
  EXPECT_FALSE(Indicators(kConsumerOrg, "marketing").ok());
  EXPECT_FALSE(Indicators(kLamplightOrg, kExamplePurpose).ok());  // wrong role

  // Bad requests to the metrics endpoint are answered too, and scanned.
  for (const char* request : {"GET / HTTP/1.1\r\n\r\n", "nonsense\r\n\r\n",
                              "GET /metrics?x=9083016617 HTTP/1.1\r\n\r\n"}) {
    absl::StatusOr<std::string> answer = HttpExchange(metrics_port_, request);
    ASSERT_THAT(answer, IsOk());
    // The query string of the last one is the caller's own text: it must not
    // come back.
    if (absl::StrContains(request, "?")) {
      EXPECT_THAT(*answer, ::testing::Not(HasSubstr("9083016617")));
    }
    written_.push_back(*answer);
  }

  const std::string metrics = Scrape();
  EXPECT_GE(SampleValue(metrics, "equilink_batches_received_total"), 4);
  EXPECT_GE(SampleValue(metrics, "equilink_batches_accepted_total"), 3);
  EXPECT_GE(SampleValue(metrics, "equilink_records_accepted_total"), 10);
  EXPECT_THAT(metrics,
              HasSubstr("equilink_batches_rejected_total{rule=\"S7\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("equilink_records_rejected_total{reason="
                                 "\"duplicate_in_batch\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("equilink_records_rejected_total{reason="
                                 "\"malformed_token\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("equilink_extract_pulls_total{decision="
                                 "\"allowed\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("equilink_extract_pulls_total{decision="
                                 "\"denied\"} 2\n"));
  EXPECT_THAT(metrics, HasSubstr("equilink_indicator_releases_total{decision="
                                 "\"allowed\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("equilink_indicator_releases_total{decision="
                                 "\"denied\"} 2\n"));
  EXPECT_GT(SampleValue(metrics, "equilink_audit_entries_appended_total"), 5);
  EXPECT_GT(SampleValue(metrics, "equilink_records_stored"), 10);
  EXPECT_GT(SampleValue(metrics, "equilink_store_size_bytes"), 0);
  EXPECT_GE(SampleValue(metrics, "equilink_uptime_seconds"), 0);

  gateway_.process.Signal(SIGTERM);
  EQ_ASSERT_OK_AND_ASSIGN(ExitInfo exit,
                          gateway_.process.Wait(absl::Seconds(30)));
  EXPECT_EQ(exit.exit_code, 0);
  const std::string log = ReadFileOrEmpty(log_path());
  ASSERT_THAT(log, HasSubstr("metrics endpoint listening"));
  ASSERT_THAT(log, HasSubstr("gateway stopped"));

  const std::set<std::string> in_log = secrets.KindsFoundIn(log);
  for (const std::string& kind : in_log) {
    ADD_FAILURE() << "the gateway's log holds a " << kind;
  }
  for (size_t i = 0; i < written_.size(); ++i) {
    for (const std::string& kind : secrets.KindsFoundIn(written_[i])) {
      ADD_FAILURE() << "metrics answer " << i << " holds a " << kind;
    }
  }
}

// The scan itself finds what it looks for, so a clean result means something.
TEST(LeakScanTest, FindsEachKindOfValueInTheFormsItLooksFor) {
  Secrets secrets;
  secrets.AddWord("name", "Layla");
  secrets.AddWord("NHS number", "9083016617");
  secrets.AddToken("NHS number token", std::string(32, '\x5a'));
  EXPECT_THAT(secrets.KindsFoundIn("stored for LAYLA ok"),
              ::testing::ElementsAre("name"));
  EXPECT_TRUE(secrets.KindsFoundIn("Laylani 19083016617").empty());
  EXPECT_THAT(secrets.KindsFoundIn("nhs=9083016617"),
              ::testing::ElementsAre("NHS number"));
  EXPECT_THAT(secrets.KindsFoundIn(absl::StrCat(
                  "token ", absl::BytesToHexString(std::string(8, '\x5a')))),
              ::testing::ElementsAre("NHS number token (hex prefix)"));
}

}  // namespace
}  // namespace equilink::testing
