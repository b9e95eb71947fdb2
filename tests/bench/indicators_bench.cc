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
#include "tests/bench/synthetic_records.h"

ABSL_FLAG(int, persons, 1000000, "Linked persons in the store");
ABSL_FLAG(std::string, source_dir, ".", "Repository root");
ABSL_FLAG(std::string, build_dir, "build", "Build directory (unused here)");
ABSL_FLAG(std::string, work_dir, "",
          "Where the store goes (default: a temporary directory, removed)");

namespace equilink::bench {
namespace {

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

  size_t records = 0;
  const double load_seconds = TimeSeconds(
      [&] { records = OrDie(FillLinkedStore(path, persons, 20261207)); });
  std::unique_ptr<store::sqlite::Database> db =
      OrDie(store::sqlite::Database::Open({.path = path}));
  std::printf(
      "store: %d persons, %zu records, committed and linked in %.1f s\n",
      persons, records, load_seconds);

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
