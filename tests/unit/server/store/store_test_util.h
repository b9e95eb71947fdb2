#ifndef EQUILINK_TESTS_UNIT_SERVER_STORE_STORE_TEST_UTIL_H_
#define EQUILINK_TESTS_UNIT_SERVER_STORE_STORE_TEST_UTIL_H_

// Helpers shared by the store tests: synthetic batches, a second connection
// that can hold the write lock, and polling for writer state.

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/store.h"
#include "tests/testing/status_matchers.h"

namespace equilink::store::testing {

using ::equilink::testing::IsOkAndHolds;

// A 32-byte pseudonym derived from `n`.
inline std::string Pseudonym(uint64_t n) {
  std::string key(32, '\0');
  for (size_t i = 0; i < key.size(); ++i) {
    key[i] = static_cast<char>((n >> ((i % 8) * 8)) ^ (i * 37));
  }
  return key;
}

// A batch of `count` records with pseudonyms first_key, first_key+1, ... and
// payloads tagged with `payload_tag`.
inline BatchWrite MakeBatch(const std::string& org, const std::string& sub,
                            uint64_t sequence, int count, uint64_t first_key,
                            const std::string& payload_tag = "v1") {
  BatchWrite batch;
  batch.organisation_code = org;
  batch.submission_id = sub;
  batch.sequence = sequence;
  batch.dataset_id = "dataset";
  batch.key_id = "key-1";
  for (int i = 0; i < count; ++i) {
    batch.records.push_back(RecordRow{
        Pseudonym(first_key + i),
        absl::StrCat(payload_tag, "-", first_key + i, std::string(64, 'p'))});
  }
  batch.ack = absl::StrCat("ack-", sub, "-", sequence);
  return batch;
}

// A plain connection to the same file: reads with SQL, or holds the write
// lock (BEGIN IMMEDIATE) so the store's writer must wait or fail.
class RawConnection {
 public:
  explicit RawConnection(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawConnection() { sqlite3_close_v2(db_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  int Exec(const std::string& sql) {
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  }
  // First column of the first row as text; "" when there is none.
  std::string QueryText(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* blob = static_cast<const char*>(sqlite3_column_blob(stmt, 0));
      if (blob != nullptr) out.assign(blob, sqlite3_column_bytes(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return out;
  }
  int64_t QueryInt(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    int64_t out = -1;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      out = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

// Polls `done` every millisecond for up to ten seconds.
inline bool WaitFor(const std::function<bool()>& done) {
  for (int i = 0; i < 10000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done();
}

}  // namespace equilink::store::testing

#endif  // EQUILINK_TESTS_UNIT_SERVER_STORE_STORE_TEST_UTIL_H_
