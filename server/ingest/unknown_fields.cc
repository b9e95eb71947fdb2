#include "server/ingest/unknown_fields.h"

#include "google/protobuf/message.h"
#include "google/protobuf/unknown_field_set.h"

namespace equilink::ingest {
namespace {

// Proto3 generated classes have no unknown_fields() accessor. Reading and
// clearing the unknown-field set through Reflection touches only the
// message's metadata, not its fields; the Reflection is looked up once per
// type (per message it cost as much again as the check). Reading first
// avoids allocating a set for the usual message that has none.
template <typename M>
class Dropper {
 public:
  Dropper() : reflection_(M::GetReflection()) {}
  void operator()(M& message) const {
    if (!reflection_->GetUnknownFields(message).empty()) {
      reflection_->MutableUnknownFields(&message)->Clear();
    }
  }

 private:
  const google::protobuf::Reflection* const reflection_;
};

}  // namespace

void DropUnknownFields(v1::SubmissionBatch& batch) {
  const Dropper<v1::SubmissionBatch> drop_batch;
  const Dropper<v1::PseudonymisedRecord> drop_record;
  const Dropper<v1::MatchKeyToken> drop_key;
  const Dropper<v1::BloomEncoding> drop_bloom;
  const Dropper<v1::OutcomeScore> drop_score;
  drop_batch(batch);
  for (v1::PseudonymisedRecord& record : *batch.mutable_records()) {
    drop_record(record);
    for (v1::MatchKeyToken& key : *record.mutable_match_keys()) drop_key(key);
    for (v1::BloomEncoding& bloom : *record.mutable_bloom()) drop_bloom(bloom);
    for (v1::OutcomeScore& score : *record.mutable_outcomes()) {
      drop_score(score);
    }
  }
}

}  // namespace equilink::ingest
