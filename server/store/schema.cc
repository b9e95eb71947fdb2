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

// Version 2: records become an append-only log, indexed by key in bulk.
//
// With v1's primary-key index, every durable commit inserted each record's
// random 32-byte key into a B-tree far larger than one transaction touches,
// so each record dirtied a whole index page: ~4 KiB of WAL per ~600-byte
// record, and 1M-row ingests measured 39,000 rows/s even as raw SQLite.
// Now a commit only appends to `records` (record_id ascending, in commit
// order), and the writer later indexes everything past
// store_state.keys_indexed_through into `record_keys` in one large
// transaction, in key order, so each index page is written once per pass
// however many keys land on it. That pass also applies "a re-submitted record
// replaces the stored one": the newest record_id of a key wins and older rows
// are deleted. record_id is also the feed position the linkage engine reads
// from; AUTOINCREMENT keeps it from ever being reused after a delete, so
// every row past the watermark is exactly the rows appended since the last
// pass, numbered without gaps. batches.live_records counts a batch's rows that
// are still current, so a submission's count needs no scan of `records`.
constexpr char kSchemaV2[] = R"sql(
ALTER TABLE batches ADD COLUMN live_records INTEGER NOT NULL DEFAULT 0;
UPDATE batches SET live_records = (
  SELECT count(*) FROM records r WHERE r.org_code = batches.org_code
    AND r.submission_id = batches.submission_id
    AND r.sequence = batches.sequence);

CREATE TABLE records_v2 (
  record_id INTEGER PRIMARY KEY AUTOINCREMENT,
  org_code TEXT NOT NULL,
  record_pseudonym BLOB NOT NULL CHECK (length(record_pseudonym) > 0),
  submission_id TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  payload BLOB NOT NULL,
  stored_at INTEGER NOT NULL
) STRICT;
INSERT INTO records_v2 (org_code, record_pseudonym, submission_id, sequence,
                        payload, stored_at)
  SELECT org_code, record_pseudonym, submission_id, sequence, payload, stored_at
  FROM records ORDER BY rowid;
DROP TABLE records;
ALTER TABLE records_v2 RENAME TO records;

CREATE TABLE record_keys (
  org_code TEXT NOT NULL,
  record_pseudonym BLOB NOT NULL,
  record_id INTEGER NOT NULL,
  PRIMARY KEY (org_code, record_pseudonym)
) STRICT, WITHOUT ROWID;
INSERT INTO record_keys (org_code, record_pseudonym, record_id)
  SELECT org_code, record_pseudonym, record_id FROM records;

CREATE TABLE store_state (
  name TEXT NOT NULL PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO store_state (name, value)
  SELECT 'keys_indexed_through', coalesce(max(record_id), 0) FROM records;
)sql";

// Version 3: data sharing agreements (server/governance/agreement_registry.h).
//
// A version's agreed content is stored once, as the canonical bytes whose
// SHA-256 the audit log cites, so the registry can recompute the hash on every
// load and notice a row edited behind its back. Rows are never updated: status
// is not a column but the last of the version's append-only events, as in the
// lifecycle library, so the history that justifies a status cannot be lost by
// overwriting it. Both tables are small and always read by key, hence WITHOUT
// ROWID. Times are Unix milliseconds.
constexpr char kSchemaV3[] = R"sql(
CREATE TABLE agreements (
  agreement_id TEXT NOT NULL CHECK (length(agreement_id) > 0),
  version INTEGER NOT NULL CHECK (version >= 1),
  version_hash TEXT NOT NULL CHECK (length(version_hash) = 64),
  canonical BLOB NOT NULL,
  author TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (agreement_id, version)
) STRICT, WITHOUT ROWID;

CREATE TABLE agreement_events (
  agreement_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  event_seq INTEGER NOT NULL CHECK (event_seq >= 0),
  event BLOB NOT NULL,
  status INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (agreement_id, version, event_seq)
) STRICT, WITHOUT ROWID;
)sql";

// Version 4: what agreement enforcement needs beside the records.
//
// organisations.certificate_sha256 binds an organisation to one certificate
// (empty: any certificate the ICS's CA issued for its code). batches record
// the agreement version that admitted them, because retention is the
// agreement's: the purge finds a batch's retention period through it.
// Quarantined records (outside an agreement's population scope, S9) are kept
// apart from `records`, which is the linkage engine's feed, so a quarantined
// record can never be linked by accident; governance can inspect and release
// or delete them. The opt-out list is versioned: an upload adds a version,
// and only the newest applies, so a bad upload can be superseded without
// editing rows. Tokens are keyed and 32 bytes: WITHOUT ROWID, read by key.
constexpr char kSchemaV4[] = R"sql(
ALTER TABLE organisations ADD COLUMN certificate_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE batches ADD COLUMN agreement_id TEXT NOT NULL DEFAULT '';
ALTER TABLE batches ADD COLUMN agreement_version INTEGER NOT NULL DEFAULT 0;

CREATE TABLE quarantined_records (
  quarantine_id INTEGER PRIMARY KEY AUTOINCREMENT,
  org_code TEXT NOT NULL,
  record_pseudonym BLOB NOT NULL,
  submission_id TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  rule TEXT NOT NULL,
  payload BLOB NOT NULL,
  stored_at INTEGER NOT NULL
) STRICT;

CREATE TABLE optout_lists (
  version INTEGER PRIMARY KEY,
  key_id TEXT NOT NULL,
  token_count INTEGER NOT NULL CHECK (token_count >= 0),
  uploaded_by TEXT NOT NULL,
  uploaded_at INTEGER NOT NULL,
  description TEXT NOT NULL
) STRICT;

CREATE TABLE optout_tokens (
  version INTEGER NOT NULL,
  token BLOB NOT NULL CHECK (length(token) = 32),
  PRIMARY KEY (version, token)
) STRICT, WITHOUT ROWID;
)sql";

// Version 5: the linkage engine's durable state (server/linkage/).
//
// record_links holds each linked record's person; linkage_state.linked_through
// is the highest record_id the worker has linked. Both, and the edges, change
// in one transaction per linked batch, so a worker killed mid-batch resumes
// from the cursor and links those records exactly once. link_edges keeps the
// pairs at or above the link threshold: a restart rebuilds the clusters from
// them without scoring a pair again. person_events is append-only: every
// person id created, merged, split or retired, with the run that did it.
// linkage_models keeps every model the engine has linked with, so a link is
// always explainable by the parameters that made it.
constexpr char kSchemaV5[] = R"sql(
CREATE TABLE record_links (
  record_id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL CHECK (person_id > 0),
  stage INTEGER NOT NULL,
  match_probability REAL NOT NULL,
  linked_at INTEGER NOT NULL
) STRICT;
CREATE INDEX record_links_by_person ON record_links (person_id);

CREATE TABLE link_edges (
  a_record_id INTEGER NOT NULL,
  b_record_id INTEGER NOT NULL,
  probability REAL NOT NULL,
  stage INTEGER NOT NULL,
  PRIMARY KEY (a_record_id, b_record_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE person_events (
  event_id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  person_id INTEGER NOT NULL,
  related TEXT NOT NULL,
  run TEXT NOT NULL,
  at INTEGER NOT NULL
) STRICT;

CREATE TABLE linkage_models (
  version INTEGER PRIMARY KEY,
  model BLOB NOT NULL,
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE linkage_state (
  name TEXT NOT NULL PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO linkage_state (name, value) VALUES
  ('linked_through', 0), ('next_person_id', 1), ('model_version', 0);
)sql";

// Version 6: incremental extracts (server/api/extract_service.h).
//
// A pull with a cursor reads the records appended since (records' rowid) and
// the links written since: this index finds the latter without a scan of
// every link, and gives the linkage worker the latest linked_at at start, so
// each of its transactions can stamp a linked_at above every earlier one.
// New links are stamped "now", so inserts land at the index's right edge.
constexpr char kSchemaV6[] = R"sql(
CREATE INDEX record_links_by_linked_at ON record_links (linked_at);
)sql";

// Version 7: the release ledger of indicator releases
// (server/framework/disclosure/release_ledger.h).
//
// Every released table cell, with its true and shown counts, so a new
// release can be checked for cells recoverable by differencing against any
// earlier one. Both tables are read by key, hence WITHOUT ROWID; the index
// finds every earlier cell of an indicator and breakdown. IF NOT EXISTS
// because gateways of schema 6 created these tables themselves when the
// indicator service started; their rows are kept as they are.
constexpr char kSchemaV7[] = R"sql(
CREATE TABLE IF NOT EXISTS release_ledger (
  release_id TEXT PRIMARY KEY,
  consumer_org TEXT NOT NULL,
  agreement_id TEXT NOT NULL,
  agreement_version INTEGER NOT NULL,
  profile_name TEXT NOT NULL,
  profile_version INTEGER NOT NULL,
  released_at_unix_seconds INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS release_ledger_cells (
  release_id TEXT NOT NULL REFERENCES release_ledger (release_id),
  indicator_id TEXT NOT NULL,
  period_first_day TEXT NOT NULL,
  period_last_day TEXT NOT NULL,
  breakdown TEXT NOT NULL,
  categories TEXT NOT NULL,
  true_numerator INTEGER NOT NULL,
  true_denominator INTEGER NOT NULL,
  shown_numerator INTEGER,
  shown_denominator INTEGER,
  PRIMARY KEY (release_id, indicator_id, period_first_day, period_last_day,
               breakdown, categories)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS release_ledger_cells_by_indicator
  ON release_ledger_cells (indicator_id, breakdown);
)sql";

constexpr sqlite::Migration kMigrations[] = {
    {1, kSchemaV1}, {2, kSchemaV2}, {3, kSchemaV3}, {4, kSchemaV4},
    {5, kSchemaV5}, {6, kSchemaV6}, {7, kSchemaV7},
};

}  // namespace

absl::Span<const sqlite::Migration> StoreMigrations() { return kMigrations; }

}  // namespace equilink::store
