#include "server/linkage/linkage_worker.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/fault/crash_point.h"
#include "common/log/log.h"
#include "common/status/status_macros.h"
#include "server/linkage/cluster/person_ids.h"
#include "server/store/sqlite/database.h"
#include "server/store/sqlite/transaction.h"

namespace equilink::linkage {
namespace {

using store::sqlite::Database;
using store::sqlite::Transaction;

constexpr int kNoLink = -1;  // record_links.stage of a record alone

const char* EventKindName(PersonEventKind kind) {
  switch (kind) {
    case PersonEventKind::kCreated:
      return "CREATED";
    case PersonEventKind::kMerged:
      return "MERGED";
    case PersonEventKind::kSplit:
      return "SPLIT";
    case PersonEventKind::kRetired:
      return "RETIRED";
  }
  return "UNKNOWN";
}

std::string RecordKey(const std::string& org_code,
                      const std::string& record_pseudonym) {
  return absl::StrCat(org_code, std::string(1, '\0'), record_pseudonym);
}

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

// Adds the wall time since `*start` to `*total` and restarts the clock.
void Lap(absl::Time* start, double* total) {
  const absl::Time now = absl::Now();
  *total += absl::ToDoubleSeconds(now - *start);
  *start = now;
}

struct StoredRecord {
  int64_t record_id = 0;
  std::string org_code;
  std::string record_pseudonym;
  std::string payload;
};

// How a record is joined to its person: the strongest edge it has inside its
// cluster.
struct RowLink {
  int stage = kNoLink;
  double probability = 0;
};

}  // namespace

struct LinkageWorker::Impl {
  LinkageWorkerOptions options;
  std::unique_ptr<Database> db;
  std::vector<PersonId> person_of_row;
  std::vector<RowLink> link_of_row;
  absl::flat_hash_map<int64_t, Row> row_of_record;
  absl::flat_hash_map<std::string, Row> row_of_key;
  int64_t linked_through = 0;
  // The newest record_links.linked_at. Each write transaction stamps a time
  // above it, so an incremental extract can resume from "linked_at > mark"
  // without missing a transaction that shared its millisecond.
  int64_t last_linked_at = 0;
  PersonId next_person_id = 1;
  uint32_t model_version = 0;
  uint64_t records_linked = 0;
  uint64_t pairs_compared = 0;  // since the worker opened
  LinkageStatus::PhaseSeconds phase_seconds;

  absl::StatusOr<int64_t> StateValue(const char* name) {
    EQ_ASSIGN_OR_RETURN(auto statement,
                        db->GetCachedStatement(
                            EQ_SQL_FROM_HERE,
                            "SELECT value FROM linkage_state WHERE name = ?1"));
    EQ_RETURN_IF_ERROR(statement->BindText(0, name));
    EQ_ASSIGN_OR_RETURN(const bool row, statement->Step());
    if (!row) {
      return absl::FailedPreconditionError(
          absl::StrCat("linkage_state has no ", name,
                       " (the store's schema is older than version 5)"));
    }
    return statement->ColumnInt64(0);
  }

  absl::Status SetStateValue(const char* name, int64_t value) {
    EQ_ASSIGN_OR_RETURN(
        auto statement,
        db->GetCachedStatement(
            EQ_SQL_FROM_HERE,
            "UPDATE linkage_state SET value = ?2 WHERE name = ?1"));
    EQ_RETURN_IF_ERROR(statement->BindText(0, name));
    EQ_RETURN_IF_ERROR(statement->BindInt64(1, value));
    return statement->Run();
  }

  // Records after `after`, oldest first, at most `limit`.
  absl::StatusOr<std::vector<StoredRecord>> ReadRecords(int64_t after,
                                                        size_t limit) {
    EQ_ASSIGN_OR_RETURN(
        auto statement,
        db->GetCachedStatement(
            EQ_SQL_FROM_HERE,
            "SELECT record_id, org_code, record_pseudonym, payload "
            "FROM records WHERE record_id > ?1 ORDER BY record_id LIMIT ?2"));
    EQ_RETURN_IF_ERROR(statement->BindInt64(0, after));
    EQ_RETURN_IF_ERROR(statement->BindInt64(1, static_cast<int64_t>(limit)));
    std::vector<StoredRecord> records;
    for (;;) {
      EQ_ASSIGN_OR_RETURN(const bool row, statement->Step());
      if (!row) break;
      records.push_back(
          StoredRecord{.record_id = statement->ColumnInt64(0),
                       .org_code = statement->ColumnText(1),
                       .record_pseudonym = statement->ColumnBlob(2),
                       .payload = statement->ColumnBlob(3)});
    }
    return records;
  }

  absl::StatusOr<std::optional<FellegiSunterModel>> LoadNewestModel() {
    EQ_ASSIGN_OR_RETURN(auto statement, db->GetCachedStatement(
                                            EQ_SQL_FROM_HERE,
                                            "SELECT model FROM linkage_models "
                                            "ORDER BY version DESC LIMIT 1"));
    EQ_ASSIGN_OR_RETURN(const bool row, statement->Step());
    if (!row) return std::nullopt;
    v1::LinkageModel proto;
    if (!proto.ParseFromString(statement->ColumnBlob(0))) {
      return absl::DataLossError("the newest linkage model does not parse");
    }
    EQ_ASSIGN_OR_RETURN(FellegiSunterModel model, ModelFromProto(proto));
    return model;
  }

  // Adds a stored record to `engine`; a record the engine cannot hold is
  // left unlinked and logged by id (never by content).
  absl::StatusOr<std::optional<Row>> AddToEngine(LinkageEngine* engine,
                                                 const StoredRecord& record) {
    v1::PseudonymisedRecord parsed;
    if (!parsed.ParseFromString(record.payload)) {
      EQ_LOG(kWarning, "record %d does not parse; left unlinked",
             record.record_id);
      return std::nullopt;
    }
    absl::StatusOr<Row> row =
        engine->AddRecord(parsed, record.record_id, record.org_code);
    if (!row.ok()) {
      EQ_LOG(kWarning, "record %d left unlinked: %s", record.record_id,
             row.status().message());
      return std::nullopt;
    }
    return *row;
  }

  void GrowRows(size_t rows) {
    person_of_row.resize(rows, 0);
    link_of_row.resize(rows);
  }

  // Sets each of `rows` (whole components, sorted) to its strongest edge
  // inside its cluster, or no link.
  void RefreshRowLinks(const LinkageEngine& engine,
                       const std::vector<Row>& rows) {
    const std::vector<Row>& labels = engine.labels();
    for (Row row : rows) link_of_row[row] = RowLink{};
    for (const ScoredEdge& edge : engine.EdgesWithin(rows)) {
      if (labels[edge.a] != labels[edge.b]) continue;
      for (Row row : {edge.a, edge.b}) {
        RowLink& link = link_of_row[row];
        if (link.stage == kNoLink || edge.probability > link.probability) {
          link.stage = edge.stage;
          link.probability = edge.probability;
        }
      }
    }
  }

  // Writes the links of `rows` (person `ids[i]`). `previous` holds each
  // row's person before, 0 where the record has no link row yet (new
  // records; every record after a relink emptied the table).
  absl::Status WriteLinks(const LinkageEngine& engine,
                          const std::vector<Row>& rows,
                          const std::vector<PersonId>& ids,
                          const std::vector<PersonId>& previous, int64_t now) {
    // An upsert, not INSERT OR REPLACE: a REPLACE may delete a row and its
    // index entry before it fails, so SQLite runs each one in a statement
    // journal, a copy of every 64 KiB page the transaction had already
    // written. Writing 37,062 links into a million went from 0.27 s to
    // 0.06 s.
    EQ_ASSIGN_OR_RETURN(
        auto insert,
        db->GetCachedStatement(
            EQ_SQL_FROM_HERE,
            "INSERT INTO record_links (record_id, person_id, stage, "
            "match_probability, linked_at) VALUES (?1, ?2, ?3, ?4, ?5) "
            "ON CONFLICT (record_id) DO UPDATE SET person_id = "
            "excluded.person_id, stage = excluded.stage, match_probability = "
            "excluded.match_probability, linked_at = excluded.linked_at"));
    // Most rows written for an earlier record keep their person (a new
    // record joined it and its strongest link changed): updated in place,
    // the person index untouched. REPLACE deleted and re-inserted the row and
    // its index entry, the larger part of the linkage worker's write time
    // into a million links. All three statements take the same parameters.
    EQ_ASSIGN_OR_RETURN(
        auto update_link,
        db->GetCachedStatement(
            EQ_SQL_FROM_HERE,
            "UPDATE record_links SET stage = ?3, match_probability = ?4, "
            "linked_at = ?5 WHERE record_id = ?1 AND person_id = ?2"));
    EQ_ASSIGN_OR_RETURN(
        auto update_person,
        db->GetCachedStatement(
            EQ_SQL_FROM_HERE,
            "UPDATE record_links SET person_id = ?2, stage = ?3, "
            "match_probability = ?4, linked_at = ?5 WHERE record_id = ?1"));
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row row = rows[i];
      if (engine.retired(row)) continue;
      const RowLink& link = link_of_row[row];
      auto write = [&](auto& statement) -> absl::Status {
        EQ_RETURN_IF_ERROR(
            statement->BindInt64(0, engine.features().record_id(row)));
        EQ_RETURN_IF_ERROR(
            statement->BindInt64(1, static_cast<int64_t>(ids[i])));
        EQ_RETURN_IF_ERROR(statement->BindInt64(2, link.stage));
        EQ_RETURN_IF_ERROR(statement->BindDouble(3, link.probability));
        EQ_RETURN_IF_ERROR(statement->BindInt64(4, now));
        EQ_RETURN_IF_ERROR(statement->Run());
        statement->Reset(/*clear_bindings=*/false);
        return absl::OkStatus();
      };
      const PersonId before = previous.empty() ? 0 : previous[i];
      if (before != 0) {
        EQ_RETURN_IF_ERROR(
            write(before == ids[i] ? update_link : update_person));
        if (db->Changes() == 1) continue;
      }
      // A new record, or (defensively) a link row that was not there.
      EQ_RETURN_IF_ERROR(write(insert));
    }
    return absl::OkStatus();
  }

  absl::Status WriteEdges(const LinkageEngine& engine,
                          const std::vector<ScoredEdge>& edges) {
    EQ_ASSIGN_OR_RETURN(
        auto statement,
        db->GetCachedStatement(
            EQ_SQL_FROM_HERE,
            "INSERT OR REPLACE INTO link_edges (a_record_id, b_record_id, "
            "probability, stage) VALUES (?1, ?2, ?3, ?4)"));
    for (const ScoredEdge& edge : edges) {
      const int64_t a = engine.features().record_id(edge.a);
      const int64_t b = engine.features().record_id(edge.b);
      EQ_RETURN_IF_ERROR(statement->BindInt64(0, std::min(a, b)));
      EQ_RETURN_IF_ERROR(statement->BindInt64(1, std::max(a, b)));
      EQ_RETURN_IF_ERROR(statement->BindDouble(2, edge.probability));
      EQ_RETURN_IF_ERROR(statement->BindInt64(3, edge.stage));
      EQ_RETURN_IF_ERROR(statement->Run());
      statement->Reset(/*clear_bindings=*/false);
    }
    return absl::OkStatus();
  }

  // A running worker removes the link of a record's earlier version when it
  // links the new one, because it holds the earlier version in memory. After
  // a restart it holds only versions still in `records`; the store's index
  // pass may meanwhile have deleted an earlier version (and a purge deletes
  // records outright), so those links and edges are dropped here, or they
  // would never be.
  absl::Status DropLinksOfRemovedRecords() {
    EQ_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(db.get()));
    EQ_RETURN_IF_ERROR(db->Execute(
        "DELETE FROM record_links WHERE NOT EXISTS (SELECT 1 FROM records r "
        "WHERE r.record_id = record_links.record_id)"));
    const int64_t links = db->Changes();
    EQ_RETURN_IF_ERROR(db->Execute(
        "DELETE FROM link_edges WHERE NOT EXISTS (SELECT 1 FROM records r "
        "WHERE r.record_id = link_edges.a_record_id) OR NOT EXISTS (SELECT 1 "
        "FROM records r WHERE r.record_id = link_edges.b_record_id)"));
    const int64_t edges = db->Changes();
    EQ_RETURN_IF_ERROR(transaction.Commit());
    if (links > 0 || edges > 0) {
      EQ_LOG(kInfo, "dropped %d links and %d edges of removed records", links,
             edges);
    }
    return absl::OkStatus();
  }

  absl::Status RemoveRecord(int64_t record_id) {
    EQ_ASSIGN_OR_RETURN(
        auto links,
        db->GetCachedStatement(
            EQ_SQL_FROM_HERE, "DELETE FROM record_links WHERE record_id = ?1"));
    EQ_RETURN_IF_ERROR(links->BindInt64(0, record_id));
    EQ_RETURN_IF_ERROR(links->Run());
    EQ_ASSIGN_OR_RETURN(
        auto edges,
        db->GetCachedStatement(EQ_SQL_FROM_HERE,
                               "DELETE FROM link_edges WHERE a_record_id = ?1 "
                               "OR b_record_id = ?1"));
    EQ_RETURN_IF_ERROR(edges->BindInt64(0, record_id));
    return edges->Run();
  }

  absl::Status WriteEvents(const std::vector<PersonEvent>& events,
                           const char* run, int64_t now) {
    EQ_ASSIGN_OR_RETURN(
        auto statement,
        db->GetCachedStatement(
            EQ_SQL_FROM_HERE,
            "INSERT INTO person_events (kind, person_id, related, run, at) "
            "VALUES (?1, ?2, ?3, ?4, ?5)"));
    for (const PersonEvent& event : events) {
      EQ_RETURN_IF_ERROR(statement->BindText(0, EventKindName(event.kind)));
      EQ_RETURN_IF_ERROR(
          statement->BindInt64(1, static_cast<int64_t>(event.person_id)));
      // Bound without a copy: keep the text alive until the row is written.
      const std::string related = absl::StrJoin(event.others, ",");
      EQ_RETURN_IF_ERROR(statement->BindText(2, related));
      EQ_RETURN_IF_ERROR(statement->BindText(3, run));
      EQ_RETURN_IF_ERROR(statement->BindInt64(4, now));
      EQ_RETURN_IF_ERROR(statement->Run());
      statement->Reset(/*clear_bindings=*/false);
    }
    return absl::OkStatus();
  }
};

LinkageWorker::LinkageWorker(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

LinkageWorker::~LinkageWorker() { Stop(); }

absl::StatusOr<std::unique_ptr<LinkageWorker>> LinkageWorker::Open(
    LinkageWorkerOptions options) {
  auto impl = std::make_unique<Impl>();
  Database::Options db_options;
  db_options.path = options.store_path;
  // Ingest holds the write lock only for a group commit; waiting a while is
  // better than failing a linkage batch.
  db_options.busy_timeout_ms = 30000;
  EQ_ASSIGN_OR_RETURN(impl->db, Database::Open(db_options));
  impl->options = std::move(options);
  std::unique_ptr<LinkageWorker> worker(new LinkageWorker(std::move(impl)));
  EQ_RETURN_IF_ERROR(worker->Restore());
  return worker;
}

absl::Status LinkageWorker::Restore() {
  Impl& impl = *impl_;
  engine_ = std::make_unique<LinkageEngine>(impl.options.engine);
  impl.person_of_row.clear();
  impl.link_of_row.clear();
  impl.row_of_record.clear();
  impl.row_of_key.clear();
  impl.records_linked = 0;
  EQ_ASSIGN_OR_RETURN(impl.linked_through, impl.StateValue("linked_through"));
  EQ_ASSIGN_OR_RETURN(
      impl.last_linked_at,
      impl.db->QueryInt64(
          "SELECT coalesce(max(linked_at), 0) FROM record_links"));
  EQ_ASSIGN_OR_RETURN(const int64_t next_person,
                      impl.StateValue("next_person_id"));
  impl.next_person_id = static_cast<PersonId>(next_person);
  EQ_RETURN_IF_ERROR(impl.DropLinksOfRemovedRecords());
  EQ_ASSIGN_OR_RETURN(const int64_t model_version,
                      impl.StateValue("model_version"));
  impl.model_version = static_cast<uint32_t>(model_version);
  EQ_ASSIGN_OR_RETURN(std::optional<FellegiSunterModel> model,
                      impl.LoadNewestModel());
  if (model.has_value()) engine_->SetModel(*std::move(model));

  // Every linked record that is still held, with its person.
  EQ_ASSIGN_OR_RETURN(
      auto records,
      impl.db->GetUniqueStatement(
          "SELECT r.record_id, r.org_code, r.record_pseudonym, r.payload, "
          "l.person_id, l.stage, l.match_probability FROM records r "
          "JOIN record_links l ON l.record_id = r.record_id "
          "ORDER BY r.record_id"));
  absl::flat_hash_map<PersonId, Row> label_of_person;
  std::vector<Row> labels;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(const bool has_row, records->Step());
    if (!has_row) break;
    const StoredRecord record{.record_id = records->ColumnInt64(0),
                              .org_code = records->ColumnText(1),
                              .record_pseudonym = records->ColumnBlob(2),
                              .payload = records->ColumnBlob(3)};
    EQ_ASSIGN_OR_RETURN(std::optional<Row> row,
                        impl.AddToEngine(engine_.get(), record));
    if (!row.has_value()) continue;
    const PersonId person = static_cast<PersonId>(records->ColumnInt64(4));
    impl.GrowRows(*row + 1);
    impl.person_of_row[*row] = person;
    impl.link_of_row[*row] =
        RowLink{.stage = static_cast<int>(records->ColumnInt64(5)),
                .probability = records->ColumnDouble(6)};
    impl.row_of_record[record.record_id] = *row;
    impl.row_of_key[RecordKey(record.org_code, record.record_pseudonym)] = *row;
    labels.push_back(label_of_person.try_emplace(person, *row).first->second);
    ++impl.records_linked;
  }
  EQ_ASSIGN_OR_RETURN(auto edges,
                      impl.db->GetUniqueStatement(
                          "SELECT a_record_id, b_record_id, probability, stage "
                          "FROM link_edges"));
  std::vector<ScoredEdge> restored_edges;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(const bool has_row, edges->Step());
    if (!has_row) break;
    const auto a = impl.row_of_record.find(edges->ColumnInt64(0));
    const auto b = impl.row_of_record.find(edges->ColumnInt64(1));
    // An edge to a record purged since is dropped; the remaining records
    // keep their person.
    if (a == impl.row_of_record.end() || b == impl.row_of_record.end()) {
      continue;
    }
    restored_edges.push_back(
        ScoredEdge{.a = a->second,
                   .b = b->second,
                   .probability = static_cast<float>(edges->ColumnDouble(2)),
                   .stage = static_cast<uint8_t>(edges->ColumnInt64(3))});
  }
  engine_->RestoreLinked(restored_edges, std::move(labels));
  EQ_LOG(kInfo, "linkage restored: %d records, %d edges, model version %d",
         impl.records_linked, restored_edges.size(), impl.model_version);
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> LinkageWorker::LinkAvailable() {
  Impl& impl = *impl_;
  // A relink by another process (equilink-gateway relink) replaces the
  // whole linked state: start again from what it wrote.
  EQ_ASSIGN_OR_RETURN(const int64_t stored_version,
                      impl.StateValue("model_version"));
  if (static_cast<uint32_t>(stored_version) != impl.model_version) {
    EQ_RETURN_IF_ERROR(Restore());
  }
  uint64_t linked = 0;
  LinkageStatus::PhaseSeconds& phases = impl.phase_seconds;
  while (!stop_requested_.load()) {
    absl::Time clock = absl::Now();
    EQ_ASSIGN_OR_RETURN(
        std::vector<StoredRecord> batch,
        impl.ReadRecords(impl.linked_through, impl.options.batch_records));
    if (batch.empty()) break;
    Lap(&clock, &phases.read);
    std::vector<LinkRun> runs;
    std::vector<int64_t> removed_records;
    for (const StoredRecord& record : batch) {
      const std::string key =
          RecordKey(record.org_code, record.record_pseudonym);
      // A re-submitted record replaces its earlier version.
      const auto earlier = impl.row_of_key.find(key);
      if (earlier != impl.row_of_key.end()) {
        removed_records.push_back(
            engine_->features().record_id(earlier->second));
        runs.push_back(engine_->Retire(earlier->second));
        impl.row_of_key.erase(earlier);
      }
      EQ_ASSIGN_OR_RETURN(std::optional<Row> row,
                          impl.AddToEngine(engine_.get(), record));
      if (!row.has_value()) continue;
      impl.GrowRows(*row + 1);
      impl.row_of_record[record.record_id] = *row;
      impl.row_of_key[key] = *row;
    }
    Lap(&clock, &phases.features);
    EQ_ASSIGN_OR_RETURN(LinkRun run, engine_->LinkPending());
    impl.pairs_compared += run.pairs_compared;
    runs.push_back(std::move(run));
    Lap(&clock, &phases.link);

    std::vector<Row> rows;
    std::vector<ScoredEdge> new_edges;
    for (const LinkRun& part : runs) {
      rows.insert(rows.end(), part.reclustered_rows.begin(),
                  part.reclustered_rows.end());
      new_edges.insert(new_edges.end(), part.new_edges.begin(),
                       part.new_edges.end());
    }
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    std::vector<RowLink> previous_links(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      previous_links[i] = impl.link_of_row[rows[i]];
    }
    impl.RefreshRowLinks(*engine_, rows);
    std::vector<PersonId> previous(rows.size());
    std::vector<Row> labels(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      previous[i] = impl.person_of_row[rows[i]];
      labels[i] = engine_->labels()[rows[i]];
    }
    PersonId next_id = impl.next_person_id;
    const PersonIdAssignment assignment = AssignPersonIds(
        rows, previous, labels, [&next_id] { return next_id++; });
    // A re-clustered component mostly keeps its person and its links (a new
    // record joining a person re-clusters all of the person's records):
    // only what changed is written.
    std::vector<Row> changed_rows;
    std::vector<PersonId> changed_ids;
    std::vector<PersonId> changed_previous;
    for (size_t i = 0; i < rows.size(); ++i) {
      const RowLink& link = impl.link_of_row[rows[i]];
      if (assignment.person_ids[i] != previous[i] ||
          link.stage != previous_links[i].stage ||
          link.probability != previous_links[i].probability) {
        changed_rows.push_back(rows[i]);
        changed_ids.push_back(assignment.person_ids[i]);
        changed_previous.push_back(previous[i]);
      }
    }

    Lap(&clock, &phases.assign);
    const int64_t now = std::max(NowMs(), impl.last_linked_at + 1);
    const int64_t through = batch.back().record_id;
    absl::Status written = [&]() -> absl::Status {
      EQ_ASSIGN_OR_RETURN(Transaction transaction,
                          Transaction::Begin(impl.db.get()));
      for (int64_t record_id : removed_records) {
        EQ_RETURN_IF_ERROR(impl.RemoveRecord(record_id));
      }
      EQ_RETURN_IF_ERROR(impl.WriteLinks(*engine_, changed_rows, changed_ids,
                                         changed_previous, now));
      EQ_RETURN_IF_ERROR(impl.WriteEdges(*engine_, new_edges));
      EQ_RETURN_IF_ERROR(
          impl.WriteEvents(assignment.events, "incremental", now));
      EQ_RETURN_IF_ERROR(impl.SetStateValue("linked_through", through));
      EQ_RETURN_IF_ERROR(
          impl.SetStateValue("next_person_id", static_cast<int64_t>(next_id)));
      fault::CrashPoint("linkage.write.before");
      EQ_RETURN_IF_ERROR(transaction.Commit());
      fault::CrashPoint("linkage.write.after");
      return absl::OkStatus();
    }();
    if (!written.ok()) {
      // The engine is ahead of the store now; rebuild it from the store so
      // the next attempt starts from what is durable.
      EQ_RETURN_IF_ERROR(Restore());
      return written;
    }
    Lap(&clock, &phases.write);
    for (size_t i = 0; i < rows.size(); ++i) {
      impl.person_of_row[rows[i]] = assignment.person_ids[i];
    }
    impl.next_person_id = next_id;
    impl.linked_through = through;
    impl.last_linked_at = now;
    impl.records_linked += batch.size() - removed_records.size();
    linked += batch.size();

    if (impl.model_version == 0 &&
        engine_->linked_rows() >= impl.options.estimate_after_records &&
        impl.pairs_compared >= impl.options.estimate_after_pairs) {
      absl::StatusOr<RelinkResult> relinked =
          Relink("first estimate once enough records arrived");
      // Stopped by shutdown: nothing of it was written, and the worker that
      // starts next estimates once it meets the thresholds again (the pair
      // count is of its own comparisons).
      if (absl::IsCancelled(relinked.status())) break;
      EQ_RETURN_IF_ERROR(relinked.status());
      EQ_LOG(kInfo, "linkage model estimated from %d records: version %d",
             relinked->records, relinked->model_version);
    }
  }
  return linked;
}

absl::StatusOr<RelinkResult> LinkageWorker::Relink(const std::string& reason) {
  Impl& impl = *impl_;
  RelinkResult result;
  // A relink of a large population takes a while; a gateway shutting down
  // stops it (nothing of it is written) rather than wait for it.
  LinkageOptions engine_options = impl.options.engine;
  engine_options.cancel = &stop_requested_;
  auto engine = std::make_unique<LinkageEngine>(engine_options);

  // The current version of every record: re-submissions not yet indexed
  // leave older rows beside newer ones, so keep the newest per key.
  std::vector<StoredRecord> current;
  {
    absl::flat_hash_map<std::string, size_t> index_of_key;
    int64_t after = 0;
    for (;;) {
      if (stop_requested_.load()) {
        return absl::CancelledError("relink stopped: the gateway is stopping");
      }
      EQ_ASSIGN_OR_RETURN(std::vector<StoredRecord> batch,
                          impl.ReadRecords(after, 50000));
      if (batch.empty()) break;
      after = batch.back().record_id;
      for (StoredRecord& record : batch) {
        const std::string key =
            RecordKey(record.org_code, record.record_pseudonym);
        const auto [it, inserted] =
            index_of_key.try_emplace(key, current.size());
        if (inserted) {
          current.push_back(std::move(record));
        } else {
          current[it->second] = std::move(record);
        }
      }
    }
    std::sort(current.begin(), current.end(),
              [](const StoredRecord& x, const StoredRecord& y) {
                return x.record_id < y.record_id;
              });
  }
  std::vector<Row> rows;
  std::vector<PersonId> previous;
  for (const StoredRecord& record : current) {
    EQ_ASSIGN_OR_RETURN(std::optional<Row> row,
                        impl.AddToEngine(engine.get(), record));
    if (!row.has_value()) continue;
    rows.push_back(*row);
    const auto old = impl.row_of_record.find(record.record_id);
    previous.push_back(
        old == impl.row_of_record.end() ? 0 : impl.person_of_row[old->second]);
  }
  EQ_RETURN_IF_ERROR(engine->EstimateModel());
  EQ_ASSIGN_OR_RETURN(LinkRun run, engine->LinkPending());
  result.pairs_compared = run.pairs_compared;

  PersonId next_id = impl.next_person_id;
  const PersonIdAssignment assignment = AssignPersonIds(
      rows, previous, engine->labels(), [&next_id] { return next_id++; });

  // Links and edges of the fresh engine.
  std::vector<RowLink> links(rows.size());
  {
    Impl scratch;
    scratch.GrowRows(rows.size());
    scratch.RefreshRowLinks(*engine, rows);
    links = std::move(scratch.link_of_row);
  }
  const uint32_t version = impl.model_version + 1;
  // Bound without a copy: the bytes must outlive the statement's run.
  const std::string model_bytes =
      ModelToProto(engine->model()).SerializeAsString();
  const int64_t now = std::max(NowMs(), impl.last_linked_at + 1);
  const int64_t through =
      current.empty() ? impl.linked_through
                      : std::max(impl.linked_through, current.back().record_id);
  absl::Status written = [&]() -> absl::Status {
    EQ_ASSIGN_OR_RETURN(Transaction transaction,
                        Transaction::Begin(impl.db.get()));
    EQ_ASSIGN_OR_RETURN(const int64_t stored_version,
                        impl.StateValue("model_version"));
    if (static_cast<uint32_t>(stored_version) != impl.model_version) {
      return absl::AbortedError(
          "another relink committed while this one ran; run it again");
    }
    EQ_RETURN_IF_ERROR(impl.db->Execute("DELETE FROM link_edges"));
    EQ_RETURN_IF_ERROR(impl.db->Execute("DELETE FROM record_links"));
    std::swap(impl.link_of_row, links);
    absl::Status status =
        impl.WriteLinks(*engine, rows, assignment.person_ids, {}, now);
    std::swap(impl.link_of_row, links);
    EQ_RETURN_IF_ERROR(status);
    EQ_RETURN_IF_ERROR(impl.WriteEdges(*engine, run.new_edges));
    EQ_RETURN_IF_ERROR(impl.WriteEvents(assignment.events, "relink", now));
    EQ_ASSIGN_OR_RETURN(
        auto insert_model,
        impl.db->GetCachedStatement(
            EQ_SQL_FROM_HERE,
            "INSERT INTO linkage_models (version, model, reason, created_at) "
            "VALUES (?1, ?2, ?3, ?4)"));
    EQ_RETURN_IF_ERROR(insert_model->BindInt64(0, version));
    EQ_RETURN_IF_ERROR(insert_model->BindBlob(1, model_bytes));
    EQ_RETURN_IF_ERROR(insert_model->BindText(2, reason));
    EQ_RETURN_IF_ERROR(insert_model->BindInt64(3, now));
    EQ_RETURN_IF_ERROR(insert_model->Run());
    EQ_RETURN_IF_ERROR(impl.SetStateValue("linked_through", through));
    EQ_RETURN_IF_ERROR(
        impl.SetStateValue("next_person_id", static_cast<int64_t>(next_id)));
    EQ_RETURN_IF_ERROR(impl.SetStateValue("model_version", version));
    fault::CrashPoint("linkage.write.before");
    EQ_RETURN_IF_ERROR(transaction.Commit());
    fault::CrashPoint("linkage.write.after");
    return absl::OkStatus();
  }();
  EQ_RETURN_IF_ERROR(written);

  for (const PersonEvent& event : assignment.events) {
    switch (event.kind) {
      case PersonEventKind::kCreated:
        ++result.persons_created;
        break;
      case PersonEventKind::kMerged:
        ++result.persons_merged;
        break;
      case PersonEventKind::kSplit:
        ++result.persons_split;
        break;
      case PersonEventKind::kRetired:
        ++result.persons_retired;
        break;
    }
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (previous[i] != 0 && previous[i] != assignment.person_ids[i]) {
      ++result.records_moved;
    }
  }
  // Adopt the fresh engine and what was written.
  impl.model_version = version;
  impl.next_person_id = next_id;
  impl.linked_through = through;
  impl.last_linked_at = now;
  impl.row_of_record.clear();
  impl.row_of_key.clear();
  impl.person_of_row.assign(engine->features().size(), 0);
  impl.link_of_row = std::move(links);
  impl.link_of_row.resize(engine->features().size());
  absl::flat_hash_map<PersonId, bool> persons;
  for (size_t i = 0; i < rows.size(); ++i) {
    impl.person_of_row[rows[i]] = assignment.person_ids[i];
    persons[assignment.person_ids[i]] = true;
  }
  for (size_t i = 0; i < current.size() && i < rows.size(); ++i) {
    impl.row_of_record[engine->features().record_id(rows[i])] = rows[i];
  }
  for (const StoredRecord& record : current) {
    const auto it = impl.row_of_record.find(record.record_id);
    if (it == impl.row_of_record.end()) continue;
    impl.row_of_key[RecordKey(record.org_code, record.record_pseudonym)] =
        it->second;
  }
  impl.records_linked = rows.size();
  engine_ = std::move(engine);
  result.records = rows.size();
  result.persons = persons.size();
  result.model_version = version;
  return result;
}

void LinkageWorker::Start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  stop_requested_.store(false);
  thread_ = std::thread([this] {
    for (;;) {
      {
        std::unique_lock<std::mutex> wait_lock(mutex_);
        wake_.wait_for(wait_lock,
                       absl::ToChronoMilliseconds(impl_->options.poll_interval),
                       [this] { return notified_ || stopping_; });
        if (stopping_) return;
        notified_ = false;
      }
      absl::StatusOr<uint64_t> linked = LinkAvailable();
      if (!linked.ok()) {
        EQ_LOG(kWarning, "linkage batch failed, will retry: %s",
               linked.status().message());
      } else if (*linked > 0) {
        EQ_LOG(kDebug, "linked %d records", *linked);
      }
    }
  });
}

void LinkageWorker::Notify() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    notified_ = true;
  }
  wake_.notify_one();
}

void LinkageWorker::Stop() {
  stop_requested_.store(true);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<LinkageStatus> LinkageWorker::Status() {
  LinkageStatus status;
  status.linked_through = impl_->linked_through;
  status.records_linked = impl_->records_linked;
  status.model_version = impl_->model_version;
  status.candidate_pairs = engine_->blocking_stats().candidate_pairs;
  status.phase_seconds = impl_->phase_seconds;
  EQ_ASSIGN_OR_RETURN(
      status.persons,
      impl_->db->QueryInt64(
          "SELECT count(DISTINCT person_id) FROM record_links"));
  return status;
}

}  // namespace equilink::linkage
