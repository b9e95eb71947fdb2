#ifndef EQUILINK_TESTS_BENCH_SYNTHETIC_RECORDS_H_
#define EQUILINK_TESTS_BENCH_SYNTHETIC_RECORDS_H_

// VCSE records of realistic shape for the benchmarks that read the store
// (indicators, extracts): service facts, needs and outcome scores spread as
// a year of referrals in Birmingham and Solihull would be, and the
// pseudonymised identifiers every record carries (random bytes of their real
// sizes), so a record parses and serialises at its real size.

#include <cstdint>
#include <random>
#include <string>

#include "absl/status/statusor.h"
#include "equilink/v1/record.pb.h"

namespace equilink::bench {

// One record; `serial` makes its record pseudonym unique.
v1::PseudonymisedRecord SyntheticVcseRecord(std::mt19937_64& rng,
                                            uint64_t serial);

// Creates the gateway's store at `path` with `persons` people, 30% of them
// with a second record at another of eight organisations, committed in
// batches of 5,000 into dataset vcse-service-contacts as ingest does, and
// linked to their person in record_links directly (the linkage engine's
// output; linking is measured by linkage_bench). Returns the record count.
absl::StatusOr<size_t> FillLinkedStore(const std::string& path, int persons,
                                       uint64_t seed);

}  // namespace equilink::bench

#endif  // EQUILINK_TESTS_BENCH_SYNTHETIC_RECORDS_H_
