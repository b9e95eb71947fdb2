// Ingest rate of SqliteStore::CommitBatch against raw SQLite inserting the
// same rows into the same schema (the store's own migrations) with the same
// pragmas: WAL, synchronous=FULL, one prepared statement, large transactions.
// Both run on a file database in a fresh temporary directory per benchmark.
//
// Every iteration writes kBatchesPerIteration batches of kRecordsPerBatch
// records (32-byte random keys, 500-byte random payloads), so each benchmark
// grows its database through the same sizes. records_per_s is the figure to
// compare; the ratio is store / raw with large transactions.

#include <sqlite3.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "benchmark/benchmark.h"
#include "common/status/check.h"
#include "server/store/sqlite_store.h"

namespace equilink::store {
namespace {

constexpr int kRecordsPerBatch = 1000;
constexpr int kBatchesPerIteration = 32;
constexpr int kPayloadBytes = 500;
constexpr int kIterations = 8;

// 1000 distinct random payloads, reused round-robin.
const std::vector<std::string>& Payloads() {
  static const auto* payloads = [] {
    auto* out = new std::vector<std::string>(kRecordsPerBatch);
    std::mt19937_64 rng(42);
    for (std::string& payload : *out) {
      payload.resize(kPayloadBytes);
      for (char& c : payload) c = static_cast<char>(rng());
    }
    return out;
  }();
  return *payloads;
}

// A pseudorandom 32-byte key for `n` (splitmix64), unique per n.
void KeyFor(uint64_t n, char* out) {
  for (int i = 0; i < 4; ++i) {
    uint64_t z = n * 4 + i + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    for (int b = 0; b < 8; ++b)
      out[i * 8 + b] = static_cast<char>(z >> (8 * b));
  }
}

class ScratchDir {
 public:
  ScratchDir() {
    const char* base = getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr ? base : "/tmp") + "/store_bench_XXXXXX";
    EQ_CHECK(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string File() const { return path_ + "/bench.db"; }

 private:
  std::string path_;
};

BatchWrite MakeBatch(int writer, uint64_t sequence, uint64_t first_key) {
  BatchWrite batch;
  batch.organisation_code = "RX1";
  batch.submission_id = "sub-" + std::to_string(writer);
  batch.sequence = sequence;
  batch.dataset_id = "dataset";
  batch.key_id = "key-1";
  batch.ack = std::string(64, 'a');
  batch.records.resize(kRecordsPerBatch);
  for (int i = 0; i < kRecordsPerBatch; ++i) {
    RecordRow& row = batch.records[i];
    row.record_pseudonym.resize(32);
    KeyFor(first_key + i, row.record_pseudonym.data());
    row.payload = Payloads()[i];
  }
  return batch;
}

// CommitBatch from `range(0)` client threads sharing the iteration's batches.
void BM_StoreCommitBatch(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  ScratchDir dir;
  SqliteOptions options;
  options.path = dir.File();
  auto store = SqliteStore::Open(options);
  EQ_CHECK(store.ok());
  std::vector<uint64_t> next_sequence(threads, 0);
  uint64_t next_key = 0;
  int64_t rows = 0;
  for (auto _ : state) {
    std::vector<std::thread> clients;
    for (int t = 0; t < threads; ++t) {
      const int batches = kBatchesPerIteration / threads;
      const uint64_t first_key = next_key + t * batches * kRecordsPerBatch;
      clients.emplace_back([&, t, batches, first_key] {
        for (int b = 0; b < batches; ++b) {
          auto result = (*store)->CommitBatch(MakeBatch(
              t, next_sequence[t]++, first_key + b * kRecordsPerBatch));
          EQ_CHECK(result.ok() && !result->already_stored);
        }
      });
    }
    for (std::thread& client : clients) client.join();
    // The deferred key indexing of this iteration's rows is part of its cost.
    EQ_CHECK((*store)->IndexAppendedRecords().ok());
    next_key += kBatchesPerIteration * kRecordsPerBatch;
    rows += kBatchesPerIteration * kRecordsPerBatch;
  }
  const SqliteStore::Stats stats = (*store)->GetStats();
  state.counters["records_per_s"] = benchmark::Counter(
      static_cast<double>(rows), benchmark::Counter::kIsRate);
  state.counters["batches_per_txn"] = static_cast<double>(stats.batches) /
                                      static_cast<double>(stats.transactions);
}
BENCHMARK(BM_StoreCommitBatch)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(8)
    ->Arg(16)
    ->Arg(32)
    ->Iterations(kIterations)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void Exec(sqlite3* db, const char* sql) {
  EQ_CHECK(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
}

// Raw SQLite: each row appended and its key indexed (the store's end state)
// with two prepared INSERTs, `range(0)` rows per transaction.
void BM_RawSqliteInsert(benchmark::State& state) {
  const int rows_per_txn = static_cast<int>(state.range(0));
  ScratchDir dir;
  {
    SqliteOptions options;
    options.path = dir.File();
    EQ_CHECK(SqliteStore::Open(options).ok());  // creates the schema
  }
  sqlite3* db = nullptr;
  EQ_CHECK(sqlite3_open(dir.File().c_str(), &db) == SQLITE_OK);
  Exec(db,
       "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
       "PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=10000");
  sqlite3_stmt* index = nullptr;
  EQ_CHECK(sqlite3_prepare_v3(db,
                              "INSERT INTO record_keys (org_code, "
                              "record_pseudonym, record_id) VALUES (?1, ?2, "
                              "last_insert_rowid())",
                              -1, SQLITE_PREPARE_PERSISTENT, &index,
                              nullptr) == SQLITE_OK);
  sqlite3_stmt* insert = nullptr;
  EQ_CHECK(sqlite3_prepare_v3(
               db,
               "INSERT INTO records (org_code, record_pseudonym, "
               "submission_id, sequence, payload, stored_at) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
               -1, SQLITE_PREPARE_PERSISTENT, &insert, nullptr) == SQLITE_OK);
  const std::vector<std::string>& payloads = Payloads();
  char key[32];
  uint64_t next_key = 0;
  int64_t rows = 0;
  const int rows_per_iteration = kBatchesPerIteration * kRecordsPerBatch;
  for (auto _ : state) {
    for (int done = 0; done < rows_per_iteration; done += rows_per_txn) {
      Exec(db, "BEGIN IMMEDIATE");
      for (int i = 0; i < rows_per_txn; ++i, ++next_key) {
        KeyFor(next_key, key);
        sqlite3_bind_text(insert, 1, "RX1", 3, SQLITE_STATIC);
        sqlite3_bind_blob(insert, 2, key, 32, SQLITE_STATIC);
        sqlite3_bind_text(insert, 3, "sub-0", 5, SQLITE_STATIC);
        sqlite3_bind_int64(insert, 4, static_cast<int64_t>(next_key / 1000));
        const std::string& payload = payloads[next_key % payloads.size()];
        sqlite3_bind_blob(insert, 5, payload.data(),
                          static_cast<int>(payload.size()), SQLITE_STATIC);
        sqlite3_bind_int64(insert, 6, 1700000000000);
        EQ_CHECK(sqlite3_step(insert) == SQLITE_DONE);
        sqlite3_reset(insert);
        sqlite3_bind_text(index, 1, "RX1", 3, SQLITE_STATIC);
        sqlite3_bind_blob(index, 2, key, 32, SQLITE_STATIC);
        EQ_CHECK(sqlite3_step(index) == SQLITE_DONE);
        sqlite3_reset(index);
      }
      Exec(db, "COMMIT");
    }
    rows += rows_per_iteration;
  }
  sqlite3_finalize(insert);
  sqlite3_finalize(index);
  sqlite3_close_v2(db);
  state.counters["records_per_s"] = benchmark::Counter(
      static_cast<double>(rows), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RawSqliteInsert)
    ->ArgName("rows_per_txn")
    ->Arg(kRecordsPerBatch)
    ->Arg(kBatchesPerIteration* kRecordsPerBatch)
    ->Iterations(kIterations)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace equilink::store

BENCHMARK_MAIN();
