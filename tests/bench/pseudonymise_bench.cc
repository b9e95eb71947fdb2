// pseudonymise_records_per_s: the client's full validate + normalise +
// pseudonymise rate on 2 threads over a realistic synthetic export (CSV read
// and mapping included), and pseudonymise_limit_ratio: that rate divided by the
// rate at which the same 2 threads compute just the HMAC-SHA256 evaluations
// those records need, measured in the same run. The ratio says how close the
// pipeline comes to its cryptographic floor, whatever the machine.

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "client/csv/csv_reader.h"
#include "client/geo/postcode_lookup.h"
#include "client/mapping/mapping_profile.h"
#include "client/mapping/row_mapper.h"
#include "client/pipeline/record_pipeline.h"
#include "client/pipeline/synthetic_export.h"
#include "common/crypto/hmac_sha256.h"
#include "common/keys/linkage_key.h"
#include "common/pseudo/record_pseudonymiser.h"
#include "common/status/check.h"
#include "tests/bench/bench_util.h"
#include "tests/testing/temp_dir.h"

ABSL_FLAG(std::string, build_dir, "build", "Build directory (unused here)");
ABSL_FLAG(std::string, source_dir, ".", "Repository root");
ABSL_FLAG(int, rows, 400000, "Rows in the synthetic export");
ABSL_FLAG(int, threads, 2, "Pseudonymisation threads");
ABSL_FLAG(int, repeats, 5,
          "Pipeline and floor measurements, alternated; medians are reported");

namespace equilink::bench {
namespace {

// User plus system CPU seconds this process has used so far. The machine is
// shared, so wall-clock rates are noisy; CPU time per record is the steadier
// figure to compare builds by.
double ProcessCpuSeconds() {
  rusage usage{};
  EQ_CHECK(getrusage(RUSAGE_SELF, &usage) == 0);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) +
           1e-6 * static_cast<double>(t.tv_usec);
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Average HMAC evaluations per accepted record, from the first `sample` rows.
double HmacEvaluationsPerRecord(const std::string& export_path,
                                const v1::MappingProfile& profile,
                                const client::PostcodeLookup* postcodes,
                                const RecordPseudonymiser& pseudonymiser,
                                int sample) {
  auto reader = OrDie(
      client::CsvReader::Open(export_path, client::ProfileDelimiter(profile)));
  client::CsvRow row;
  EQ_CHECK(*reader->Next(&row));
  auto mapper = OrDie(client::RowMapper::Create(profile, row, postcodes));
  client::MappedRow mapped;
  long evaluations = 0;
  int records = 0;
  while (records < sample && *reader->Next(&row)) {
    mapper->Map(row, &mapped);
    if (mapped.rejected) continue;
    evaluations += pseudonymiser.CountHmacEvaluations(mapped.ids);
    ++records;
  }
  return static_cast<double>(evaluations) / records;
}

int Run() {
  const std::string source = absl::GetFlag(FLAGS_source_dir);
  const int rows = absl::GetFlag(FLAGS_rows);
  const int threads = absl::GetFlag(FLAGS_threads);
  testing::TempDir dir;
  const std::string export_path = dir.File("export.csv");
  client::SyntheticExportOptions synth;
  synth.rows = rows;
  synth.seed = 2026;
  synth.postcode_lookup_path = source + "/deploy/data/postcode_lookup_demo.csv";
  EQ_CHECK(client::WriteSyntheticExport(synth, export_path).ok());

  const v1::MappingProfile profile = OrDie(client::LoadMappingProfile(
      source + "/client/profiles/charitylog.textproto"));
  auto postcodes =
      OrDie(client::PostcodeLookup::Load(synth.postcode_lookup_path));
  LinkageKey key = OrDie(LinkageKey::Generate("bench-key"));
  auto pseudonymiser = OrDie(RecordPseudonymiser::Create(key));

  // The pipeline: CSV -> map and validate -> normalise and pseudonymise, on
  // `threads` threads.
  long records = 0;
  auto run_pipeline = [&](double* cpu_seconds) {
    records = 0;
    const double cpu_start = ProcessCpuSeconds();
    const double seconds = TimeSeconds([&] {
      client::PipelineOptions options;
      options.input_path = export_path;
      options.rows_per_batch = 2000;
      options.threads = threads;
      options.pseudonymiser = pseudonymiser.get();
      auto pipeline = OrDie(
          client::RecordPipeline::Start(profile, postcodes.get(), options));
      client::PipelineBatch batch;
      while (OrDie(pipeline->Next(&batch)))
        records += batch.outgoing.batch.records_size();
    });
    *cpu_seconds = ProcessCpuSeconds() - cpu_start;
    return seconds;
  };

  // The floor: the same number of HMAC-SHA256 evaluations, same threads,
  // nothing else.
  const double per_record = HmacEvaluationsPerRecord(
      export_path, profile, postcodes.get(), *pseudonymiser, 20000);
  auto hmac = OrDie(HmacSha256::Create(key.secret()));
  std::atomic<long> sink{0};
  auto run_floor = [&](long total_evaluations, double* cpu_seconds) {
    const double cpu_start = ProcessCpuSeconds();
    const double seconds = TimeSeconds([&] {
      std::vector<std::thread> workers;
      for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
          // Inputs of the sizes the scheme hashes: bigrams with a field
          // prefix, and tokens.
          char message[24] = "equilink-bench-input-00";
          uint8_t out[32];
          long local = 0;
          for (long i = t; i < total_evaluations; i += threads) {
            message[21] = static_cast<char>('a' + (i % 26));
            message[22] = static_cast<char>('a' + ((i / 26) % 26));
            hmac->Compute(absl::string_view(message, (i % 4 == 0) ? 23 : 8),
                          out);
            local += out[0];
          }
          sink += local;
        });
      }
      for (std::thread& worker : workers) worker.join();
    });
    *cpu_seconds = ProcessCpuSeconds() - cpu_start;
    return seconds;
  };

  // Alternated, so that a noisy neighbour slows both sides of a pair alike;
  // the ratio is the median of the pairs' ratios.
  std::vector<double> pipeline_rates, floor_rates, ratios;
  double pipeline_cpu = 0, hmac_cpu = 0;
  long total_evaluations = 0;
  for (int i = 0; i < std::max(1, absl::GetFlag(FLAGS_repeats)); ++i) {
    const double pipeline_seconds = run_pipeline(&pipeline_cpu);
    total_evaluations = static_cast<long>(per_record * records);
    const double hmac_seconds = run_floor(total_evaluations, &hmac_cpu);
    pipeline_rates.push_back(records / pipeline_seconds);
    floor_rates.push_back(records / hmac_seconds);
    ratios.push_back(hmac_seconds / pipeline_seconds);
    std::printf("pair %d: pipeline %.0f records/s, floor %.0f records/s\n", i,
                pipeline_rates.back(), floor_rates.back());
  }
  const double pipeline_rate = Median(pipeline_rates);
  const double hmac_rate = Median(floor_rates);

  std::printf("machine: %s\n", MachineDescription().c_str());
  std::printf(
      "records: %ld per run on %d threads; %.1f HMAC evaluations per record; "
      "floor: %ld evaluations per run (checksum %ld)\n",
      records, threads, per_record, total_evaluations, sink.load());
  std::printf(
      "CPU per record (user+sys): pipeline %.2f us, HMAC-only floor %.2f us\n",
      1e6 * pipeline_cpu / records, 1e6 * hmac_cpu / records);
  Figure("pseudonymise_records_per_s", pipeline_rate);
  Figure("pseudonymise_hmac_floor_records_per_s", hmac_rate);
  Figure("pseudonymise_limit_ratio", Median(ratios));
  return 0;
}

}  // namespace
}  // namespace equilink::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return equilink::bench::Run();
}
