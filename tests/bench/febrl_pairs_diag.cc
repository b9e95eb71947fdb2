// Diagnostic (H4): missed true FEBRL pairs, compared or not.
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
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "client/csv/csv_reader.h"
#include "client/mapping/mapping_profile.h"
#include "client/pipeline/record_pipeline.h"
#include "common/keys/linkage_key.h"
#include "common/pseudo/record_pseudonymiser.h"
#include "server/linkage/evaluation/pairwise_metrics.h"
#include "server/linkage/evaluation/threshold_sweep.h"
#include "server/linkage/linkage_engine.h"
#include "server/linkage/model/comparison.h"
#include "server/linkage/model/pair_scorer.h"
#include "tests/bench/bench_util.h"

ABSL_FLAG(std::string, build_dir, "build", "Build directory (unused here)");
ABSL_FLAG(std::string, source_dir, ".", "Repository root");
ABSL_FLAG(int, threads, 2, "Pipeline and engine threads");
ABSL_FLAG(std::string, which, "4", "which");

namespace equilink::bench {
namespace {

constexpr absl::string_view kProfile = "client/profiles/febrl.textproto";
constexpr absl::string_view kNoSsnProfile =
    "client/profiles/febrl_no_ssn.textproto";
constexpr absl::string_view kDataDir = "tests/data/febrl/";

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

void Diagnose(const char* name, const std::vector<TruthRecord>& a,
              const std::vector<TruthRecord>& b, bool two_file) {
  linkage::LinkageOptions options;
  options.threads = 2;
  options.keep_scored_pairs = true;
  if (two_file) {
    options.one_record_per_person_sources = {"a", "b"};
  }
  linkage::LinkageEngine engine(options);
  std::vector<uint32_t> truth;
  std::vector<int> src;
  for (const auto& r : a) {
    OrDie(engine.AddRecord(r.record, truth.size(), "a"));
    truth.push_back(r.person);
    src.push_back(0);
  }
  for (const auto& r : b) {
    OrDie(engine.AddRecord(r.record, truth.size(), two_file ? "b" : "a"));
    truth.push_back(r.person);
    src.push_back(1);
  }
  if (!engine.EstimateModel().ok()) std::exit(1);
  auto run = OrDie(engine.LinkPending());
  const auto& m = engine.model();
  for (const auto& c : m.comparisons) {
    if (c.m.empty()) continue;
    std::string line;
    for (int l = 0; l < c.level_count(); ++l)
      absl::StrAppend(&line, absl::StrFormat(" L%d m=%.4g u=%.4g w=%.2f;", l,
                                             c.m[l], c.u[l], c.MatchWeight(l)));
    std::printf("  %s:%s\n", linkage::ComparisonName(c.id), line.c_str());
  }
  // true pairs
  absl::flat_hash_map<uint32_t, std::vector<uint32_t>> by_person;
  for (uint32_t i = 0; i < truth.size(); ++i) by_person[truth[i]].push_back(i);
  absl::flat_hash_map<uint64_t, float> compared;
  for (const auto& p : engine.scored_pairs())
    compared[(uint64_t(p.a) << 32) | p.b] = p.probability;
  linkage::PairScorer scorer(engine.features(), engine.model(), nullptr);
  size_t uncompared_all = 0, total = 0, not_compared = 0, low = 0,
         missed_link = 0;
  const auto& labels = engine.labels();
  std::printf(
      "%s: candidate pairs %zu rows %zu => %.2f per record; lambda %g "
      "threshold %.3f\n",
      name, engine.scored_pairs().size(), truth.size(),
      double(engine.scored_pairs().size()) / truth.size(),
      engine.model().lambda, engine.link_threshold());
  const auto& stats = engine.blocking_stats();
  for (int k = 0; k < linkage::kBlockKindCount; ++k)
    std::printf("  kind %s: %llu pairs, %llu oversized\n",
                linkage::BlockKindName(static_cast<linkage::BlockKind>(k)),
                (unsigned long long)stats.kinds[k].candidate_pairs,
                (unsigned long long)stats.kinds[k].oversized_skips);
  for (auto& [person, rows] : by_person) {
    for (size_t i = 0; i < rows.size(); ++i)
      for (size_t j = i + 1; j < rows.size(); ++j) {
        uint32_t x = rows[i], y = rows[j];
        if (two_file && src[x] == src[y]) continue;
        ++total;
        auto it = compared.find((uint64_t(x) << 32) | y);
        bool linked = labels[x] == labels[y];
        if (it == compared.end()) ++uncompared_all;
        if (linked) continue;
        ++missed_link;
        auto v = scorer.Compare(x, y);
        std::string vs;
        for (int c = 0; c < linkage::kComparisonCount; ++c)
          absl::StrAppend(&vs, " ",
                          linkage::ComparisonName(linkage::ComparisonAt(c)),
                          "=", int(v.level[c]));
        if (it == compared.end()) {
          ++not_compared;
          std::printf("NOTCOMPARED %u %u lbf %.2f p %.4f%s\n", x, y,
                      scorer.Log2BayesFactor(x, y),
                      scorer.MatchProbability(x, y), vs.c_str());
        } else {
          if (it->second < engine.link_threshold()) ++low;
          std::printf("COMPARED %u %u p %.4f lbf %.2f%s\n", x, y, it->second,
                      scorer.Log2BayesFactor(x, y), vs.c_str());
        }
      }
  }
  std::printf(
      "%s: pair completeness %.4f (%zu of %zu true pairs never compared)\n",
      name, 1.0 - double(uncompared_all) / total, uncompared_all, total);
  {
    size_t fp = 0;
    for (const auto& p : engine.scored_pairs())
      if (labels[p.a] == labels[p.b] && truth[p.a] != truth[p.b]) ++fp;
    std::printf("%s: false linked compared pairs %zu\n", name, fp);
  }
  std::printf(
      "%s: true pairs %zu, not linked %zu, not compared %zu, compared below "
      "threshold %zu\n",
      name, total, missed_link, not_compared, low);
  // What a lower threshold (a stronger prior) would give.
  for (double t : {0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005,
                   0.0002, 0.0001}) {
    const std::vector<linkage::Row> at = engine.ClusterAt(t);
    size_t tp = 0, fp = 0;
    for (const auto& [person, rows] : by_person) {
      for (size_t i = 0; i < rows.size(); ++i)
        for (size_t j = i + 1; j < rows.size(); ++j) {
          if (two_file && src[rows[i]] == src[rows[j]]) continue;
          if (at[rows[i]] == at[rows[j]]) ++tp;
        }
    }
    absl::flat_hash_map<linkage::Row, std::vector<uint32_t>> clusters;
    for (uint32_t i = 0; i < at.size(); ++i) clusters[at[i]].push_back(i);
    size_t linked_pairs = 0;
    for (const auto& [label, rows] : clusters)
      for (size_t i = 0; i < rows.size(); ++i)
        for (size_t j = i + 1; j < rows.size(); ++j)
          if (!(two_file && src[rows[i]] == src[rows[j]])) ++linked_pairs;
    fp = linked_pairs - tp;
    const double precision = linked_pairs ? double(tp) / linked_pairs : 1;
    const double recall = total ? double(tp) / total : 1;
    std::printf("%s: threshold %.4f tp %zu fp %zu fn %zu f1 %.4f\n", name, t,
                tp, fp, total - tp,
                2 * precision * recall / (precision + recall));
  }
}

int Main() {
  const std::string root = absl::GetFlag(FLAGS_source_dir) + "/";
  std::string key_bytes;
  for (int i = 0; i < 32; ++i) key_bytes.push_back(static_cast<char>(0xf0 ^ i));
  const LinkageKey key =
      OrDie(LinkageKey::FromBytes("febrl-bench", SecretBytes(key_bytes)));
  const std::unique_ptr<RecordPseudonymiser> pseudonymiser =
      OrDie(RecordPseudonymiser::Create(key));
  const std::string profile = root + std::string(kProfile);
  const std::string no_ssn = root + std::string(kNoSsnProfile);
  const std::string data = root + std::string(kDataDir);
  const std::string which = absl::GetFlag(FLAGS_which);
  if (which == "4" || which == "all") {
    Diagnose("febrl4_no_ssn",
             LoadFile(no_ssn, data + "dataset4a.csv", *pseudonymiser).records,
             LoadFile(no_ssn, data + "dataset4b.csv", *pseudonymiser).records,
             true);
  }
  if (which == "4half" || which == "all") {
    std::vector<TruthRecord> b =
        LoadFile(no_ssn, data + "dataset4b.csv", *pseudonymiser).records;
    std::vector<TruthRecord> b_half;
    for (const auto& r : b)
      if (r.person % 2 == 0) b_half.push_back(r);
    Diagnose("febrl4_half_no_ssn",
             LoadFile(no_ssn, data + "dataset4a.csv", *pseudonymiser).records,
             b_half, true);
  }
  if (which == "4ssn" || which == "all") {
    Diagnose("febrl4",
             LoadFile(profile, data + "dataset4a.csv", *pseudonymiser).records,
             LoadFile(profile, data + "dataset4b.csv", *pseudonymiser).records,
             true);
  }
  if (which == "3" || which == "all") {
    Diagnose("febrl3_no_ssn",
             LoadFile(no_ssn, data + "dataset3.csv", *pseudonymiser).records,
             {}, false);
    Diagnose("febrl3",
             LoadFile(profile, data + "dataset3.csv", *pseudonymiser).records,
             {}, false);
  }
  return 0;
}
}  // namespace
}  // namespace equilink::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return equilink::bench::Main();
}
