// Fuzz target for SubmissionService's request decoding. The first byte picks
// the request; the rest is its wire bytes, parsed the way the handler's
// messages are (a SubmissionBatch into an arena) and then passed through what
// the handler runs next, against the real SQLite store in a scratch dir:
//   0: SubmissionBatch -> DropUnknownFields -> BatchIngestor::Ingest
//   1: GetSubmissionStatusRequest -> IsWellFormedId -> the store's reads
// Beyond not crashing:
//  - DropUnknownFields leaves exactly what protobuf's reflective
//    DiscardUnknownFields leaves (the hand-written walk must miss nothing);
//  - an acknowledgement accounts for every record, rejections point at real
//    records and real field names, and no reason or status message echoes
//    record content.
// The ingestor runs without agreement enforcement (IngestGovernance): that
// needs an approved agreement, four-eyes and an audit log, and the batch
// checks it adds are covered by the governance unit tests.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/status/check.h"
#include "equilink/v1/submission.pb.h"
#include "google/protobuf/arena.h"
#include "server/ingest/batch_ingestor.h"
#include "server/ingest/unknown_fields.h"
#include "server/store/sqlite_store.h"
#include "tests/fuzz/fuzz_support.h"

namespace equilink {
namespace {

constexpr char kOrganisation[] = "FUZZ1";

struct Fixture {
  std::unique_ptr<store::SqliteStore> store;
  std::unique_ptr<ingest::BatchIngestor> ingestor;
};

Fixture& GetFixture() {
  static Fixture* const fixture = [] {
    store::SqliteOptions options;
    options.path = fuzz::ScratchDir() + "/submission.db";
    absl::StatusOr<std::unique_ptr<store::SqliteStore>> opened =
        store::SqliteStore::Open(options);
    EQ_CHECK(opened.ok());
    auto* f = new Fixture{*std::move(opened), nullptr};
    f->ingestor = std::make_unique<ingest::BatchIngestor>(
        f->store.get(), ingest::IngestOptions());
    return f;
  }();
  return *fixture;
}

// "lsoa_code", "outcomes.total": field names from PseudonymisedRecord down,
// the only thing a rejection may name (record_rules.h).
bool IsFieldPath(absl::string_view path) {
  const google::protobuf::Descriptor* type =
      v1::PseudonymisedRecord::descriptor();
  for (absl::string_view name : absl::StrSplit(path, '.')) {
    if (type == nullptr) return false;
    const google::protobuf::FieldDescriptor* field =
        type->FindFieldByName(std::string(name));
    if (field == nullptr) return false;
    type = field->message_type();
  }
  return true;
}

void Submit(const uint8_t* data, size_t size) {
  google::protobuf::Arena arena;
  auto* batch =
      google::protobuf::Arena::CreateMessage<v1::SubmissionBatch>(&arena);
  if (!batch->ParseFromArray(data, static_cast<int>(size))) return;

  v1::SubmissionBatch reference = *batch;
  reference.DiscardUnknownFields();
  ingest::DropUnknownFields(*batch);
  // Bytes, not MessageDifferencer: a NaN score never equals itself.
  EQ_CHECK(batch->SerializePartialAsString() ==
           reference.SerializePartialAsString());

  absl::StatusOr<v1::BatchAck> ack =
      GetFixture().ingestor->Ingest(kOrganisation, *batch);
  if (!ack.ok()) {
    fuzz::CheckNoEcho(ack.status().message(), *batch);
    return;
  }
  fuzz::CheckNoEcho(ack->reason(), *batch);
  for (const v1::RecordRejection& rejection : ack->rejections()) {
    EQ_CHECK(rejection.field().empty() || IsFieldPath(rejection.field()));
  }
  // A re-sent (submission, sequence) gets the acknowledgement stored the
  // first time, which describes the batch sent then.
  if (ack->outcome() == v1::BATCH_REJECTED || ack->already_stored()) return;
  const auto records = static_cast<uint32_t>(batch->records_size());
  for (const v1::RecordRejection& rejection : ack->rejections()) {
    EQ_CHECK(rejection.index() < records);
  }
  EQ_CHECK(ack->records_accepted() + ack->records_rejected() +
               ack->records_quarantined() + ack->records_opted_out() ==
           records);
  EQ_CHECK(ack->records_rejected() ==
           static_cast<uint32_t>(ack->rejections_size()));
}

void GetStatus(const uint8_t* data, size_t size) {
  v1::GetSubmissionStatusRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  if (!ingest::IsWellFormedId(request.submission_id())) return;
  Fixture& fixture = GetFixture();
  EQ_CHECK(
      fixture.store->DurableSequences(kOrganisation, request.submission_id())
          .ok());
  EQ_CHECK(
      fixture.store->RecordsInSubmission(kOrganisation, request.submission_id())
          .ok());
}

}  // namespace
}  // namespace equilink

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] % 2 == 0) {
    equilink::Submit(data + 1, size - 1);
  } else {
    equilink::GetStatus(data + 1, size - 1);
  }
  return 0;
}
