// Microbenchmarks for the pseudonymisation hot path: one HMAC evaluation and
// one full record. The HMAC figure times the typical input sizes (a two-byte
// bigram and a short length-prefixed token input).

#include <string>

#include "benchmark/benchmark.h"
#include "common/crypto/hmac_sha256.h"
#include "common/keys/linkage_key.h"
#include "common/pseudo/record_pseudonymiser.h"
#include "common/status/check.h"

namespace equilink {
namespace {

LinkageKey BenchKey() {
  std::string raw;
  for (int i = 0; i < 32; ++i) raw.push_back(static_cast<char>(i));
  absl::StatusOr<LinkageKey> key =
      LinkageKey::FromBytes("bench", SecretBytes(raw));
  EQ_CHECK(key.ok());
  return *std::move(key);
}

PersonIdentifiers TypicalRecord() {
  PersonIdentifiers ids;
  ids.organisation_code = "8AB12";
  ids.local_record_id = "REC-000123";
  ids.local_client_id = "CL-000042";
  ids.nhs_number = "943 476 5919";
  ids.forename = "Olivia";
  ids.surname = "Thompson";
  ids.date_of_birth = absl::CivilDay(2012, 7, 14);
  ids.sex_code = "2";
  ids.postcode = "b15 2tt";
  ids.address_line = "12 Harborne Rd";
  return ids;
}

void BM_HmacSha256(benchmark::State& state) {
  absl::StatusOr<std::unique_ptr<HmacSha256>> mac =
      HmacSha256::Create(SecretBytes(std::string(32, 'k')));
  EQ_CHECK(mac.ok());
  const std::string message(static_cast<size_t>(state.range(0)), 'm');
  uint8_t out[HmacSha256::kOutputBytes];
  for (auto _ : state) {
    (*mac)->Compute(message, out);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_HmacSha256)->Arg(2)->Arg(40);

void BM_PseudonymiseRecord(benchmark::State& state) {
  absl::StatusOr<std::unique_ptr<RecordPseudonymiser>> p =
      RecordPseudonymiser::Create(BenchKey());
  EQ_CHECK(p.ok());
  const PersonIdentifiers ids = TypicalRecord();
  v1::PseudonymisedRecord out;
  for (auto _ : state) {
    const absl::Status s = (*p)->Pseudonymise(ids, &out);
    benchmark::DoNotOptimize(s);
  }
  const int hmacs = (*p)->CountHmacEvaluations(ids);
  state.counters["hmacs_per_record"] = hmacs;
  state.counters["records_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PseudonymiseRecord)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace equilink
