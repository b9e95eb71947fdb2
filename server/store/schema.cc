#include "server/store/schema.h"

namespace equilink::store {
namespace {

// Version 1: organisations, batches and records.
//
// records is a rowid table on purpose. Its rows are ~560 bytes and keyed by
// random 32-byte pseudonyms; as WITHOUT ROWID every insert lands on a random
// leaf of one B-tree of wide rows and splits move whole payloads, which
// measured ~3x slower than a rowid table (rows appended in rowid order) plus
// the small (org_code, record_pseudonym) primary-key index. batches rows are
// few and narrow, so they are WITHOUT ROWID: one B-tree, read in key order by
// DurableSequences. No other indexes: each one is a further B-tree write per
// record. Times are Unix milliseconds.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE organisations (
  code TEXT NOT NULL PRIMARY KEY CHECK (length(code) > 0),
  name TEXT NOT NULL,
  roles TEXT NOT NULL,
  active INTEGER NOT NULL CHECK (active IN (0, 1)),
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE batches (
  org_code TEXT NOT NULL CHECK (length(org_code) > 0),
  submission_id TEXT NOT NULL CHECK (length(submission_id) > 0),
  sequence INTEGER NOT NULL CHECK (sequence >= 0),
  dataset_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  record_count INTEGER NOT NULL CHECK (record_count >= 0),
  ack BLOB NOT NULL,
  committed_at INTEGER NOT NULL,
  PRIMARY KEY (org_code, submission_id, sequence)
) STRICT, WITHOUT ROWID;

CREATE TABLE records (
  org_code TEXT NOT NULL,
  record_pseudonym BLOB NOT NULL CHECK (length(record_pseudonym) > 0),
  submission_id TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  payload BLOB NOT NULL,
  stored_at INTEGER NOT NULL,
  PRIMARY KEY (org_code, record_pseudonym)
) STRICT;
)sql";

constexpr sqlite::Migration kMigrations[] = {
    {1, kSchemaV1},
};

}  // namespace

absl::Span<const sqlite::Migration> StoreMigrations() { return kMigrations; }

}  // namespace equilink::store
