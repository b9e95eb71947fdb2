// Linkage quality on the FEBRL synthetic benchmarks (tests/data/febrl/), end
// to end: each CSV goes through the real client path (the FEBRL mapping
// profile, the record pipeline, the pseudonymiser with a fixed test key) and
// the pseudonymised records into the linkage engine, which estimates its model
// by EM and chooses its own link threshold; nothing here is tuned per data
// set. The clusters are scored pairwise against the truth in rec_id
// (rec-N-org and rec-N-dup-K are the same person N).
//
// Figures, each with _precision, _recall and _seconds (EM plus linking):
//   febrl4_f1                4a linked with 4b (5,000 cross-file pairs)
//   febrl4_f1_no_ssn         the same without soc_sec_id
//   febrl4_half_overlap_f1   4b without the duplicates of odd N: half of 4a
//                            has no partner
//   febrl3_f1                dataset3 deduplicated (6,538 true pairs)
//   febrl3_f1_no_ssn         the same without soc_sec_id
//   febrl3_f1_window_min     the lowest febrl3 F1 as the link threshold moves
//                            0.03 either side of the engine's, in 0.01 steps
//   febrl_rows_rejected      rows the mapper rejected (all files; expect 0)
//   clkhash_febrl4_f1        4a linked with 4b from clkhash CLKs alone: the
//                            files encoded as clkhash's FEBRL4 tutorial
//                            does (its schema, secret "secret"), each record
//                            carrying only its CLK and a record pseudonym;
//                            anonlink with a hand-picked threshold reaches
//                            0.996

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "client/csv/csv_reader.h"
#include "client/mapping/mapping_profile.h"
#include "client/pipeline/clk_file_encoder.h"
#include "client/pipeline/record_pipeline.h"
#include "common/keys/linkage_key.h"
#include "common/pseudo/clk/clk_encoder.h"
#include "common/pseudo/clk/clk_schema.h"
#include "common/pseudo/record_pseudonymiser.h"
#include "google/protobuf/text_format.h"
#include "server/linkage/dice/dice_kernel.h"
#include "server/linkage/evaluation/pairwise_metrics.h"
#include "server/linkage/evaluation/threshold_sweep.h"
#include "server/linkage/linkage_engine.h"
#include "tests/bench/bench_util.h"

ABSL_FLAG(std::string, build_dir, "build", "Build directory (unused here)");
ABSL_FLAG(std::string, source_dir, ".", "Repository root");
ABSL_FLAG(int, threads, 2, "Pipeline and engine threads");
// For experiments only; the figures use the engine's defaults, as the gateway
// does.
ABSL_FLAG(std::string, clk_model_settings, "",
          "clkhash_febrl4 only: LinkageModelSettings text proto");
ABSL_FLAG(bool, one_to_one_prior, true,
          "Per-record priors between the two FEBRL4 files (false: one lambda "
          "for every pair, the figures before 2026-12-07)");
ABSL_FLAG(bool, clk_only, false, "Run only the clkhash_febrl4 figure");
ABSL_FLAG(double, clk_sweep_floor, -1,
          "clkhash_febrl4 only: blocking Dice floor (< 0: the default)");

namespace equilink::bench {
namespace {

constexpr absl::string_view kProfile = "client/profiles/febrl.textproto";
constexpr absl::string_view kNoSsnProfile =
    "client/profiles/febrl_no_ssn.textproto";
constexpr absl::string_view kDataDir = "tests/data/febrl/";
constexpr absl::string_view kClkSchema =
    "tests/data/clkhash/febrl4-tutorial-schema-v3.json";
// The tutorial's secret: the CLKs are clkhash's own for these files.
constexpr absl::string_view kClkSecret = "secret";

// One pseudonymised record with the person it truly belongs to.
struct TruthRecord {
  v1::PseudonymisedRecord record;
  uint32_t person = 0;  // N of rec-N-org / rec-N-dup-K
  int row = 0;          // spreadsheet row in its file
};

// N from "rec-N-org" or "rec-N-dup-K".
uint32_t PersonOf(absl::string_view rec_id) {
  const absl::string_view prefix = "rec-";
  if (rec_id.substr(0, prefix.size()) != prefix) {
    std::fprintf(stderr, "unexpected rec_id shape\n");
    std::exit(1);
  }
  rec_id.remove_prefix(prefix.size());
  uint32_t person = 0;
  if (!absl::SimpleAtoi(rec_id.substr(0, rec_id.find('-')), &person)) {
    std::fprintf(stderr, "unexpected rec_id shape\n");
    std::exit(1);
  }
  return person;
}

// The truth of every data row, by spreadsheet row: read from the file itself,
// apart from the client path, so the scoring never relies on what the
// pseudonymiser kept.
absl::flat_hash_map<int, uint32_t> ReadTruth(const std::string& path) {
  auto reader = OrDie(client::CsvReader::Open(path));
  client::CsvRow row;
  if (!OrDie(reader->Next(&row))) std::exit(1);
  int rec_id_column = -1;
  for (size_t i = 0; i < row.fields.size(); ++i) {
    if (row.fields[i] == "rec_id") rec_id_column = static_cast<int>(i);
  }
  if (rec_id_column < 0) {
    std::fprintf(stderr, "%s: no rec_id column\n", path.c_str());
    std::exit(1);
  }
  absl::flat_hash_map<int, uint32_t> truth;
  while (OrDie(reader->Next(&row))) {
    truth[row.row_number] = PersonOf(row.fields[rec_id_column]);
  }
  return truth;
}

struct LoadedFile {
  std::vector<TruthRecord> records;
  // The persons of the rows the mapper rejected: they are still in the data
  // set, so their true pairs count as missed.
  std::vector<uint32_t> rejected_persons;
};

// The file through the client's record pipeline, as `equilink submit` reads
// it.
LoadedFile LoadFile(const std::string& profile_path, const std::string& path,
                    const RecordPseudonymiser& pseudonymiser) {
  LoadedFile file;
  absl::flat_hash_map<int, uint32_t> truth = ReadTruth(path);
  const v1::MappingProfile profile =
      OrDie(client::LoadMappingProfile(profile_path));
  client::PipelineOptions options;
  options.input_path = path;
  options.threads = absl::GetFlag(FLAGS_threads);
  options.pseudonymiser = &pseudonymiser;
  auto pipeline = OrDie(client::RecordPipeline::Start(
      profile, /*postcodes=*/nullptr, std::move(options)));
  client::PipelineBatch batch;
  while (OrDie(pipeline->Next(&batch))) {
    const auto& records = batch.outgoing.batch.records();
    for (int i = 0; i < records.size(); ++i) {
      const int row = batch.outgoing.record_rows[i];
      file.records.push_back(
          {.record = records[i], .person = truth.at(row), .row = row});
      truth.erase(row);
    }
  }
  // What is left was rejected.
  for (const auto& [row, person] : truth) {
    file.rejected_persons.push_back(person);
  }
  return file;
}

// The file encoded as clkhash's `hash` command encodes it: records with
// BLOOM_RECORD_CLK and a record pseudonym, nothing else to link on.
LoadedFile LoadClkFile(const clk::ClkEncoder& encoder, const std::string& path,
                       std::string organisation_code,
                       const RecordPseudonymiser& pseudonymiser) {
  client::ClkFileOptions options;
  options.pseudonymiser = &pseudonymiser;
  options.organisation_code = std::move(organisation_code);
  options.record_id_column = "rec_id";
  client::ClkEncodedFile encoded =
      OrDie(client::EncodeCsvFileClks(path, encoder, options));
  LoadedFile file;
  for (size_t i = 0; i < encoded.records.size(); ++i) {
    const v1::PseudonymisedRecord& record = encoded.records[i];
    // The figure is only honest if the CLK is all the engine can use.
    if (record.bloom_size() != 1 ||
        record.bloom(0).field() != v1::BLOOM_RECORD_CLK ||
        record.match_keys_size() != 0 || !record.nhs_number_token().empty()) {
      std::fprintf(stderr, "%s: a CLK record carries more than its CLK\n",
                   path.c_str());
      std::exit(1);
    }
    file.records.push_back({.record = std::move(encoded.records[i]),
                            .person = PersonOf(encoded.record_ids[i]),
                            .row = encoded.row_numbers[i]});
  }
  return file;
}

struct ScenarioFile {
  std::string source;
  const std::vector<TruthRecord>* records;
  const std::vector<uint32_t>* rejected_persons;
};

struct Scenario {
  std::string name;
  std::vector<ScenarioFile> files;  // in the order they reach the engine
  bool two_file_linkage = false;
  bool threshold_window = false;
  // Prints where the CLK Dice of true and false pairs falls and the CLK
  // levels EM estimated: the evidence for tuning CLK-only linkage.
  bool clk_diagnostics = false;
};

// `labels` with a singleton cluster for each rejected row appended, so that
// rows the client dropped count against recall instead of vanishing.
std::vector<uint32_t> WithRejected(std::vector<uint32_t> labels,
                                   size_t rejected) {
  uint32_t next = static_cast<uint32_t>(labels.size());
  for (size_t i = 0; i < rejected; ++i) labels.push_back(next++);
  return labels;
}

double ClkDice(const linkage::FeatureTable& table, linkage::Row a,
               linkage::Row b) {
  constexpr linkage::EncodedField kClk = linkage::EncodedField::kRecordClk;
  return linkage::DiceFromCounts(
      linkage::AndPopcount(table.bits(kClk, a), table.bits(kClk, b),
                           linkage::kEncodedFieldWords[static_cast<int>(kClk)]),
      table.popcount(kClk, a), table.popcount(kClk, b));
}

// The CLK Dice of every true cross-source pair and of the false candidate
// pairs, in 0.05 bins, with the probability the engine gave each side's
// pairs, and the record_clk m / u EM settled on.
void PrintClkDiagnostics(const linkage::LinkageEngine& engine,
                         std::span<const uint32_t> truth) {
  const linkage::FeatureTable& table = engine.features();
  constexpr int kBins = 20;
  std::vector<uint64_t> true_pairs(kBins), false_candidates(kBins);
  std::vector<uint64_t> true_candidates(kBins), true_linked(kBins),
      false_linked(kBins);
  const auto bin = [](double dice) {
    return std::min(kBins - 1, static_cast<int>(dice * kBins));
  };
  const double threshold = engine.link_threshold();
  for (const linkage::ScoredPair& pair : engine.scored_pairs()) {
    if (table.source(pair.a) == table.source(pair.b)) continue;
    const int b = bin(ClkDice(table, pair.a, pair.b));
    const bool linked = pair.probability >= threshold;
    if (truth[pair.a] == truth[pair.b]) {
      ++true_candidates[b];
      if (linked) ++true_linked[b];
    } else {
      ++false_candidates[b];
      if (linked) ++false_linked[b];
    }
  }
  absl::flat_hash_map<uint32_t, std::vector<linkage::Row>> rows_of;
  for (linkage::Row row = 0; row < table.size(); ++row) {
    rows_of[truth[row]].push_back(row);
  }
  for (const auto& [person, rows] : rows_of) {
    for (size_t i = 0; i < rows.size(); ++i) {
      for (size_t j = i + 1; j < rows.size(); ++j) {
        if (table.source(rows[i]) == table.source(rows[j])) continue;
        ++true_pairs[bin(ClkDice(table, rows[i], rows[j]))];
      }
    }
  }
  std::printf(
      "  clk dice bin: true pairs / true candidates / true linked | false "
      "candidates / false linked\n");
  for (int b = 0; b < kBins; ++b) {
    if (true_pairs[b] + false_candidates[b] == 0) continue;
    std::printf("  [%.2f, %.2f): %llu / %llu / %llu | %llu / %llu\n",
                b / static_cast<double>(kBins),
                (b + 1) / static_cast<double>(kBins),
                static_cast<unsigned long long>(true_pairs[b]),
                static_cast<unsigned long long>(true_candidates[b]),
                static_cast<unsigned long long>(true_linked[b]),
                static_cast<unsigned long long>(false_candidates[b]),
                static_cast<unsigned long long>(false_linked[b]));
  }
  const linkage::FellegiSunterModel& model = engine.model();
  const linkage::ComparisonParameters& clk =
      model.comparison(linkage::ComparisonId::kRecordClk);
  std::printf("  em: lambda %.3g, %d iterations, %llu pairs, threshold %.3f\n",
              model.lambda, model.em.iterations,
              static_cast<unsigned long long>(model.em.pairs_used), threshold);
  for (int level = 0; level < clk.level_count(); ++level) {
    std::printf(
        "  record_clk level %d (dice >= %.2f): m %.4g u %.4g weight %.2f\n",
        level,
        level == 0 ? 1.0
        : static_cast<size_t>(level - 1) < clk.dice_thresholds.size()
            ? clk.dice_thresholds[static_cast<size_t>(level - 1)]
            : 0.0,
        clk.m[static_cast<size_t>(level)], clk.u[static_cast<size_t>(level)],
        clk.MatchWeight(level));
  }
}

void Run(const Scenario& scenario) {
  linkage::LinkageOptions options;
  options.threads = absl::GetFlag(FLAGS_threads);
  options.keep_scored_pairs =
      scenario.threshold_window || scenario.clk_diagnostics;
  if (scenario.clk_diagnostics) {
    const std::string settings = absl::GetFlag(FLAGS_clk_model_settings);
    if (!settings.empty() && !google::protobuf::TextFormat::ParseFromString(
                                 settings, &options.model_settings)) {
      std::fprintf(stderr, "bad --clk_model_settings\n");
      std::exit(1);
    }
    const absl::Status valid =
        linkage::ValidateModelSettings(options.model_settings);
    if (!valid.ok()) {
      std::fprintf(stderr, "--clk_model_settings: %s\n",
                   valid.ToString().c_str());
      std::exit(1);
    }
    if (absl::GetFlag(FLAGS_clk_sweep_floor) >= 0) {
      options.blocking.clk_sweep_floor = absl::GetFlag(FLAGS_clk_sweep_floor);
    }
  }
  if (!absl::GetFlag(FLAGS_one_to_one_prior)) {
    options.model_settings.set_one_to_one_prior(false);
  }
  if (scenario.two_file_linkage) {
    // Each FEBRL4 file holds a person once: what the engine is told about
    // any two-file linkage of registers.
    for (const ScenarioFile& file : scenario.files) {
      options.one_record_per_person_sources.push_back(file.source);
    }
  }
  linkage::LinkageEngine engine(options);
  std::vector<uint32_t> truth;
  std::vector<uint32_t> sources;
  for (size_t s = 0; s < scenario.files.size(); ++s) {
    const ScenarioFile& file = scenario.files[s];
    for (const TruthRecord& r : *file.records) {
      OrDie(engine.AddRecord(r.record, static_cast<int64_t>(truth.size()),
                             file.source));
      truth.push_back(r.person);
      sources.push_back(static_cast<uint32_t>(s));
    }
  }
  const size_t engine_rows = truth.size();
  size_t rejected = 0;
  for (size_t s = 0; s < scenario.files.size(); ++s) {
    for (uint32_t person : *scenario.files[s].rejected_persons) {
      truth.push_back(person);
      sources.push_back(static_cast<uint32_t>(s));
      ++rejected;
    }
  }
  linkage::LinkRun run;
  const double seconds = TimeSeconds([&] {
    const absl::Status estimated = engine.EstimateModel();
    if (!estimated.ok()) {
      std::fprintf(stderr, "%s: %s\n", scenario.name.c_str(),
                   estimated.ToString().c_str());
      std::exit(1);
    }
    run = OrDie(engine.LinkPending());
  });
  for (const linkage::SourcePairPrior& prior :
       engine.model().source_pair_priors) {
    std::printf(
        "%s: one-to-one prior %s (%llu) - %s (%llu): %.1f expected matches, "
        "log2 prior odds %.2f (lambda alone %.2f)\n",
        scenario.name.c_str(), prior.source_a.c_str(),
        static_cast<unsigned long long>(prior.records_a),
        prior.source_b.c_str(),
        static_cast<unsigned long long>(prior.records_b), prior.matches,
        prior.log2_prior_odds, engine.model().PriorLog2Odds());
  }
  const std::span<const uint32_t> source_span =
      scenario.two_file_linkage ? std::span<const uint32_t>(sources)
                                : std::span<const uint32_t>();
  const linkage::PairwiseMetrics metrics = linkage::EvaluatePairwise(
      WithRejected(engine.labels(), rejected), truth, source_span);
  std::printf(
      "%s: %zu records (%zu rejected), %llu pairs compared (%llu "
      "deterministic, %llu "
      "probabilistic links), threshold %.3f, tp %llu fp %llu fn %llu\n",
      scenario.name.c_str(), engine_rows, rejected,
      static_cast<unsigned long long>(run.pairs_compared),
      static_cast<unsigned long long>(run.deterministic_links),
      static_cast<unsigned long long>(run.probabilistic_links),
      engine.link_threshold(),
      static_cast<unsigned long long>(metrics.true_positives),
      static_cast<unsigned long long>(metrics.false_positives),
      static_cast<unsigned long long>(metrics.false_negatives));
  Figure(scenario.name, metrics.f1);
  Figure(absl::StrCat(scenario.name, "_precision"), metrics.precision);
  Figure(absl::StrCat(scenario.name, "_recall"), metrics.recall);
  Figure(absl::StrCat(scenario.name, "_seconds"), seconds);
  if (scenario.clk_diagnostics) PrintClkDiagnostics(engine, truth);
  if (scenario.threshold_window) {
    const std::vector<double> thresholds =
        linkage::ThresholdWindow(engine.link_threshold(), 0.03, 0.01);
    const std::vector<linkage::ThresholdPoint> points =
        linkage::SweepThresholds(
            thresholds,
            [&](double threshold) {
              return WithRejected(engine.ClusterAt(threshold), rejected);
            },
            truth, source_span);
    for (const linkage::ThresholdPoint& point : points) {
      std::printf("  threshold %.3f: precision %.4f recall %.4f f1 %.4f\n",
                  point.threshold, point.metrics.precision,
                  point.metrics.recall, point.metrics.f1);
    }
    Figure(absl::StrCat(scenario.name, "_window_min"), linkage::MinF1(points));
  }
}

// clkhash_febrl4_f1: both files as the clkhash tutorial encodes them.
void RunClkhashFebrl4(const std::string& data,
                      const RecordPseudonymiser& pseudonymiser) {
  const std::string root = absl::GetFlag(FLAGS_source_dir) + "/";
  const clk::ClkSchema schema =
      OrDie(clk::LoadClkSchemaFile(root + std::string(kClkSchema)));
  const std::unique_ptr<clk::ClkEncoder> encoder =
      OrDie(clk::ClkEncoder::Create(schema, kClkSecret));
  const LoadedFile a_clk =
      LoadClkFile(*encoder, data + "dataset4a.csv", "FEBRL4A", pseudonymiser);
  const LoadedFile b_clk =
      LoadClkFile(*encoder, data + "dataset4b.csv", "FEBRL4B", pseudonymiser);
  Run({.name = "clkhash_febrl4_f1",
       .files = {{"febrl4a", &a_clk.records, &a_clk.rejected_persons},
                 {"febrl4b", &b_clk.records, &b_clk.rejected_persons}},
       .two_file_linkage = true,
       .threshold_window = false,
       .clk_diagnostics = true});
}

int Main() {
  const std::string root = absl::GetFlag(FLAGS_source_dir) + "/";
  // A fixed key: the benchmark's tokens are the same on every run.
  std::string key_bytes;
  for (int i = 0; i < 32; ++i) key_bytes.push_back(static_cast<char>(0xf0 ^ i));
  const LinkageKey key =
      OrDie(LinkageKey::FromBytes("febrl-bench", SecretBytes(key_bytes)));
  const std::unique_ptr<RecordPseudonymiser> pseudonymiser =
      OrDie(RecordPseudonymiser::Create(key));

  const std::string profile = root + std::string(kProfile);
  const std::string no_ssn = root + std::string(kNoSsnProfile);
  const std::string data = root + std::string(kDataDir);
  if (absl::GetFlag(FLAGS_clk_only)) {
    RunClkhashFebrl4(data, *pseudonymiser);
    return 0;
  }
  const LoadedFile a =
      LoadFile(profile, data + "dataset4a.csv", *pseudonymiser);
  const LoadedFile b =
      LoadFile(profile, data + "dataset4b.csv", *pseudonymiser);
  const LoadedFile a_no_ssn =
      LoadFile(no_ssn, data + "dataset4a.csv", *pseudonymiser);
  const LoadedFile b_no_ssn =
      LoadFile(no_ssn, data + "dataset4b.csv", *pseudonymiser);
  const LoadedFile d3 =
      LoadFile(profile, data + "dataset3.csv", *pseudonymiser);
  const LoadedFile d3_no_ssn =
      LoadFile(no_ssn, data + "dataset3.csv", *pseudonymiser);
  size_t rejected = 0;
  for (const LoadedFile* file :
       {&a, &b, &a_no_ssn, &b_no_ssn, &d3, &d3_no_ssn}) {
    rejected += file->rejected_persons.size();
  }
  Figure("febrl_rows_rejected", static_cast<double>(rejected));

  // Deterministic and independent of file order: keep the duplicates of even
  // N only.
  std::vector<TruthRecord> b_half;
  for (const TruthRecord& r : b.records) {
    if (r.person % 2 == 0) b_half.push_back(r);
  }
  std::vector<uint32_t> b_half_rejected;
  for (uint32_t person : b.rejected_persons) {
    if (person % 2 == 0) b_half_rejected.push_back(person);
  }
  std::printf("febrl4 half overlap: %zu of %zu 4b records kept\n",
              b_half.size(), b.records.size());

  Run({.name = "febrl4_f1",
       .files = {{"febrl4a", &a.records, &a.rejected_persons},
                 {"febrl4b", &b.records, &b.rejected_persons}},
       .two_file_linkage = true,
       .threshold_window = false,
       .clk_diagnostics = false});
  Run({.name = "febrl4_f1_no_ssn",
       .files = {{"febrl4a", &a_no_ssn.records, &a_no_ssn.rejected_persons},
                 {"febrl4b", &b_no_ssn.records, &b_no_ssn.rejected_persons}},
       .two_file_linkage = true,
       .threshold_window = false,
       .clk_diagnostics = false});
  Run({.name = "febrl4_half_overlap_f1",
       .files = {{"febrl4a", &a.records, &a.rejected_persons},
                 {"febrl4b", &b_half, &b_half_rejected}},
       .two_file_linkage = true,
       .threshold_window = false,
       .clk_diagnostics = false});
  Run({.name = "febrl3_f1",
       .files = {{"febrl3", &d3.records, &d3.rejected_persons}},
       .two_file_linkage = false,
       .threshold_window = true,
       .clk_diagnostics = false});
  Run({.name = "febrl3_f1_no_ssn",
       .files = {{"febrl3", &d3_no_ssn.records, &d3_no_ssn.rejected_persons}},
       .two_file_linkage = false,
       .threshold_window = false,
       .clk_diagnostics = false});

  RunClkhashFebrl4(data, *pseudonymiser);
  return 0;
}

}  // namespace
}  // namespace equilink::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return equilink::bench::Main();
}
