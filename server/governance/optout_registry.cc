#include "server/governance/optout_registry.h"

#include <utility>

#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "server/store/schema.h"
#include "server/store/sqlite/migration.h"
#include "server/store/sqlite/transaction.h"

namespace equilink::governance {
namespace {

using store::sqlite::Database;
using store::sqlite::ScopedStatement;
using store::sqlite::Transaction;

absl::Status NoHook(const v1::OptOutListInfo&) { return absl::OkStatus(); }

}  // namespace

OptOutRegistry::OptOutRegistry(std::unique_ptr<Database> db)
    : db_(std::move(db)), current_(std::make_shared<OptOutSnapshot>()) {}

absl::StatusOr<std::unique_ptr<OptOutRegistry>> OptOutRegistry::Open(
    const std::string& store_path) {
  if (store_path.empty()) {
    return absl::InvalidArgumentError("opt-out registry: empty path");
  }
  Database::Options options;
  options.path = store_path;
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(options));
  EQ_RETURN_IF_ERROR(
      store::sqlite::Migrate(db.get(), store::StoreMigrations()));
  auto registry = absl::WrapUnique(new OptOutRegistry(std::move(db)));
  {
    absl::MutexLock lock(&registry->write_mu_);
    EQ_RETURN_IF_ERROR(registry->LoadNewestLocked());
  }
  return registry;
}

absl::Status OptOutRegistry::LoadNewestLocked() {
  v1::OptOutListInfo info;
  {
    EQ_ASSIGN_OR_RETURN(
        ScopedStatement row,
        db_->GetCachedStatement(
            EQ_SQL_FROM_HERE,
            "SELECT version, key_id, token_count, uploaded_by, uploaded_at, "
            "description FROM optout_lists ORDER BY version DESC LIMIT 1"));
    EQ_ASSIGN_OR_RETURN(const bool found, row->Step());
    if (!found) return absl::OkStatus();
    info.set_version(static_cast<uint64_t>(row->ColumnInt64(0)));
    info.set_key_id(row->ColumnText(1));
    info.set_token_count(static_cast<uint64_t>(row->ColumnInt64(2)));
    info.set_uploaded_by(row->ColumnText(3));
    info.set_uploaded_unix_micros(row->ColumnInt64(4));
    info.set_description(row->ColumnText(5));
  }
  auto snapshot = std::make_shared<OptOutSnapshot>();
  snapshot->version = info.version();
  snapshot->key_id = info.key_id();
  snapshot->tokens.reserve(info.token_count());
  {
    EQ_ASSIGN_OR_RETURN(
        ScopedStatement rows,
        db_->GetCachedStatement(
            EQ_SQL_FROM_HERE,
            "SELECT token FROM optout_tokens WHERE version = ?"));
    EQ_RETURN_IF_ERROR(
        rows->BindInt64(0, static_cast<int64_t>(info.version())));
    while (true) {
      EQ_ASSIGN_OR_RETURN(const bool more, rows->Step());
      if (!more) break;
      snapshot->tokens.insert(rows->ColumnBlob(0));
    }
  }
  // Rows removed from (or added to) the list by hand would silently let
  // opted-out people through; the count written with the list catches it.
  if (snapshot->tokens.size() != info.token_count()) {
    return absl::DataLossError(
        absl::StrCat("opt-out list version ", info.version(),
                     ": stored tokens do not match the list's token count"));
  }
  absl::MutexLock lock(&snapshot_mu_);
  current_ = std::move(snapshot);
  info_ = std::move(info);
  return absl::OkStatus();
}

absl::StatusOr<v1::OptOutListInfo> OptOutRegistry::Upload(
    const std::string& key_id, const std::string& description,
    std::vector<std::string> tokens, const std::string& uploaded_by,
    absl::Time now) {
  return Upload(key_id, description, std::move(tokens), uploaded_by, now,
                NoHook);
}

absl::StatusOr<v1::OptOutListInfo> OptOutRegistry::Upload(
    const std::string& key_id, const std::string& description,
    std::vector<std::string> tokens, const std::string& uploaded_by,
    absl::Time now,
    absl::FunctionRef<absl::Status(const v1::OptOutListInfo&)> before_commit) {
  if (key_id.empty()) {
    return absl::InvalidArgumentError(
        "opt-out rule NDOO2: key_id (the linkage key the tokens were made "
        "under) is required");
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].size() != kOptOutTokenBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "opt-out rule NDOO1: token at position ", i, " is ", tokens[i].size(),
          " bytes, not ", kOptOutTokenBytes, "; nothing was stored"));
    }
  }
  auto snapshot = std::make_shared<OptOutSnapshot>();
  snapshot->key_id = key_id;
  snapshot->tokens.reserve(tokens.size());
  for (std::string& token : tokens) snapshot->tokens.insert(std::move(token));
  tokens.clear();

  absl::MutexLock lock(&write_mu_);
  EQ_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(db_.get()));
  // The version comes from the file, not memory, so two gateways (or a
  // restored copy) sharing the file never reuse a number.
  EQ_ASSIGN_OR_RETURN(
      const int64_t newest,
      db_->QueryInt64("SELECT COALESCE(MAX(version), 0) FROM optout_lists"));
  v1::OptOutListInfo info;
  info.set_version(static_cast<uint64_t>(newest) + 1);
  info.set_key_id(key_id);
  info.set_token_count(snapshot->tokens.size());
  info.set_uploaded_by(uploaded_by);
  info.set_uploaded_unix_micros(absl::ToUnixMicros(now));
  info.set_description(description);
  snapshot->version = info.version();
  {
    EQ_ASSIGN_OR_RETURN(
        ScopedStatement insert,
        db_->GetCachedStatement(
            EQ_SQL_FROM_HERE,
            "INSERT INTO optout_lists (version, key_id, token_count, "
            "uploaded_by, uploaded_at, description) VALUES (?, ?, ?, ?, ?, "
            "?)"));
    EQ_RETURN_IF_ERROR(
        insert->BindInt64(0, static_cast<int64_t>(info.version())));
    EQ_RETURN_IF_ERROR(insert->BindText(1, info.key_id()));
    EQ_RETURN_IF_ERROR(
        insert->BindInt64(2, static_cast<int64_t>(info.token_count())));
    EQ_RETURN_IF_ERROR(insert->BindText(3, info.uploaded_by()));
    EQ_RETURN_IF_ERROR(insert->BindInt64(4, info.uploaded_unix_micros()));
    EQ_RETURN_IF_ERROR(insert->BindText(5, info.description()));
    EQ_RETURN_IF_ERROR(insert->Run());
  }
  {
    EQ_ASSIGN_OR_RETURN(
        ScopedStatement insert,
        db_->GetCachedStatement(
            EQ_SQL_FROM_HERE,
            "INSERT INTO optout_tokens (version, token) VALUES (?, ?)"));
    EQ_RETURN_IF_ERROR(
        insert->BindInt64(0, static_cast<int64_t>(info.version())));
    for (const std::string& token : snapshot->tokens) {
      EQ_RETURN_IF_ERROR(insert->BindBlob(1, token));
      EQ_RETURN_IF_ERROR(insert->Run());
      insert->Reset(/*clear_bindings=*/false);
    }
  }
  // Older versions stay: an audit entry that cites one must still be
  // explainable.
  EQ_RETURN_IF_ERROR(before_commit(info));
  EQ_RETURN_IF_ERROR(transaction.Commit());

  absl::MutexLock snapshot_lock(&snapshot_mu_);
  current_ = std::move(snapshot);
  info_ = info;
  return info;
}

std::shared_ptr<const OptOutSnapshot> OptOutRegistry::Current() const {
  absl::MutexLock lock(&snapshot_mu_);
  return current_;
}

absl::StatusOr<v1::OptOutListInfo> OptOutRegistry::Info() const {
  absl::MutexLock lock(&snapshot_mu_);
  return info_;
}

}  // namespace equilink::governance
