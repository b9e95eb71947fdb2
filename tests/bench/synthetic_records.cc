#include "tests/bench/synthetic_records.h"

#include <iterator>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/synth/bsol_lsoas.h"
#include "common/status/status_macros.h"
#include "server/framework/population.h"
#include "server/store/sqlite/database.h"
#include "server/store/sqlite/transaction.h"
#include "server/store/sqlite_store.h"

namespace equilink::bench {
namespace {

constexpr const char* kServices[] = {
    "YOUNG_CARERS",       "MH_WELLBEING",      "FOOD_HAF",
    "EARLY_HELP_FAMILY",  "COUNSELLING",       "YOUTH_WORK",
    "MENTORING",          "HEALTHY_WEIGHT",    "PARENTING",
    "SOCIAL_PRESCRIBING", "ADVICE_INCOME_MAX", "HEALTH_EDUCATION_ASTHMA"};
constexpr const char* kEthnicity[] = {"A", "A", "A", "A", "B", "C",
                                      "D", "F", "H", "J", "J", "K",
                                      "M", "N", "R", "S", "Z", "99"};

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  return bytes;
}

std::string Day(std::mt19937_64& rng, absl::CivilDay from, int span) {
  const absl::CivilDay day = from + static_cast<int>(rng() % span);
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

}  // namespace

v1::PseudonymisedRecord SyntheticVcseRecord(std::mt19937_64& rng,
                                            uint64_t serial) {
  v1::PseudonymisedRecord r;
  r.set_record_pseudonym(
      absl::StrCat(RandomBytes(rng, 24), absl::StrFormat("%08x", serial)));
  r.set_client_pseudonym(RandomBytes(rng, 32));
  // What pseudonymisation puts on every record: the NHS-number token (when
  // valid), four match keys and six field encodings.
  if (rng() % 100 < 85) {
    r.set_nhs_number_status(v1::NHS_NUMBER_VALID);
    r.set_nhs_number_token(RandomBytes(rng, 32));
  } else {
    r.set_nhs_number_status(v1::NHS_NUMBER_ABSENT);
  }
  for (int kind = 1; kind <= 4; ++kind) {
    v1::MatchKeyToken* key = r.add_match_keys();
    key->set_kind(static_cast<v1::MatchKeyKind>(kind));
    key->set_token(RandomBytes(rng, 32));
  }
  for (int field = 1; field <= 6; ++field) {
    v1::BloomEncoding* bloom = r.add_bloom();
    bloom->set_field(static_cast<v1::BloomField>(field));
    bloom->set_bits(RandomBytes(rng, field == 3 || field == 5 ? 32 : 64));
  }
  const auto lsoas = client::synth::BsolLsoas();
  const auto& lsoa = lsoas[rng() % lsoas.size()];
  r.set_lsoa_code(client::synth::LsoaCode(lsoa));
  r.set_ethnic_category(kEthnicity[rng() % std::size(kEthnicity)]);
  r.set_sex_code(rng() % 50 == 0 ? "9" : (rng() % 2 ? "1" : "2"));
  r.set_age_at_referral(static_cast<uint32_t>(rng() % 20));
  r.set_birth_year_month("2012-05");
  r.set_service_type(kServices[rng() % std::size(kServices)]);
  const std::string referral = Day(rng, absl::CivilDay(2026, 1, 1), 330);
  r.set_referral_date(referral);
  if (rng() % 10 != 0) {
    r.set_first_contact_date(Day(rng, *framework::ParseDay(referral), 60));
  }
  r.set_sessions_offered(static_cast<uint32_t>(rng() % 12));
  r.set_sessions_attended(static_cast<uint32_t>(rng() % 10));
  if (rng() % 100 < 8) r.add_needs("YOUNG_CARER");
  if (rng() % 100 < 12) r.add_needs("FOOD_INSECURITY");
  if (rng() % 100 < 5) r.add_needs("HOUSING_CONDITION");
  if (rng() % 100 < 30) {
    const double baseline = 30 + static_cast<double>(rng() % 30);
    v1::OutcomeScore* before = r.add_outcomes();
    before->set_instrument(rng() % 2 ? "WEMWBS14" : "SDQ_TOTAL");
    before->set_timepoint("BASELINE");
    before->set_date(referral);
    before->set_total(baseline);
    if (rng() % 100 < 70) {
      v1::OutcomeScore* after = r.add_outcomes();
      after->set_instrument(before->instrument());
      after->set_timepoint("EXIT");
      after->set_date(Day(rng, *framework::ParseDay(referral) + 40, 30));
      after->set_total(baseline + static_cast<double>(rng() % 11) - 3);
    }
  }
  return r;
}

absl::StatusOr<size_t> FillLinkedStore(const std::string& path, int persons,
                                       uint64_t seed) {
  std::vector<int64_t> person_of_record;
  {
    store::SqliteOptions options;
    options.path = path;
    EQ_ASSIGN_OR_RETURN(std::unique_ptr<store::SqliteStore> store,
                        store::SqliteStore::Open(options));
    std::mt19937_64 rng(seed);
    constexpr size_t kBatch = 5000;
    const char* organisations[] = {"ORG01", "ORG02", "ORG03", "ORG04",
                                   "ORG05", "ORG06", "ORG07", "ORG08"};
    uint64_t sequence = 0;
    store::BatchWrite batch;
    auto flush = [&]() -> absl::Status {
      if (batch.records.empty()) return absl::OkStatus();
      EQ_RETURN_IF_ERROR(store->CommitBatch(std::move(batch)).status());
      batch = store::BatchWrite{};
      return absl::OkStatus();
    };
    for (int p = 1; p <= persons; ++p) {
      const int records = rng() % 100 < 30 ? 2 : 1;
      for (int k = 0; k < records; ++k) {
        if (batch.records.size() == kBatch) EQ_RETURN_IF_ERROR(flush());
        if (batch.records.empty()) {
          batch.organisation_code = organisations[sequence % 8];
          batch.submission_id = "bench";
          batch.sequence = sequence++;
          batch.dataset_id = "vcse-service-contacts";
          batch.key_id = "bench";
          batch.ack = "ack";
        }
        const v1::PseudonymisedRecord record =
            SyntheticVcseRecord(rng, person_of_record.size());
        batch.records.push_back(
            store::RecordRow{.record_pseudonym = record.record_pseudonym(),
                             .payload = record.SerializeAsString()});
        person_of_record.push_back(p);
      }
    }
    EQ_RETURN_IF_ERROR(flush());
    EQ_RETURN_IF_ERROR(store->IndexAppendedRecords());
  }
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<store::sqlite::Database> db,
                      store::sqlite::Database::Open({.path = path}));
  EQ_ASSIGN_OR_RETURN(store::sqlite::Transaction transaction,
                      store::sqlite::Transaction::Begin(db.get()));
  EQ_ASSIGN_OR_RETURN(
      auto insert,
      db->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "INSERT INTO record_links (record_id, person_id, stage, "
          "match_probability, linked_at) VALUES (?1, ?2, 1, 1.0, 0)"));
  for (size_t i = 0; i < person_of_record.size(); ++i) {
    EQ_RETURN_IF_ERROR(insert->BindInt64(0, static_cast<int64_t>(i + 1)));
    EQ_RETURN_IF_ERROR(insert->BindInt64(1, person_of_record[i]));
    EQ_RETURN_IF_ERROR(insert->Run());
    insert->Reset(/*clear_bindings=*/false);
  }
  EQ_RETURN_IF_ERROR(transaction.Commit());
  return person_of_record.size();
}

}  // namespace equilink::bench
