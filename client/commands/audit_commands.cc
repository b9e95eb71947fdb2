#include "client/commands/audit_commands.h"

#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/commands/text_table.h"
#include "common/rpc/status_grpc.h"
#include "common/status/status_macros.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "server/audit/audit_verifier.h"
#include "server/audit/checkpoint_export.h"
#include "server/audit/checkpoint_signer.h"

namespace equilink::client {
namespace {

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::unique_ptr<FILE, decltype(&fclose)> file(fopen(path.c_str(), "rb"),
                                                &fclose);
  if (file == nullptr) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path));
  }
  std::string contents;
  char buffer[1 << 16];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), file.get())) > 0) {
    contents.append(buffer, n);
  }
  if (ferror(file.get())) {
    return absl::DataLossError(absl::StrCat("error reading ", path));
  }
  return contents;
}

// The SubjectPublicKeyInfo PEM of a raw Ed25519 public key, the form
// CheckpointVerifier takes.
absl::StatusOr<std::string> PemOfRawEd25519(absl::string_view raw) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_new_raw_public_key(
          EVP_PKEY_ED25519, nullptr,
          reinterpret_cast<const unsigned char*>(raw.data()), raw.size()),
      &EVP_PKEY_free);
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        "the gateway's audit key is not a raw Ed25519 public key");
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()),
                                                &BIO_free);
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) {
    return absl::InternalError("cannot encode the audit key as PEM");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

// The verifier's key: the file given, else the gateway's own (with a
// warning).
absl::StatusOr<std::unique_ptr<audit::CheckpointVerifier>> VerifierFor(
    const AuditVerifyOptions& options, std::vector<std::string>& warnings) {
  std::string pem;
  if (!options.public_key_path.empty()) {
    EQ_ASSIGN_OR_RETURN(pem, ReadWholeFile(options.public_key_path));
  } else {
    warnings.push_back(
        "warning: no --public_key given; verifying against the key the "
        "gateway reports, which proves less: whoever can rewrite the log can "
        "also hand out a new key. Compare the key id with one obtained out of "
        "band.");
    EQ_ASSIGN_OR_RETURN(std::unique_ptr<v1::GovernanceService::Stub> stub,
                        ConnectGovernance(options.gateway));
    std::unique_ptr<grpc::ClientContext> context = CallContext(options.gateway);
    v1::AuditKey key;
    EQ_RETURN_IF_ERROR(FromGrpcStatus(
        stub->GetAuditKey(context.get(), v1::GetAuditKeyRequest(), &key)));
    EQ_ASSIGN_OR_RETURN(pem, PemOfRawEd25519(key.ed25519_public_key()));
  }
  return audit::CheckpointVerifier::FromPublicKeyPem(pem);
}

}  // namespace

absl::StatusOr<audit::StoredAuditLog> FetchAuditLog(
    const GatewayConnection& gateway, uint64_t after_sequence) {
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<v1::GovernanceService::Stub> stub,
                      ConnectGovernance(gateway));
  GatewayConnection long_call = gateway;
  long_call.deadline = absl::Minutes(10);
  std::unique_ptr<grpc::ClientContext> context = CallContext(long_call);
  v1::ListAuditEntriesRequest request;
  request.set_after_sequence(after_sequence);
  std::unique_ptr<grpc::ClientReader<v1::AuditLogChunk>> reader =
      stub->ListAuditEntries(context.get(), request);
  audit::StoredAuditLog log;
  v1::AuditLogChunk chunk;
  while (reader->Read(&chunk)) {
    for (v1::AuditEntry& entry : *chunk.mutable_entries()) {
      log.entries.push_back(std::move(entry));
    }
    for (v1::AuditCheckpoint& checkpoint : *chunk.mutable_checkpoints()) {
      log.checkpoints.push_back(std::move(checkpoint));
    }
  }
  EQ_RETURN_IF_ERROR(FromGrpcStatus(reader->Finish()));
  return log;
}

std::string FormatAuditTable(absl::Span<const v1::AuditEntry> entries) {
  std::vector<std::vector<std::string>> rows = {
      {"SEQ", "TIME (UTC)", "ORG", "ROLE", "PERSON", "ACTION", "DECISION",
       "RULE", "AGREEMENT", "REASON"}};
  for (const v1::AuditEntry& entry : entries) {
    std::string agreement = entry.agreement_id();
    if (!agreement.empty() && entry.agreement_version() != 0) {
      absl::StrAppend(&agreement, " v", entry.agreement_version());
    }
    std::string decision = v1::AuditDecision_Name(entry.decision());
    if (absl::StartsWith(decision, "AUDIT_")) decision = decision.substr(6);
    rows.push_back({
        absl::StrCat(entry.sequence()),
        absl::FormatTime("%Y-%m-%d %H:%M:%S",
                         absl::FromUnixMicros(entry.time_unix_micros()),
                         absl::UTCTimeZone()),
        entry.principal().organisation_code(),
        entry.principal().role(),
        entry.principal().person(),
        entry.action(),
        decision,
        entry.rule_id(),
        agreement,
        entry.reason(),
    });
  }
  return FormatTextTable(rows);
}

absl::StatusOr<AuditVerifyResult> RunAuditVerify(
    const AuditVerifyOptions& options) {
  AuditVerifyResult result;
  audit::StoredAuditLog log;
  if (!options.audit_db.empty()) {
    EQ_ASSIGN_OR_RETURN(log, audit::ReadStoredAuditLog(options.audit_db,
                                                       /*after_sequence=*/0,
                                                       /*limit=*/0));
  } else {
    EQ_ASSIGN_OR_RETURN(log, FetchAuditLog(options.gateway, 0));
  }
  if (!options.checkpoints_path.empty()) {
    EQ_ASSIGN_OR_RETURN(std::string text,
                        ReadWholeFile(options.checkpoints_path));
    EQ_ASSIGN_OR_RETURN(std::vector<v1::AuditCheckpoint> published,
                        audit::ParseCheckpointJsonLines(text));
    for (v1::AuditCheckpoint& checkpoint : published) {
      log.checkpoints.push_back(std::move(checkpoint));
    }
  }
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<audit::CheckpointVerifier> verifier,
                      VerifierFor(options, result.warnings));
  EQ_ASSIGN_OR_RETURN(
      result.report,
      audit::VerifyAuditEntries(log.entries, log.checkpoints, *verifier));
  return result;
}

std::string FormatVerifyReport(const v1::AuditVerifyReport& report) {
  if (report.ok()) {
    return absl::StrCat("audit log verified: ", report.entries_checked(),
                        " entries and ", report.checkpoints_checked(),
                        " signed checkpoints, last sequence ",
                        report.last_sequence(), "\n");
  }
  std::string problem = v1::AuditProblem_Name(report.problem());
  if (absl::StartsWith(problem, "AUDIT_")) problem = problem.substr(6);
  return absl::StrCat("audit log TAMPERED: entry ", report.problem_sequence(),
                      ": ", problem, ": ", report.detail(), " (",
                      report.entries_checked(),
                      " entries verified before it; nothing after it is "
                      "trusted)\n");
}

}  // namespace equilink::client
