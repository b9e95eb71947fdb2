// Fuzz target for GovernanceService's request decoding. The first byte picks
// the request (and, bit 7, which of two governance people is calling, so
// four-eyes approvals can happen); the rest is its wire bytes, parsed as gRPC
// hands them to the handler and passed through what the handler runs next,
// against the real registries and store (one SQLite file in a scratch dir):
//   0: CreateAgreementRequest     -> author rule -> AgreementRegistry::Create
//                                    (which runs ValidateAgreement)
//   1: GetAgreementRequest        -> AgreementRegistry::Get / List
//   2: TransitionAgreementRequest -> AgreementRegistry::Transition
//   3: RegisterOrganisationRequest -> code, role and fingerprint rules -> store
//   4: SetOrganisationStatusRequest -> the audit reason rule -> store
//   5: OptOutListChunk stream (varint-length-delimited chunks, as on the
//      wire) -> the NDOO2/NDOO3 chunk rules -> OptOutRegistry::Upload
// Beyond not crashing: no status message echoes a caller's value, and what a
// registry stores reads back intact (Get after Create; Info after Upload).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/status/check.h"
#include "equilink/v1/audit.pb.h"
#include "equilink/v1/governance.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "server/audit/entry_rules.h"
#include "server/auth/authenticate.h"
#include "server/config/gateway_config.h"
#include "server/governance/agreement_registry.h"
#include "server/governance/optout_registry.h"
#include "server/store/sqlite_store.h"
#include "tests/fuzz/fuzz_support.h"

namespace equilink {
namespace {

// Small enough that the list rule is reachable from a fuzzed stream.
constexpr size_t kMaxOptOutTokens = 64;

struct Fixture {
  std::unique_ptr<store::SqliteStore> store;
  std::unique_ptr<governance::AgreementRegistry> agreements;
  std::unique_ptr<governance::OptOutRegistry> optouts;
};

Fixture& GetFixture() {
  static Fixture* const fixture = [] {
    const std::string path = fuzz::ScratchDir() + "/governance.db";
    store::SqliteOptions options;
    options.path = path;
    auto store = store::SqliteStore::Open(options);
    EQ_CHECK(store.ok());
    auto agreements = governance::AgreementRegistry::Open(path);
    EQ_CHECK(agreements.ok());
    auto optouts = governance::OptOutRegistry::Open(path);
    EQ_CHECK(optouts.ok());
    return new Fixture{*std::move(store), *std::move(agreements),
                       *std::move(optouts)};
  }();
  return *fixture;
}

// A fixed clock: registry decisions depend on the day, and a replayed
// corpus must decide the same way tomorrow.
absl::Time Now() { return absl::FromUnixSeconds(1795000000); }  // 2026-11

void CreateAgreement(const std::string& caller, const uint8_t* data,
                     size_t size) {
  v1::CreateAgreementRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  v1::Agreement agreement = request.agreement();
  if (agreement.author().empty()) agreement.set_author(caller);
  if (agreement.author() != caller) return;  // four-eyes refusal
  absl::StatusOr<governance::StoredAgreement> stored =
      GetFixture().agreements->Create(
          agreement, Now(),
          [](const v1::AgreementEvent&) { return absl::OkStatus(); });
  if (!stored.ok()) {
    fuzz::CheckNoEcho(stored.status().message(), request);
    return;
  }
  absl::StatusOr<governance::StoredAgreement> read =
      GetFixture().agreements->Get(agreement.agreement_id(),
                                   agreement.version());
  EQ_CHECK(read.ok());
  EQ_CHECK(read->version_hash == stored->version_hash);
}

void GetAgreement(const uint8_t* data, size_t size) {
  v1::GetAgreementRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  governance::AgreementRegistry& registry = *GetFixture().agreements;
  if (request.version() != 0) {
    absl::StatusOr<governance::StoredAgreement> stored =
        registry.Get(request.agreement_id(), request.version());
    if (!stored.ok()) {
      EQ_CHECK(absl::IsNotFound(stored.status()));
      fuzz::CheckNoEcho(stored.status().message(), request);
    }
  } else {
    EQ_CHECK(registry.List().ok());
  }
}

void TransitionAgreement(const std::string& caller, const uint8_t* data,
                         size_t size) {
  v1::TransitionAgreementRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  governance::TransitionRequest transition;
  transition.action = request.action();
  transition.actor.principal = caller;
  transition.actor.has_governance_role = true;
  transition.time = Now();
  transition.reason = request.reason();
  absl::StatusOr<v1::AgreementEvent> event =
      GetFixture().agreements->Transition(
          request.agreement_id(), request.version(), transition,
          [](const v1::AgreementEvent&) { return absl::OkStatus(); });
  if (!event.ok()) fuzz::CheckNoEcho(event.status().message(), request);
}

bool IsLowercaseHex(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

void RegisterOrganisation(const uint8_t* data, size_t size) {
  v1::RegisterOrganisationRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  const v1::Organisation& wanted = request.organisation();
  if (!auth::IsValidOrganisationCode(wanted.code())) return;    // O1
  if (wanted.name().empty() || wanted.roles().empty()) return;  // O2
  store::Organisation organisation;
  for (const std::string& role : wanted.roles()) {
    if (!config::IsKnownRole(role)) return;  // O2
    if (std::find(organisation.roles.begin(), organisation.roles.end(), role) ==
        organisation.roles.end()) {
      organisation.roles.push_back(role);
    }
  }
  const std::string& fingerprint = wanted.certificate_sha256();
  if (!fingerprint.empty() &&
      (fingerprint.size() != 64 || !IsLowercaseHex(fingerprint))) {
    return;  // O3
  }
  organisation.code = wanted.code();
  organisation.name = wanted.name();
  organisation.certificate_sha256 = fingerprint;
  store::Store& store = *GetFixture().store;
  absl::StatusOr<std::optional<store::Organisation>> existing =
      store.FindOrganisation(organisation.code);
  EQ_CHECK(existing.ok());
  if (existing->has_value()) return;  // O4
  EQ_CHECK(store.UpsertOrganisation(organisation).ok());
  existing = store.FindOrganisation(organisation.code);
  EQ_CHECK(existing.ok() && existing->has_value());
  EQ_CHECK((*existing)->name == organisation.name);
  EQ_CHECK((*existing)->roles == organisation.roles);
}

void SetOrganisationStatus(const uint8_t* data, size_t size) {
  v1::SetOrganisationStatusRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  const bool suspend = request.status() == v1::ORGANISATION_SUSPENDED;
  if (!suspend && request.status() != v1::ORGANISATION_ACTIVE) return;  // O5
  // The handler's probe: the reason must pass the audit log's text rules.
  v1::AuditEntry probe;
  probe.mutable_principal()->set_organisation_code("X");
  probe.mutable_principal()->set_role("X");
  probe.set_action("X");
  probe.set_decision(v1::AUDIT_ALLOW);
  probe.set_reason(absl::StrCat(
      "organisation ", request.code(),
      suspend ? " suspended: " : " reactivated: ", request.reason()));
  const absl::Status allowed = audit::ValidateNewEntry(probe);
  if (!allowed.ok()) {
    fuzz::CheckNoEcho(allowed.message(), request);
    return;
  }
  if (request.reason().empty()) return;
  store::Store& store = *GetFixture().store;
  absl::StatusOr<std::optional<store::Organisation>> existing =
      store.FindOrganisation(request.code());
  EQ_CHECK(existing.ok());
  if (!existing->has_value()) return;
  store::Organisation organisation = **existing;
  organisation.active = !suspend;
  EQ_CHECK(store.UpsertOrganisation(organisation).ok());
}

void UploadOptOutList(const std::string& caller, const uint8_t* data,
                      size_t size) {
  google::protobuf::io::CodedInputStream in(data, static_cast<int>(size));
  std::string key_id;
  std::string description;
  std::vector<std::string> tokens;
  bool first = true;
  uint32_t length = 0;
  v1::OptOutListChunk chunk;
  while (in.ReadVarint32(&length)) {
    const auto limit = in.PushLimit(static_cast<int>(length));
    const bool parsed =
        chunk.ParseFromCodedStream(&in) && in.BytesUntilLimit() == 0;
    in.PopLimit(limit);
    if (!parsed) return;  // gRPC fails the Read; the handler stores nothing
    if (first) {
      key_id = chunk.key_id();
      description = chunk.description();
      first = false;
    } else if (!chunk.key_id().empty() && chunk.key_id() != key_id) {
      return;  // NDOO2
    }
    if (tokens.size() + chunk.nhs_number_tokens_size() > kMaxOptOutTokens) {
      return;  // NDOO3
    }
    for (std::string& token : *chunk.mutable_nhs_number_tokens()) {
      tokens.push_back(std::move(token));
    }
  }
  governance::OptOutRegistry& registry = *GetFixture().optouts;
  absl::StatusOr<v1::OptOutListInfo> info = registry.Upload(
      key_id, description, tokens, caller, Now(),
      [](const v1::OptOutListInfo&) { return absl::OkStatus(); });
  if (!info.ok()) {
    fuzz::CheckNoEcho(info.status().message(), chunk);
    return;
  }
  absl::StatusOr<v1::OptOutListInfo> current = registry.Info();
  EQ_CHECK(current.ok());
  EQ_CHECK(current->version() == info->version());
  EQ_CHECK(registry.Current()->tokens.size() == info->token_count());
  for (const std::string& token : tokens) {
    EQ_CHECK(registry.Current()->Contains(token));
  }
}

}  // namespace
}  // namespace equilink

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string caller = (data[0] & 0x80) != 0
                                 ? "urn:equilink:person:fuzz-approver"
                                 : "urn:equilink:person:fuzz-author";
  const uint8_t* body = data + 1;
  const size_t body_size = size - 1;
  switch ((data[0] & 0x7f) % 6) {
    case 0:
      equilink::CreateAgreement(caller, body, body_size);
      break;
    case 1:
      equilink::GetAgreement(body, body_size);
      break;
    case 2:
      equilink::TransitionAgreement(caller, body, body_size);
      break;
    case 3:
      equilink::RegisterOrganisation(body, body_size);
      break;
    case 4:
      equilink::SetOrganisationStatus(body, body_size);
      break;
    default:
      equilink::UploadOptOutList(caller, body, body_size);
      break;
  }
  return 0;
}
