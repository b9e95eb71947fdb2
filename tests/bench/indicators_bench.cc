// indicators_bench: the whole indicator catalogue, by every breakdown, over a
// store of --persons linked people (issue 5: indicators_1m_seconds, goal
// < 10 s).
//
// The store is the gateway's own SQLite store: VCSE records of realistic
// shape (service facts, needs, outcome scores, and the pseudonymised
// identifiers every record carries, so a record parses at its real size),
// committed in batches of 5,000 as ingest does, and linked to persons
// directly in record_links (the linkage engine's output; linking is measured
// by linkage_bench). 30% of persons have a second record at another
// organisation.
//
// Timed: building the period's population from the store, then every
// catalogue indicator computed from submitted data (17 in the seed), each by
// all its breakdowns with confidence intervals, SII and RII (100,000
// simulations each), and NHSD_2018 disclosure control. The baseline, in the
// same run: reading and parsing the same rows and nothing else, the floor of
// any computation over the store.
//
// Figures: indicators_1m_seconds, indicators_store_scan_seconds,
// indicators_vs_scan_ratio, indicators_cells.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/synth/bsol_lsoas.h"
#include "equilink/v1/record.pb.h"
#include "server/framework/area_lookup.h"
#include "server/framework/indicator_catalogue.h"
#include "server/framework/indicator_engine.h"
#include "server/framework/population.h"
#include "server/store/sqlite/database.h"
#include "server/store/sqlite/transaction.h"
#include "server/store/sqlite_store.h"
#include "tests/bench/bench_util.h"

ABSL_FLAG(int, persons, 1000000, "Linked persons in the store");
ABSL_FLAG(std::string, source_dir, ".", "Repository root");
ABSL_FLAG(std::string, build_dir, "build", "Build directory (unused here)");
ABSL_FLAG(std::string, work_dir, "",
          "Where the store goes (default: a temporary directory, removed)");

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

void CheckOk(const absl::Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    std::exit(1);
  }
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  return bytes;
}

std::string Day(std::mt19937_64& rng, absl::CivilDay from, int span) {
  const absl::CivilDay day = from + static_cast<int>(rng() % span);
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

v1::PseudonymisedRecord MakeRecord(std::mt19937_64& rng, uint64_t serial) {
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
    bloom->set_bits(RandomBytes(rng, field == 3 || field == 4 ? 32 : 64));
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

int Main() {
  const int persons = absl::GetFlag(FLAGS_persons);
  std::string work_dir = absl::GetFlag(FLAGS_work_dir);
  const bool remove_after = work_dir.empty();
  if (remove_after) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/indicators_bench_XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) return 1;
    work_dir = pattern;
  }
  const std::string path = work_dir + "/store.db";
  const std::string source = absl::GetFlag(FLAGS_source_dir);

  std::vector<int64_t> person_of_record;
  const double load_seconds = TimeSeconds([&] {
    store::SqliteOptions options;
    options.path = path;
    std::unique_ptr<store::SqliteStore> store =
        OrDie(store::SqliteStore::Open(options));
    std::mt19937_64 rng(20261207);
    constexpr size_t kBatch = 5000;
    const char* organisations[] = {"ORG01", "ORG02", "ORG03", "ORG04",
                                   "ORG05", "ORG06", "ORG07", "ORG08"};
    uint64_t sequence = 0;
    store::BatchWrite batch;
    auto flush = [&] {
      if (batch.records.empty()) return;
      OrDie(store->CommitBatch(std::move(batch)));
      batch = store::BatchWrite{};
    };
    for (int p = 1; p <= persons; ++p) {
      const int records = rng() % 100 < 30 ? 2 : 1;
      for (int k = 0; k < records; ++k) {
        if (batch.records.size() == kBatch) flush();
        if (batch.records.empty()) {
          batch.organisation_code = organisations[sequence % 8];
          batch.submission_id = "indicators-bench";
          batch.sequence = sequence++;
          batch.dataset_id = "vcse-service-contacts";
          batch.key_id = "bench";
          batch.ack = "ack";
        }
        const v1::PseudonymisedRecord record =
            MakeRecord(rng, person_of_record.size());
        batch.records.push_back(
            store::RecordRow{.record_pseudonym = record.record_pseudonym(),
                             .payload = record.SerializeAsString()});
        person_of_record.push_back(p);
      }
    }
    flush();
  });
  std::unique_ptr<store::sqlite::Database> db =
      OrDie(store::sqlite::Database::Open({.path = path}));
  {
    auto transaction = OrDie(store::sqlite::Transaction::Begin(db.get()));
    auto insert = OrDie(db->GetCachedStatement(
        EQ_SQL_FROM_HERE,
        "INSERT INTO record_links (record_id, person_id, stage, "
        "match_probability, linked_at) VALUES (?1, ?2, 1, 1.0, 0)"));
    for (size_t i = 0; i < person_of_record.size(); ++i) {
      CheckOk(insert->BindInt64(0, static_cast<int64_t>(i + 1)));
      CheckOk(insert->BindInt64(1, person_of_record[i]));
      CheckOk(insert->Run());
      insert->Reset(/*clear_bindings=*/false);
    }
    CheckOk(transaction.Commit());
  }
  std::printf(
      "store: %d persons, %zu records, committed and linked in %.1f s\n",
      persons, person_of_record.size(), load_seconds);

  // The floor: every linked row read and parsed, nothing computed.
  uint64_t scanned = 0;
  const double scan_seconds = TimeSeconds([&] {
    auto scan = OrDie(db->GetCachedStatement(
        EQ_SQL_FROM_HERE,
        "SELECT l.person_id, r.record_id, r.org_code, r.payload FROM "
        "record_links l JOIN records r ON r.record_id = l.record_id ORDER BY "
        "l.record_id"));
    v1::PseudonymisedRecord record;
    for (;;) {
      if (!OrDie(scan->Step())) break;
      if (record.ParseFromString(scan->ColumnBlob(3))) ++scanned;
    }
  });

  auto areas = OrDie(framework::AreaLookup::Load(
      source + "/deploy/data/imd2019/"
               "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz",
      source + "/deploy/data/imd2019/"
               "File_6_-_IoD2019_Population_Denominators.csv.gz"));
  auto catalogue = OrDie(framework::IndicatorCatalogue::Load(
      source + "/deploy/framework/indicators.textproto"));
  const framework::disclosure::Profile* profile =
      OrDie(framework::disclosure::FindProfile("NHSD_2018"));
  framework::EngineOptions options;
  options.local_authorities = {"E08000025", "E08000029"};

  size_t indicators = 0;
  size_t cells = 0;
  size_t population_persons = 0;
  double build_seconds = 0;
  const double seconds = TimeSeconds([&] {
    std::unique_ptr<framework::Population> population;
    build_seconds = TimeSeconds([&] {
      population = OrDie(framework::Population::Build(
          db.get(), areas.get(),
          framework::Period{absl::CivilDay(2026, 1, 1),
                            absl::CivilDay(2026, 12, 31)}));
    });
    population_persons = population->persons().size();
    const std::vector<framework::IndicatorTable> tables =
        OrDie(framework::ComputeCatalogue(catalogue->proto(), *population,
                                          options, /*threads=*/2));
    for (const framework::IndicatorTable& table : tables) {
      const std::vector<framework::disclosure::ShownCell> shown =
          OrDie(framework::ApplyDisclosure(table, *profile));
      ++indicators;
      cells += shown.size();
    }
  });
  std::printf(
      "indicators: %zu indicators, %zu cells over %zu persons in %.2f s "
      "(population %.2f s); store scan alone %.2f s (%llu rows)\n",
      indicators, cells, population_persons, seconds, build_seconds,
      scan_seconds, static_cast<unsigned long long>(scanned));
  Figure("indicators_1m_seconds", seconds);
  Figure("indicators_store_scan_seconds", scan_seconds);
  Figure("indicators_vs_scan_ratio", seconds / scan_seconds);
  Figure("indicators_cells", static_cast<double>(cells));
  db.reset();
  if (remove_after) std::filesystem::remove_all(work_dir);
  return 0;
}

}  // namespace
}  // namespace equilink::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return equilink::bench::Main();
}
