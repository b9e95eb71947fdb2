// The linkage engine at the scale of the issue, on the synthetic Birmingham
// and Solihull cohort (client/synth/), nothing tuned per data set.
//
// Part 1, quality and speed: --people persons, their ICS register (one
// record each) and --vcse_records dirty VCSE referral records over
// --organisations organisations, written as CSV files by the synth writer and
// read back through the REAL client path (the written mapping profiles, the
// postcode lookup, RecordPipeline, RecordPseudonymiser with a fixed test key),
// then the register and the VCSE files into one LinkageEngine (the register
// as a one-record-per-person source), EstimateModel, LinkPending. Scored
// against the synth truth (whose person each record is).
//
//   link_100k_seconds                 AddRecord + EstimateModel + LinkPending
//   link_100k_pseudonymise_seconds    CSV -> pseudonymised records, all files
//   link_100k_f1 (_precision, _recall) pairwise, rows the client rejected
//                                     counting as missed
//   match_probability_calibration_error  ECE (10 bins) of every compared
//                                     pair's Fellegi-Sunter probability
//   blocking_pair_completeness        true pairs compared at all
//   link_recall_imd_q1..q5, link_match_rate_gap (max - min of those)
//   link_recall_<ethnic group>, link_match_rate_imd_q*, link_match_rate_<group>
//                                     (VCSE records joined to their register
//                                     record)
//
// Part 2, incremental linking against a large store (skipped with
// --incremental_population=0): a SQLite store holding the register of
// --incremental_population persons (pseudonymised directly, bypassing the CSV
// step: part 1 checks that both paths give identical tokens), linked by a
// LinkageWorker; then the first organisation's share of --incremental_records
// VCSE records, which gives the worker pairs to make its first EM estimate
// from (it relinks everyone with it); then, after a restart, the other
// organisations' records committed and linked incrementally.
//
//   initial_link_1m_seconds, first_estimate_relink_1m_seconds,
//   worker_restore_1m_seconds, incremental_link_records_per_s,
//   incremental_peak_rss_mb

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/geo/postcode_lookup.h"
#include "client/mapping/mapping_profile.h"
#include "client/pipeline/record_pipeline.h"
#include "client/synth/bsol_lsoas.h"
#include "client/synth/corruption.h"
#include "client/synth/population.h"
#include "client/synth/synth_dataset.h"
#include "client/synth/synth_options.h"
#include "client/synth/synth_writer.h"
#include "common/keys/linkage_key.h"
#include "common/pseudo/person_identifiers.h"
#include "common/pseudo/record_pseudonymiser.h"
#include "server/linkage/blocking.h"
#include "server/linkage/evaluation/calibration.h"
#include "server/linkage/evaluation/pairwise_metrics.h"
#include "server/linkage/linkage_engine.h"
#include "server/linkage/linkage_worker.h"
#include "server/store/sqlite_store.h"
#include "tests/bench/bench_util.h"

ABSL_FLAG(std::string, build_dir, "build", "Build directory (unused here)");
ABSL_FLAG(std::string, source_dir, ".", "Repository root (unused here)");
ABSL_FLAG(int, threads, 2, "Pipeline, pseudonymiser and engine threads");
ABSL_FLAG(uint64_t, seed, 20260401, "Synthetic cohort seed");
ABSL_FLAG(int, people, 100000, "Part 1: persons in the ICS register");
ABSL_FLAG(int, vcse_records, 0, "Part 1: VCSE records (0: --people)");
ABSL_FLAG(int, organisations, 4, "Part 1: VCSE organisations");
ABSL_FLAG(int, incremental_population, 1000000,
          "Part 2: register records already linked in the store (0 skips "
          "part 2)");
ABSL_FLAG(int, incremental_records, 50000,
          "Part 2: new VCSE records linked incrementally");
ABSL_FLAG(std::string, work_dir, "",
          "Where the CSV files and the store go (default: a new directory "
          "under $TMPDIR, removed at the end)");
ABSL_FLAG(int, name_lsh_bands, -1,
          "Blocking experiment: name LSH bands (-1: the engine's default)");
ABSL_FLAG(int, name_lsh_rows, -1,
          "Blocking experiment: MinHash rows per name LSH band (-1: default)");
ABSL_FLAG(int, max_block_size, -1,
          "Blocking: largest contributing exact block (-1: the default)");
ABSL_FLAG(int, max_lsh_block_size, -1,
          "Blocking: largest contributing MinHash band (-1: the default)");
ABSL_FLAG(int, corroborate_above, -1,
          "Blocking: block size from which members need a second key (-1: "
          "the default, 0: off)");
ABSL_FLAG(int, postcodes_per_lsoa, -1,
          "Synthetic postcodes per LSOA (-1: the generator's default)");
ABSL_FLAG(bool, diagnose, true,
          "Print where the missed and false pairs come from");

namespace equilink::bench {
namespace {

namespace synth = client::synth;
using linkage::Row;

constexpr int kQuintiles = 5;

// A fixed key: the benchmark's tokens are the same on every run.
std::unique_ptr<RecordPseudonymiser> TestPseudonymiser() {
  std::string key_bytes;
  for (int i = 0; i < 32; ++i) key_bytes.push_back(static_cast<char>(0x5a ^ i));
  const LinkageKey key =
      OrDie(LinkageKey::FromBytes("linkage-bench", SecretBytes(key_bytes)));
  return OrDie(RecordPseudonymiser::Create(key));
}

double PeakRssMb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
    }
  }
  return 0;
}

// Resets VmHWM to the current RSS, so the next peak is one part's own.
void ResetPeakRss() {
  std::ofstream clear_refs("/proc/self/clear_refs");
  clear_refs << "5";
}

template <typename Work>
void ParallelFor(size_t count, int threads, Work&& work) {
  std::atomic<size_t> next{0};
  constexpr size_t kChunk = 256;
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, threads); ++t) {
    pool.emplace_back([&] {
      for (;;) {
        const size_t begin = next.fetch_add(kChunk);
        if (begin >= count) return;
        const size_t end = std::min(count, begin + kChunk);
        for (size_t i = begin; i < end; ++i) work(i);
      }
    });
  }
  for (std::thread& thread : pool) thread.join();
}

linkage::BlockingOptions BlockingFromFlags() {
  linkage::BlockingOptions blocking;
  if (absl::GetFlag(FLAGS_name_lsh_bands) >= 0) {
    blocking.name_lsh_bands = absl::GetFlag(FLAGS_name_lsh_bands);
  }
  if (absl::GetFlag(FLAGS_name_lsh_rows) > 0) {
    blocking.name_lsh_rows = absl::GetFlag(FLAGS_name_lsh_rows);
  }
  if (absl::GetFlag(FLAGS_max_block_size) > 0) {
    blocking.max_block_size =
        static_cast<size_t>(absl::GetFlag(FLAGS_max_block_size));
  }
  if (absl::GetFlag(FLAGS_corroborate_above) >= 0) {
    blocking.corroborate_above =
        static_cast<size_t>(absl::GetFlag(FLAGS_corroborate_above));
  }
  if (absl::GetFlag(FLAGS_max_lsh_block_size) > 0) {
    blocking.max_lsh_block_size =
        static_cast<size_t>(absl::GetFlag(FLAGS_max_lsh_block_size));
  }
  return blocking;
}

// What the truth says about one record of the data set.
struct RecordTruth {
  uint32_t person = 0;
  uint32_t source = 0;        // 0 = register, 1.. = organisation + 1
  uint32_t imd_quintile = 0;  // 1..5
  uint32_t ethnic_group = 0;  // synth::EthnicGroup
  uint32_t corruptions = 0;
  uint32_t household = 0;
  bool twin = false;
};

RecordTruth TruthOf(const synth::SynthDataset& dataset,
                    const synth::SynthRecord& record, uint32_t source) {
  const synth::SynthPerson& person = dataset.people[record.person];
  const synth::BsolLsoa& lsoa =
      synth::BsolLsoas()[dataset.geography.LsoaOf(person.postcode)];
  return RecordTruth{
      .person = record.person,
      .source = source,
      .imd_quintile =
          static_cast<uint32_t>(synth::ImdQuintile(lsoa.imd_decile)),
      .ethnic_group =
          static_cast<uint32_t>(synth::EthnicGroupOf(person.ethnic_category)),
      .corruptions = record.corruptions,
      .household = person.household,
      .twin = person.twin};
}

// The identity part of a record as the mapper and the pseudonymiser make it
// from one synth record, without the CSV round trip (part 2's bulk load).
v1::PseudonymisedRecord DirectRecord(const RecordPseudonymiser& pseudonymiser,
                                     const synth::SynthDataset& dataset,
                                     const synth::SynthRecord& record,
                                     const std::string& organisation_code,
                                     bool register_record) {
  const synth::SynthIdentity& id = record.identity;
  PersonIdentifiers ids;
  ids.organisation_code = organisation_code;
  ids.local_record_id = record.record_id;
  ids.local_client_id = record.client_id;
  ids.nhs_number = id.nhs_number;
  ids.forename = id.forename;
  ids.surname = id.surname;
  ids.date_of_birth = id.dob;
  if (id.sex != 0) {
    ids.sex_code = std::string(1, id.sex);
  } else if (!register_record && !id.sex_blank) {
    ids.sex_code = "X";  // "Not known" in the VCSE profile's value map
  }
  ids.postcode = id.postcode_text;
  ids.address_line = id.address_line;
  ids.locality = std::string(dataset.geography.Locality(
      id.postcode, register_record ? true : id.locality_named));
  v1::PseudonymisedRecord out;
  const absl::Status status = pseudonymiser.Pseudonymise(ids, &out);
  if (!status.ok()) {
    std::fprintf(stderr, "pseudonymise: %s\n", status.ToString().c_str());
    std::exit(1);
  }
  out.set_birth_year_month(absl::StrFormat(
      "%04d-%02d", static_cast<int>(id.dob.year()), id.dob.month()));
  out.set_sex_code(ids.sex_code);
  if (!id.postcode_text.empty()) {
    out.set_lsoa_code(synth::LsoaCode(
        synth::BsolLsoas()[dataset.geography.LsoaOf(id.postcode)]));
  }
  return out;
}

// The fields linkage reads, for comparing the direct path with the client's.
std::string LinkageFields(const v1::PseudonymisedRecord& record) {
  v1::PseudonymisedRecord part;
  part.set_record_pseudonym(record.record_pseudonym());
  part.set_client_pseudonym(record.client_pseudonym());
  part.set_nhs_number_status(record.nhs_number_status());
  part.set_nhs_number_token(record.nhs_number_token());
  *part.mutable_match_keys() = record.match_keys();
  *part.mutable_bloom() = record.bloom();
  part.set_birth_year_month(record.birth_year_month());
  part.set_lsoa_code(record.lsoa_code());
  part.set_sex_code(record.sex_code());
  return part.SerializeAsString();
}

struct LoadedRecord {
  v1::PseudonymisedRecord record;
  uint32_t index = 0;  // into the synth file's records
};

struct LoadedFile {
  std::string source;
  std::vector<LoadedRecord> records;
  std::vector<uint32_t> rejected;  // synth indexes of rows the client dropped
};

LoadedFile LoadThroughClient(const std::string& profile_path,
                             const std::string& csv_path, std::string source,
                             size_t synth_rows,
                             const client::PostcodeLookup& postcodes,
                             const RecordPseudonymiser& pseudonymiser) {
  LoadedFile file;
  file.source = std::move(source);
  const v1::MappingProfile profile =
      OrDie(client::LoadMappingProfile(profile_path));
  client::PipelineOptions options;
  options.input_path = csv_path;
  options.threads = absl::GetFlag(FLAGS_threads);
  options.pseudonymiser = &pseudonymiser;
  auto pipeline = OrDie(
      client::RecordPipeline::Start(profile, &postcodes, std::move(options)));
  std::vector<bool> seen(synth_rows, false);
  client::PipelineBatch batch;
  while (OrDie(pipeline->Next(&batch))) {
    auto& records = *batch.outgoing.batch.mutable_records();
    for (int i = 0; i < records.size(); ++i) {
      // Row 1 is the header; the writer never puts a newline in a field.
      const uint32_t index =
          static_cast<uint32_t>(batch.outgoing.record_rows[i] - 2);
      seen[index] = true;
      file.records.push_back(
          LoadedRecord{.record = std::move(records[i]), .index = index});
    }
  }
  for (uint32_t i = 0; i < synth_rows; ++i) {
    if (!seen[i]) file.rejected.push_back(i);
  }
  return file;
}

// Labels of every engine row, then a singleton for each rejected row.
std::vector<uint32_t> WithRejected(std::vector<uint32_t> labels,
                                   size_t rejected) {
  uint32_t next = static_cast<uint32_t>(labels.size());
  for (size_t i = 0; i < rejected; ++i) labels.push_back(next++);
  return labels;
}

uint64_t PairKey(Row a, Row b) {
  if (a > b) std::swap(a, b);
  return (static_cast<uint64_t>(a) << 32) | b;
}

// Counts corruption kinds over a set of pairs (a pair counts once for each
// kind either record has).
struct CorruptionTally {
  uint64_t pairs = 0;
  uint64_t clean = 0;
  std::array<uint64_t, synth::kCorruptionKinds> kinds{};

  void Add(uint32_t corruptions) {
    ++pairs;
    if (corruptions == 0) ++clean;
    for (int k = 0; k < synth::kCorruptionKinds; ++k) {
      if (corruptions & (1u << k)) ++kinds[k];
    }
  }
  void Print(const char* title) const {
    std::printf("  %s: %llu pairs (%llu with no corruption on either side)\n",
                title, static_cast<unsigned long long>(pairs),
                static_cast<unsigned long long>(clean));
    for (int k = 0; k < synth::kCorruptionKinds; ++k) {
      if (kinds[k] == 0) continue;
      std::printf("    %-20s %llu (%.1f%%)\n", synth::CorruptionName(k),
                  static_cast<unsigned long long>(kinds[k]),
                  100.0 * kinds[k] / static_cast<double>(pairs));
    }
  }
};

// Which simple exact keys a pair shares: a proxy for the blocks it could
// have been found by.
std::string SharedKeys(const linkage::FeatureTable& t, Row a, Row b) {
  using linkage::EncodedField;
  std::string out;
  auto same = [&](EncodedField f) {
    return t.has(f, a) && t.has(f, b) &&
           t.encoding_hash(f, a) == t.encoding_hash(f, b);
  };
  const bool same_year =
      t.birth_year_month(a) >= 0 &&
      t.birth_year_month(a) / 12 == t.birth_year_month(b) / 12;
  if (t.nhs_token(a) != 0 && t.nhs_token(a) == t.nhs_token(b)) out += "nhs ";
  if (same(EncodedField::kDateOfBirth)) out += "dob ";
  if (same_year) out += "year ";
  if (same(EncodedField::kSurname)) out += "surname ";
  if (same(EncodedField::kForename)) out += "forename ";
  if (same(EncodedField::kPostcode)) out += "postcode ";
  if (out.empty()) out = "nothing";
  return out;
}

void RunPart1(const std::string& work_dir,
              const RecordPseudonymiser& pseudonymiser) {
  const int threads = absl::GetFlag(FLAGS_threads);
  synth::SynthOptions options;
  options.seed = absl::GetFlag(FLAGS_seed);
  options.people = absl::GetFlag(FLAGS_people);
  if (absl::GetFlag(FLAGS_postcodes_per_lsoa) > 0) {
    options.postcodes_per_lsoa = absl::GetFlag(FLAGS_postcodes_per_lsoa);
  }
  options.organisations = absl::GetFlag(FLAGS_organisations);
  options.vcse_records = absl::GetFlag(FLAGS_vcse_records) > 0
                             ? absl::GetFlag(FLAGS_vcse_records)
                             : options.people;
  synth::SynthDataset dataset;
  const double generate_seconds = TimeSeconds(
      [&] { dataset = OrDie(synth::GenerateSynthDataset(options)); });
  const std::string dir = work_dir + "/part1";
  synth::SynthWriteOptions write_options;
  write_options.out_dir = dir;
  write_options.threads = threads;
  const double write_seconds = TimeSeconds(
      [&] { OrDie(synth::WriteSynthDataset(dataset, write_options)); });
  size_t vcse = 0;
  for (const auto& org : dataset.organisations) vcse += org.size();
  std::printf(
      "part 1: %zu persons, %zu register records, %zu VCSE records in %zu "
      "organisations (seed %llu); generated in %.2f s, written in %.2f s\n",
      dataset.people.size(), dataset.population.size(), vcse,
      dataset.organisations.size(),
      static_cast<unsigned long long>(options.seed), generate_seconds,
      write_seconds);

  // The client path.
  const auto postcodes =
      OrDie(client::PostcodeLookup::Load(dir + "/postcode_lookup.csv"));
  std::vector<LoadedFile> files;
  const double pseudonymise_seconds = TimeSeconds([&] {
    files.push_back(LoadThroughClient(
        dir + "/profiles/synth_population.textproto", dir + "/population.csv",
        options.population_code, dataset.population.size(), *postcodes,
        pseudonymiser));
    for (size_t o = 0; o < dataset.organisations.size(); ++o) {
      const std::string& code = dataset.organisation_codes[o];
      files.push_back(LoadThroughClient(
          absl::StrCat(dir, "/profiles/synth_vcse_", code, ".textproto"),
          absl::StrCat(dir, "/vcse_", code, ".csv"), code,
          dataset.organisations[o].size(), *postcodes, pseudonymiser));
    }
  });
  std::vector<const std::vector<synth::SynthRecord>*> synth_files = {
      &dataset.population};
  for (const auto& organisation : dataset.organisations) {
    synth_files.push_back(&organisation);
  }

  // Part 2 pseudonymises without the CSV step: it must give the same tokens.
  {
    uint64_t checked = 0;
    uint64_t differ = 0;
    for (size_t f = 0; f < files.size(); ++f) {
      const LoadedFile& file = files[f];
      for (size_t i = 0; i < file.records.size(); i += 7) {
        const LoadedRecord& loaded = file.records[i];
        const v1::PseudonymisedRecord direct =
            DirectRecord(pseudonymiser, dataset,
                         (*synth_files[f])[loaded.index], file.source, f == 0);
        ++checked;
        if (LinkageFields(direct) != LinkageFields(loaded.record)) ++differ;
      }
    }
    std::printf(
        "direct pseudonymisation vs the client path: %llu of %llu sampled "
        "records differ in a linkage field\n",
        static_cast<unsigned long long>(differ),
        static_cast<unsigned long long>(checked));
  }

  // The engine.
  linkage::LinkageOptions engine_options;
  engine_options.threads = threads;
  engine_options.keep_scored_pairs = true;
  engine_options.blocking = BlockingFromFlags();
  std::printf("name LSH: %d bands of %d rows\n",
              engine_options.blocking.name_lsh_bands,
              engine_options.blocking.name_lsh_rows);
  engine_options.one_record_per_person_sources = {options.population_code};
  linkage::LinkageEngine engine(engine_options);
  std::vector<RecordTruth> truth;
  size_t rejected = 0;
  linkage::LinkRun run;
  double add_seconds = 0;
  double estimate_seconds = 0;
  double link_seconds = 0;
  add_seconds = TimeSeconds([&] {
    for (size_t f = 0; f < files.size(); ++f) {
      for (const LoadedRecord& loaded : files[f].records) {
        OrDie(engine.AddRecord(loaded.record,
                               static_cast<int64_t>(truth.size()),
                               files[f].source));
        truth.push_back(TruthOf(dataset, (*synth_files[f])[loaded.index],
                                static_cast<uint32_t>(f)));
      }
    }
  });
  estimate_seconds = TimeSeconds([&] {
    const absl::Status estimated = engine.EstimateModel();
    if (!estimated.ok()) {
      std::fprintf(stderr, "EstimateModel: %s\n", estimated.ToString().c_str());
      std::exit(1);
    }
  });
  link_seconds = TimeSeconds([&] { run = OrDie(engine.LinkPending()); });
  const size_t engine_rows = truth.size();
  for (size_t f = 0; f < files.size(); ++f) {
    for (uint32_t index : files[f].rejected) {
      truth.push_back(
          TruthOf(dataset, (*synth_files[f])[index], static_cast<uint32_t>(f)));
      ++rejected;
    }
  }
  files.clear();  // the records are in the engine now

  std::vector<uint32_t> truth_person(truth.size());
  std::vector<uint32_t> imd(truth.size());
  std::vector<uint32_t> ethnic(truth.size());
  std::vector<uint32_t> source(truth.size());
  for (size_t i = 0; i < truth.size(); ++i) {
    truth_person[i] = truth[i].person;
    imd[i] = truth[i].imd_quintile;
    ethnic[i] = truth[i].ethnic_group;
    source[i] = truth[i].source;
  }
  const std::vector<uint32_t> predicted =
      WithRejected(engine.labels(), rejected);
  const linkage::PairwiseMetrics metrics =
      linkage::EvaluatePairwise(predicted, truth_person);
  const linkage::PairwiseMetrics accepted_only = linkage::EvaluatePairwise(
      std::span<const uint32_t>(engine.labels()),
      std::span<const uint32_t>(truth_person).first(engine_rows));

  std::printf(
      "engine: %zu rows (%zu rejected by the client), add %.2f s, EM %.2f s, "
      "link %.2f s; %llu pairs compared, %llu deterministic and %llu "
      "probabilistic links, threshold %.3f\n",
      engine_rows, rejected, add_seconds, estimate_seconds, link_seconds,
      static_cast<unsigned long long>(run.pairs_compared),
      static_cast<unsigned long long>(run.deterministic_links),
      static_cast<unsigned long long>(run.probabilistic_links),
      engine.link_threshold());
  std::printf(
      "pairs: tp %llu fp %llu fn %llu (accepted rows only: precision %.4f "
      "recall %.4f f1 %.4f)\n",
      static_cast<unsigned long long>(metrics.true_positives),
      static_cast<unsigned long long>(metrics.false_positives),
      static_cast<unsigned long long>(metrics.false_negatives),
      accepted_only.precision, accepted_only.recall, accepted_only.f1);
  Figure("link_100k_seconds", add_seconds + estimate_seconds + link_seconds);
  Figure("link_100k_pseudonymise_seconds", pseudonymise_seconds);
  Figure("link_100k_f1", metrics.f1);
  Figure("link_100k_precision", metrics.precision);
  Figure("link_100k_recall", metrics.recall);

  // Calibration of every compared pair's probability.
  const std::vector<linkage::ScoredPair>& scored = engine.scored_pairs();
  std::vector<linkage::CalibrationPoint> points;
  points.reserve(scored.size());
  uint64_t true_pairs_compared = 0;
  absl::flat_hash_map<uint64_t, float> true_pair_probability;
  for (const linkage::ScoredPair& pair : scored) {
    const bool is_match = truth_person[pair.a] == truth_person[pair.b];
    points.push_back({.probability = pair.probability, .is_match = is_match});
    if (is_match) {
      ++true_pairs_compared;
      true_pair_probability[PairKey(pair.a, pair.b)] = pair.probability;
    }
  }
  const double ece = linkage::ExpectedCalibrationError(points, 10);
  std::printf("calibration over %zu compared pairs:\n", points.size());
  for (const linkage::CalibrationBin& bin :
       linkage::CalibrationBins(points, 10)) {
    std::printf("  [%.1f, %.1f) %9zu pairs  mean p %.4f  matches %.4f\n",
                bin.lower, bin.upper, bin.count, bin.mean_probability,
                bin.match_fraction);
  }
  Figure("match_probability_calibration_error", ece);
  {
    // The pairs blocking proposes are overwhelmingly clear non-matches, which
    // dilute the ECE: the same measure over the pairs that decide links.
    std::vector<linkage::CalibrationPoint> contested;
    for (const linkage::CalibrationPoint& point : points) {
      if (point.probability >= 0.1) contested.push_back(point);
    }
    std::printf("  ECE over the %zu pairs scored >= 0.1: %.4f\n",
                contested.size(),
                linkage::ExpectedCalibrationError(contested, 10));
  }

  // Blocking: true pairs among the rows the engine holds.
  uint64_t true_pairs = 0;
  {
    absl::flat_hash_map<uint32_t, uint64_t> size_of;
    for (size_t i = 0; i < engine_rows; ++i) ++size_of[truth_person[i]];
    for (const auto& [person, n] : size_of) true_pairs += n * (n - 1) / 2;
  }
  const linkage::BlockingStats& stats = engine.blocking_stats();
  std::printf(
      "blocking: %llu distinct candidate pairs, %llu dropped as proposed "
      "only once by a large block\n",
      static_cast<unsigned long long>(stats.candidate_pairs),
      static_cast<unsigned long long>(stats.uncorroborated));
  for (int k = 0; k < linkage::kBlockKindCount; ++k) {
    std::printf(
        "  %-22s %12llu proposed, %8llu oversized-block skips\n",
        linkage::BlockKindName(static_cast<linkage::BlockKind>(k)),
        static_cast<unsigned long long>(stats.kinds[k].candidate_pairs),
        static_cast<unsigned long long>(stats.kinds[k].oversized_skips));
  }
  std::printf("  true pairs %llu, compared %llu\n",
              static_cast<unsigned long long>(true_pairs),
              static_cast<unsigned long long>(true_pairs_compared));
  Figure("blocking_pair_completeness",
         true_pairs == 0 ? 1.0
                         : static_cast<double>(true_pairs_compared) /
                               static_cast<double>(true_pairs));

  // Equity.
  const std::vector<linkage::GroupRecall> by_imd =
      linkage::RecallByGroup(predicted, truth_person, imd);
  double lowest = 1;
  double highest = 0;
  for (const linkage::GroupRecall& group : by_imd) {
    std::printf("  IMD quintile %u: %llu true pairs, recall %.4f\n",
                group.group, static_cast<unsigned long long>(group.true_pairs),
                group.recall);
    Figure(absl::StrCat("link_recall_imd_q", group.group), group.recall);
    lowest = std::min(lowest, group.recall);
    highest = std::max(highest, group.recall);
  }
  Figure("link_match_rate_gap", by_imd.empty() ? 0 : highest - lowest);
  for (const linkage::GroupRecall& group :
       linkage::RecallByGroup(predicted, truth_person, ethnic)) {
    const std::string name = absl::AsciiStrToLower(
        synth::EthnicGroupName(static_cast<synth::EthnicGroup>(group.group)));
    std::printf("  ethnic group %s: %llu true pairs, recall %.4f\n",
                name.c_str(), static_cast<unsigned long long>(group.true_pairs),
                group.recall);
    Figure(absl::StrCat("link_recall_", name), group.recall);
  }
  for (const linkage::GroupMatchRate& group :
       linkage::MatchRateByGroup(predicted, truth_person, source, 0, imd)) {
    std::printf(
        "  IMD quintile %u: %llu VCSE records, %llu joined to their register "
        "record (%.4f)\n",
        group.group, static_cast<unsigned long long>(group.with_counterpart),
        static_cast<unsigned long long>(group.linked), group.match_rate);
    Figure(absl::StrCat("link_match_rate_imd_q", group.group),
           group.match_rate);
  }
  for (const linkage::GroupMatchRate& group :
       linkage::MatchRateByGroup(predicted, truth_person, source, 0, ethnic)) {
    const std::string name = absl::AsciiStrToLower(
        synth::EthnicGroupName(static_cast<synth::EthnicGroup>(group.group)));
    std::printf(
        "  ethnic group %s: %llu VCSE records, %llu joined to their register "
        "record (%.4f)\n",
        name.c_str(), static_cast<unsigned long long>(group.with_counterpart),
        static_cast<unsigned long long>(group.linked), group.match_rate);
    Figure(absl::StrCat("link_match_rate_", name), group.match_rate);
  }

  if (!absl::GetFlag(FLAGS_diagnose)) return;
  // Missed true pairs (engine rows only): not compared, compared below the
  // threshold, or compared above it but kept apart by clustering.
  const std::vector<Row>& labels = engine.labels();
  const linkage::FeatureTable& table = engine.features();
  const double threshold = engine.link_threshold();
  CorruptionTally not_compared;
  CorruptionTally below_threshold;
  CorruptionTally split_by_clustering;
  CorruptionTally missed_with_register;
  absl::flat_hash_map<std::string, uint64_t> shared_keys_not_compared;
  std::array<uint64_t, 10> missed_probability_bins{};
  {
    absl::flat_hash_map<uint32_t, std::vector<Row>> rows_of;
    for (Row r = 0; r < engine_rows; ++r) rows_of[truth_person[r]].push_back(r);
    for (const auto& [person, rows] : rows_of) {
      for (size_t i = 0; i < rows.size(); ++i) {
        for (size_t j = i + 1; j < rows.size(); ++j) {
          const Row a = rows[i];
          const Row b = rows[j];
          if (labels[a] == labels[b]) continue;
          const uint32_t corruptions =
              truth[a].corruptions | truth[b].corruptions;
          if (truth[a].source == 0 || truth[b].source == 0) {
            missed_with_register.Add(corruptions);
          }
          const auto it = true_pair_probability.find(PairKey(a, b));
          if (it == true_pair_probability.end()) {
            not_compared.Add(corruptions);
            ++shared_keys_not_compared[SharedKeys(table, a, b)];
          } else if (it->second < threshold) {
            below_threshold.Add(corruptions);
            ++missed_probability_bins[std::min(
                9, static_cast<int>(it->second * 10))];
          } else {
            split_by_clustering.Add(corruptions);
          }
        }
      }
    }
  }
  std::printf("missed true pairs (accepted rows):\n");
  not_compared.Print("never compared (blocking)");
  std::printf("    exact keys they share:\n");
  std::vector<std::pair<uint64_t, std::string>> shared;
  for (const auto& [keys, n] : shared_keys_not_compared) {
    shared.push_back({n, keys});
  }
  std::sort(shared.rbegin(), shared.rend());
  for (const auto& [n, keys] : shared) {
    std::printf("      %8llu  %s\n", static_cast<unsigned long long>(n),
                keys.c_str());
  }
  below_threshold.Print("compared, probability below the threshold");
  std::printf("    by probability:");
  for (uint64_t n : missed_probability_bins) {
    std::printf(" %llu", static_cast<unsigned long long>(n));
  }
  std::printf("\n");
  split_by_clustering.Print("compared above the threshold, kept apart");
  missed_with_register.Print("of all missed, pairs with the register record");

  // False links: pairs of different persons in one cluster.
  CorruptionTally false_pairs;
  uint64_t same_household = 0;
  uint64_t twins = 0;
  uint64_t false_deterministic = 0;
  absl::flat_hash_map<Row, std::vector<Row>> members;
  for (Row r = 0; r < engine_rows; ++r) members[labels[r]].push_back(r);
  absl::flat_hash_map<uint64_t, uint8_t> stage_of;
  for (const linkage::ScoredPair& pair : scored) {
    if (labels[pair.a] == labels[pair.b] &&
        truth_person[pair.a] != truth_person[pair.b]) {
      stage_of[PairKey(pair.a, pair.b)] = pair.stage;
    }
  }
  size_t largest = 0;
  for (const auto& [label, rows] : members) {
    largest = std::max(largest, rows.size());
    if (rows.size() > 200) continue;
    for (size_t i = 0; i < rows.size(); ++i) {
      for (size_t j = i + 1; j < rows.size(); ++j) {
        const Row a = rows[i];
        const Row b = rows[j];
        if (truth_person[a] == truth_person[b]) continue;
        false_pairs.Add(truth[a].corruptions | truth[b].corruptions);
        if (truth[a].household == truth[b].household) ++same_household;
        if (truth[a].twin && truth[b].twin &&
            truth[a].household == truth[b].household) {
          ++twins;
        }
        const auto it = stage_of.find(PairKey(a, b));
        if (it != stage_of.end() && it->second != 0) ++false_deterministic;
      }
    }
  }
  std::printf(
      "false pairs: largest cluster %zu rows; %llu false pairs, %llu within a "
      "household (%llu twins), %llu joined by a deterministic edge\n",
      largest, static_cast<unsigned long long>(false_pairs.pairs),
      static_cast<unsigned long long>(same_household),
      static_cast<unsigned long long>(twins),
      static_cast<unsigned long long>(false_deterministic));
  false_pairs.Print("false pairs");
}

void RunPart2(const std::string& work_dir,
              const RecordPseudonymiser& pseudonymiser) {
  const int threads = absl::GetFlag(FLAGS_threads);
  synth::SynthOptions options;
  options.seed = absl::GetFlag(FLAGS_seed) + 1;
  options.people = absl::GetFlag(FLAGS_incremental_population);
  if (absl::GetFlag(FLAGS_postcodes_per_lsoa) > 0) {
    options.postcodes_per_lsoa = absl::GetFlag(FLAGS_postcodes_per_lsoa);
  }
  options.vcse_records = absl::GetFlag(FLAGS_incremental_records);
  synth::SynthDataset dataset;
  const double generate_seconds = TimeSeconds(
      [&] { dataset = OrDie(synth::GenerateSynthDataset(options)); });
  std::printf("part 2: %zu register records generated in %.2f s\n",
              dataset.population.size(), generate_seconds);

  std::filesystem::create_directories(work_dir + "/part2");
  const std::string store_path = work_dir + "/part2/store.db";
  store::SqliteOptions store_options;
  store_options.path = store_path;
  std::unique_ptr<store::SqliteStore> store =
      OrDie(store::SqliteStore::Open(store_options));

  // Pseudonymise and commit in batches of 5,000, as ingest would.
  constexpr size_t kBatch = 5000;
  uint64_t sequence = 0;
  auto commit = [&](const std::string& code,
                    const std::vector<const synth::SynthRecord*>& records,
                    bool register_records) {
    for (size_t begin = 0; begin < records.size(); begin += kBatch) {
      const size_t count = std::min(kBatch, records.size() - begin);
      store::BatchWrite batch;
      batch.organisation_code = code;
      batch.submission_id = "linkage-bench";
      batch.sequence = sequence++;
      batch.dataset_id = register_records ? "ics-population-register"
                                          : "vcse-service-contacts";
      batch.key_id = pseudonymiser.key_id();
      batch.records.resize(count);
      ParallelFor(count, threads, [&](size_t i) {
        const v1::PseudonymisedRecord record =
            DirectRecord(pseudonymiser, dataset, *records[begin + i], code,
                         register_records);
        batch.records[i].record_pseudonym = record.record_pseudonym();
        batch.records[i].payload = record.SerializeAsString();
      });
      OrDie(store->CommitBatch(std::move(batch)));
    }
  };
  std::vector<const synth::SynthRecord*> register_records;
  for (const synth::SynthRecord& r : dataset.population) {
    register_records.push_back(&r);
  }
  const double load_seconds = TimeSeconds([&] {
    commit(options.population_code, register_records, true);
    if (!store->IndexAppendedRecords().ok()) std::exit(1);
  });
  std::printf(
      "store: %zu register records pseudonymised and committed in %.2f s\n",
      register_records.size(), load_seconds);

  linkage::LinkageWorkerOptions worker_options;
  worker_options.store_path = store_path;
  worker_options.engine.threads = threads;
  worker_options.engine.blocking = BlockingFromFlags();
  worker_options.engine.one_record_per_person_sources = {
      options.population_code};
  auto commit_organisations = [&](size_t first, size_t end) {
    uint64_t committed = 0;
    for (size_t o = first; o < end && o < dataset.organisations.size(); ++o) {
      std::vector<const synth::SynthRecord*> records;
      for (const synth::SynthRecord& r : dataset.organisations[o]) {
        if (r.expect_reject) continue;  // the client would not send it
        records.push_back(&r);
      }
      committed += records.size();
      commit(dataset.organisation_codes[o], records, false);
    }
    if (!store->IndexAppendedRecords().ok()) std::exit(1);
    return committed;
  };
  {
    // The register alone: one record per person, so nothing to compare and
    // nothing for EM to learn from; the worker keeps the default model.
    std::unique_ptr<linkage::LinkageWorker> worker =
        OrDie(linkage::LinkageWorker::Open(worker_options));
    uint64_t linked = 0;
    const double seconds =
        TimeSeconds([&] { linked = OrDie(worker->LinkAvailable()); });
    std::printf("initial link: %llu records in %.2f s\n",
                static_cast<unsigned long long>(linked), seconds);
    Figure("initial_link_1m_seconds", seconds);
    // The first organisation's records: now there are pairs, and the worker
    // makes its first estimate and relinks everyone with it, as a gateway
    // does. The timed records below are linked with that model.
    const uint64_t warmup = commit_organisations(0, 1);
    const double estimate_seconds =
        TimeSeconds([&] { OrDie(worker->LinkAvailable()); });
    const linkage::LinkageStatus status = OrDie(worker->Status());
    std::printf(
        "first estimate: %llu records of one organisation linked, model "
        "version %u, everyone relinked in %.2f s\n",
        static_cast<unsigned long long>(warmup), status.model_version,
        estimate_seconds);
    if (status.model_version == 0) {
      std::fprintf(stderr, "the worker made no estimate\n");
      std::exit(1);
    }
    Figure("first_estimate_relink_1m_seconds", estimate_seconds);
  }
  std::unique_ptr<linkage::LinkageWorker> worker;
  const double restore_seconds = TimeSeconds(
      [&] { worker = OrDie(linkage::LinkageWorker::Open(worker_options)); });
  Figure("worker_restore_1m_seconds", restore_seconds);

  // New VCSE records of the other organisations, each in its own batches.
  const uint64_t incremental =
      commit_organisations(1, dataset.organisations.size());
  const uint64_t candidates_before = OrDie(worker->Status()).candidate_pairs;
  uint64_t linked = 0;
  const double seconds =
      TimeSeconds([&] { linked = OrDie(worker->LinkAvailable()); });
  const linkage::LinkageStatus status = OrDie(worker->Status());
  std::printf(
      "incremental: %llu VCSE records committed, %llu linked in %.2f s; "
      "%llu persons now; %.1f candidate pairs per record\n",
      static_cast<unsigned long long>(incremental),
      static_cast<unsigned long long>(linked), seconds,
      static_cast<unsigned long long>(status.persons),
      static_cast<double>(status.candidate_pairs - candidates_before) /
          std::max<uint64_t>(linked, 1));
  const linkage::LinkageStatus::PhaseSeconds& phases = status.phase_seconds;
  std::printf(
      "incremental phases: read %.2f s, features %.2f s, link %.2f s, "
      "assign %.2f s, write %.2f s\n",
      phases.read, phases.features, phases.link, phases.assign, phases.write);
  Figure("incremental_link_records_per_s",
         seconds > 0 ? static_cast<double>(linked) / seconds : 0);
  Figure("incremental_peak_rss_mb", PeakRssMb());
}

int Main() {
  std::string work_dir = absl::GetFlag(FLAGS_work_dir);
  const bool remove_after = work_dir.empty();
  if (work_dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/linkage_bench_XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) {
      std::fprintf(stderr, "cannot create a temporary directory\n");
      return 1;
    }
    work_dir = pattern;
  }
  const std::unique_ptr<RecordPseudonymiser> pseudonymiser =
      TestPseudonymiser();
  if (absl::GetFlag(FLAGS_people) > 0) {
    RunPart1(work_dir, *pseudonymiser);
    Figure("link_100k_peak_rss_mb", PeakRssMb());
  }
  if (absl::GetFlag(FLAGS_incremental_population) > 0) {
    ResetPeakRss();
    RunPart2(work_dir, *pseudonymiser);
  }
  if (remove_after) std::filesystem::remove_all(work_dir);
  return 0;
}

}  // namespace
}  // namespace equilink::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return equilink::bench::Main();
}
