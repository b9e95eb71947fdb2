#ifndef EQUILINK_SERVER_API_EXTRACT_SERVICE_H_
#define EQUILINK_SERVER_API_EXTRACT_SERVICE_H_

// gRPC adapter for equilink.v1.ExtractService: a consumer pulls the stored,
// pseudonymised records of a dataset that an active agreement lets it have.
//
// Pull, in order (governance.md, "On every extract"):
//   E1  CallAuthoriser: registered, active, pinned certificate, consumer role.
//   E2-E4  governance::CheckExtract over the agreements in force today, with
//       the requested purpose, dataset, identifiability and fields. Pull
//       releases records, so only IDENTIFIABILITY_PSEUDONYMISED_RECORD can be
//       pulled (E3). An empty field list means every whitelisted field that
//       may be released at that level.
//   E5  when the agreement applies the national data opt-out, people on the
//       current opt-out list are dropped here, whatever stage the agreement
//       names: a record may have been admitted under a submission agreement
//       that did not apply it, or before the list's latest version. No list
//       uploaded yet is a refusal (the list cannot be applied).
// Every refusal after E1 is PERMISSION_DENIED "E<n>: <reason>" and an
// AUDIT_DENY entry (E1's refusals are audited by the authoriser).
//
// Audit before release: the records are read twice from one snapshot of the
// store (Store::ForEachCurrentRecord). The first pass counts what will be
// released and dropped; the AUDIT_ALLOW entry, with those counts, is appended
// next; only then does the second pass send PullChunks of up to
// kRecordsPerChunk records. If the append fails nothing is sent (fail
// closed). A consumer that disconnects part way has still been audited for
// the whole release it was given.
//
// Keyed tokens never leave: fields of class ITEM_CLASS_PSEUDONYM or with a
// keyed-token transform (client_pseudonym, ...), and the record's own keys
// (record_pseudonym, nhs_number_token, match_keys, bloom) are never released,
// because tokens of the providers' linkage domain are join keys across
// projects (E4). Requesting one is refused. In their place every record
// comes with a ReleasedRow (PullChunk.rows[i] for records[i]): release
// pseudonyms of the record and of its linked person, keyed to the consumer
// with the gateway's release key (server/extract/release_keys.h), and the
// link's stage and probability. A record the linkage worker has not linked
// yet is released at once with no person pseudonym, and again, as changed,
// once it is linked: waiting would hold back records whenever linkage is
// behind, or off.
//
// Incremental pulls: the final chunk (sent even when it holds no record)
// carries next_cursor, the snapshot's high-water marks (records appended,
// links written) under a MAC bound to the consumer, purpose and dataset. A
// pull given that cursor releases only records added, re-submitted or
// re-linked since. A malformed or foreign cursor is INVALID_ARGUMENT and an
// AUDIT_DENY with rule CURSOR. Records purged since are not reported.
//
// Without a release key (the file is missing) every pull is refused with
// FAILED_PRECONDITION before anything is planned or released.

#include <cstddef>

#include "equilink/v1/extract.grpc.pb.h"
#include "server/audit/audit_log.h"
#include "server/auth/access_policy.h"
#include "server/extract/release_keys.h"
#include "server/governance/agreement_cache.h"
#include "server/governance/optout_registry.h"
#include "server/metrics/registry.h"
#include "server/store/store.h"

namespace equilink::api {

inline constexpr size_t kRecordsPerChunk = 1000;

class ExtractService final : public v1::ExtractService::Service {
 public:
  // None of the pointers is owned; all must outlive the service.
  // `release_keys` may be null: the gateway has no release key, and every
  // pull is refused. `pulls` counts each pull by decision
  // (metrics::DecisionOf); null: not counted.
  ExtractService(auth::CallAuthoriser* authoriser,
                 governance::AgreementCache* agreements,
                 const governance::OptOutRegistry* optouts, store::Store* store,
                 audit::AuditLog* audit,
                 const extract::ReleaseKeys* release_keys,
                 metrics::CounterFamily* pulls = nullptr);

  grpc::Status Pull(grpc::ServerContext* context,
                    const v1::PullRequest* request,
                    grpc::ServerWriter<v1::PullChunk>* writer) override;

 private:
  grpc::Status Decide(grpc::ServerContext* context,
                      const v1::PullRequest* request,
                      grpc::ServerWriter<v1::PullChunk>* writer);

  auth::CallAuthoriser* const authoriser_;
  governance::AgreementCache* const agreements_;
  const governance::OptOutRegistry* const optouts_;
  store::Store* const store_;
  audit::AuditLog* const audit_;
  const extract::ReleaseKeys* const release_keys_;
  metrics::CounterFamily* const pulls_;
};

}  // namespace equilink::api

#endif  // EQUILINK_SERVER_API_EXTRACT_SERVICE_H_
