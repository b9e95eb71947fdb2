#ifndef EQUILINK_SERVER_GOVERNANCE_OPTOUT_REGISTRY_H_
#define EQUILINK_SERVER_GOVERNANCE_OPTOUT_REGISTRY_H_

// The national data opt-out list as the gateway holds it: versioned lists of
// NHS-number tokens (the keyed token the clients make, never an NHS number),
// in the tables optout_lists / optout_tokens of the store's SQLite file
// (schema v4). Each upload is a new version that replaces the list whole, so
// an agreement's decision can always name the one list version it used.
//
// Ingest and extract consult the list for every record, so Current() is an
// in-memory snapshot swapped atomically after each committed upload: reading
// it costs a shared_ptr copy, no SQL, and a reader keeps a consistent list
// even while an upload commits.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "equilink/v1/governance.pb.h"
#include "server/store/sqlite/database.h"

namespace equilink::governance {

// The length of an NHS-number token (HMAC-SHA-256 output), in bytes.
inline constexpr size_t kOptOutTokenBytes = 32;

// One list version. Immutable once published through Current().
struct OptOutSnapshot {
  uint64_t version = 0;  // 0: no list has ever been uploaded
  std::string key_id;    // the linkage key the tokens were made under
  absl::flat_hash_set<std::string> tokens;

  // True when `nhs_number_token` (raw bytes) is on the list.
  bool Contains(absl::string_view nhs_number_token) const {
    return tokens.contains(nhs_number_token);
  }
};

// Thread-safe. Holds its own connection to the store's file, like
// AgreementRegistry; writes are BEGIN IMMEDIATE transactions.
class OptOutRegistry {
 public:
  // Opens (creating and migrating if needed) the SQLite file at `store_path`
  // and loads the newest list version into memory. Errors from SQLite as is;
  // DataLoss when the stored newest version's token count disagrees with its
  // rows (the list was edited behind the registry's back).
  static absl::StatusOr<std::unique_ptr<OptOutRegistry>> Open(
      const std::string& store_path);

  OptOutRegistry(const OptOutRegistry&) = delete;
  OptOutRegistry& operator=(const OptOutRegistry&) = delete;

  // Stores `tokens` as the next version in one transaction and makes it
  // Current(). Duplicate tokens are stored once (token_count counts distinct
  // tokens). InvalidArgument, with nothing stored, naming rule NDOO1 when a
  // token is not kOptOutTokenBytes long (with the token's 0-based position,
  // never its bytes) or NDOO2 when key_id is empty. `before_commit`, when
  // given, runs inside the transaction with the info about to be committed
  // (the caller audits there); an error from it rolls the upload back and is
  // returned.
  absl::StatusOr<v1::OptOutListInfo> Upload(const std::string& key_id,
                                            const std::string& description,
                                            std::vector<std::string> tokens,
                                            const std::string& uploaded_by,
                                            absl::Time now);
  absl::StatusOr<v1::OptOutListInfo> Upload(
      const std::string& key_id, const std::string& description,
      std::vector<std::string> tokens, const std::string& uploaded_by,
      absl::Time now,
      absl::FunctionRef<absl::Status(const v1::OptOutListInfo&)> before_commit);

  // The newest committed list; never null (version 0 and empty before any
  // upload). Cheap: no SQL.
  std::shared_ptr<const OptOutSnapshot> Current() const;

  // The newest version's metadata (version 0 and empty before any upload).
  absl::StatusOr<v1::OptOutListInfo> Info() const;

 private:
  explicit OptOutRegistry(std::unique_ptr<store::sqlite::Database> db);

  // Reads the newest version and its tokens from the file.
  absl::Status LoadNewestLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  // Serialises use of the connection (uploads, the load at open).
  mutable absl::Mutex write_mu_;
  const std::unique_ptr<store::sqlite::Database> db_
      ABSL_PT_GUARDED_BY(write_mu_);

  // Guards only the pointers, so Current() never waits for an upload.
  mutable absl::Mutex snapshot_mu_;
  std::shared_ptr<const OptOutSnapshot> current_ ABSL_GUARDED_BY(snapshot_mu_);
  v1::OptOutListInfo info_ ABSL_GUARDED_BY(snapshot_mu_);
};

}  // namespace equilink::governance

#endif  // EQUILINK_SERVER_GOVERNANCE_OPTOUT_REGISTRY_H_
