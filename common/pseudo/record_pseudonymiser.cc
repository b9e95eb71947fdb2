#include "common/pseudo/record_pseudonymiser.h"

#include <array>
#include <utility>
#include <vector>

#include "absl/memory/memory.h"
#include "common/crypto/hmac_sha256.h"
#include "common/pseudo/bloom_encoder.h"
#include "common/pseudo/bloom_spec.h"
#include "common/pseudo/keyed_token.h"
#include "common/pseudo/normalised_identifiers.h"
#include "common/pseudo/subkeys.h"
#include "common/status/status_macros.h"

namespace equilink {
namespace {

constexpr v1::MatchKeyKind kMatchKeyKinds[] = {
    v1::MATCH_KEY_SURNAME_FORENAME_DOB_SEX,
    v1::MATCH_KEY_SURNAME_INITIAL_DOB_POSTCODE,
    v1::MATCH_KEY_FORENAME_DOB_POSTCODE,
    v1::MATCH_KEY_SORTED_NAMES_DOB,
};
constexpr size_t kNumMatchKeys = std::size(kMatchKeyKinds);
constexpr size_t kNumBloomFields = std::size(kBloomFieldSpecs);
constexpr size_t kMaxBloomBytes = 65536 / 8;

absl::StatusOr<std::unique_ptr<HmacSha256>> MacFor(const LinkageKey& key,
                                                   absl::string_view purpose) {
  EQ_ASSIGN_OR_RETURN(SecretBytes subkey, DeriveSubkey(key.secret(), purpose));
  return HmacSha256::Create(subkey);
}

// The fields of one match key, or an empty list when any input is absent
// (docs/PSEUDONYMISATION.md, "Match keys").
struct MatchKeyFields {
  std::array<absl::string_view, 4> fields;
  size_t count = 0;
};

MatchKeyFields FieldsFor(v1::MatchKeyKind kind,
                         const NormalisedIdentifiers& n) {
  MatchKeyFields m;
  const absl::string_view initial = absl::string_view(n.forename).substr(0, 1);
  switch (kind) {
    case v1::MATCH_KEY_SURNAME_FORENAME_DOB_SEX:
      m.fields = {n.surname, n.forename, n.date_of_birth, n.sex};
      m.count = 4;
      break;
    case v1::MATCH_KEY_SURNAME_INITIAL_DOB_POSTCODE:
      m.fields = {n.surname, initial, n.date_of_birth, n.postcode};
      m.count = 4;
      break;
    case v1::MATCH_KEY_FORENAME_DOB_POSTCODE:
      m.fields = {n.forename, n.date_of_birth, n.postcode};
      m.count = 3;
      break;
    case v1::MATCH_KEY_SORTED_NAMES_DOB: {
      absl::string_view a = n.forename;
      absl::string_view b = n.surname;
      if (b < a) std::swap(a, b);
      m.fields = {a, b, n.date_of_birth};
      m.count = 3;
      break;
    }
    default:
      break;
  }
  // A key is emitted only when every input is present.
  for (size_t i = 0; i < m.count; ++i) {
    if (m.fields[i].empty()) {
      m.count = 0;
      break;
    }
  }
  return m;
}

// Per-thread working memory of Pseudonymise, reused from record to record so
// that normalising and collecting bigrams allocate nothing in the steady
// state. Pseudonymise is const and called from several pipeline threads at
// once, hence one per thread. Cleansed after every record.
struct Scratch {
  NormalisedIdentifiers normalised;
  std::vector<Bigram> bigrams;

  void Cleanse() {
    normalised.Cleanse();
    std::fill(bigrams.begin(), bigrams.end(), Bigram{0});
    bigrams.clear();
  }
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

}  // namespace

struct RecordPseudonymiser::Keys {
  std::unique_ptr<HmacSha256> record;
  std::unique_ptr<HmacSha256> client;
  std::unique_ptr<HmacSha256> nhs;
  std::array<std::unique_ptr<HmacSha256>, kNumMatchKeys> match;
  std::array<std::unique_ptr<HmacSha256>, kNumBloomFields> bloom;
};

absl::StatusOr<std::unique_ptr<RecordPseudonymiser>>
RecordPseudonymiser::Create(const LinkageKey& key) {
  auto keys = std::make_unique<Keys>();
  EQ_ASSIGN_OR_RETURN(keys->record, MacFor(key, kPurposeRecordPseudonym));
  EQ_ASSIGN_OR_RETURN(keys->client, MacFor(key, kPurposeClientPseudonym));
  EQ_ASSIGN_OR_RETURN(keys->nhs, MacFor(key, kPurposeNhsNumber));
  for (size_t i = 0; i < kNumMatchKeys; ++i) {
    EQ_ASSIGN_OR_RETURN(keys->match[i],
                        MacFor(key, MatchKeyPurpose(kMatchKeyKinds[i])));
  }
  for (size_t i = 0; i < kNumBloomFields; ++i) {
    EQ_ASSIGN_OR_RETURN(keys->bloom[i],
                        MacFor(key, BloomPurpose(kBloomFieldSpecs[i].field)));
  }
  return absl::WrapUnique(
      new RecordPseudonymiser(key.key_id(), std::move(keys)));
}

RecordPseudonymiser::RecordPseudonymiser(std::string key_id,
                                         std::unique_ptr<const Keys> keys)
    : key_id_(std::move(key_id)), keys_(std::move(keys)) {}

RecordPseudonymiser::~RecordPseudonymiser() = default;

absl::Status RecordPseudonymiser::Pseudonymise(
    const PersonIdentifiers& ids, v1::PseudonymisedRecord* out) const {
  Scratch& scratch = ThreadScratch();
  NormalisedIdentifiers& n = scratch.normalised;
  NormaliseIdentifiersInto(ids, &n);
  // Messages name the field only: the values are identifiers.
  if (n.local_record_id.empty()) {
    scratch.Cleanse();
    return absl::InvalidArgumentError("local_record_id is empty");
  }
  if (n.organisation_code.empty()) {
    scratch.Cleanse();
    return absl::InvalidArgumentError("organisation_code is empty");
  }

  uint8_t token[kTokenBytes];
  ComputeKeyedToken(*keys_->record, {n.organisation_code, n.local_record_id},
                    token);
  out->set_record_pseudonym(token, kTokenBytes);

  if (n.local_client_id.empty()) {
    out->clear_client_pseudonym();
  } else {
    ComputeKeyedToken(*keys_->client, {n.organisation_code, n.local_client_id},
                      token);
    out->set_client_pseudonym(token, kTokenBytes);
  }

  out->clear_nhs_number_token();
  switch (n.nhs_number.check) {
    case NhsNumberCheck::kValid:
      out->set_nhs_number_status(v1::NHS_NUMBER_VALID);
      ComputeKeyedToken(*keys_->nhs, {n.nhs_number.digits}, token);
      out->set_nhs_number_token(token, kTokenBytes);
      break;
    case NhsNumberCheck::kUnchecked:
      // Same subkey as a valid NHS number: the status, not the key, tells the
      // gateway that a typo was not caught.
      out->set_nhs_number_status(v1::NATIONAL_ID_UNCHECKED);
      ComputeKeyedToken(*keys_->nhs, {n.nhs_number.digits}, token);
      out->set_nhs_number_token(token, kTokenBytes);
      break;
    case NhsNumberCheck::kAbsent:
      out->set_nhs_number_status(v1::NHS_NUMBER_ABSENT);
      break;
    case NhsNumberCheck::kInvalidFormat:
      out->set_nhs_number_status(v1::NHS_NUMBER_INVALID_FORMAT);
      break;
    case NhsNumberCheck::kInvalidChecksum:
      out->set_nhs_number_status(v1::NHS_NUMBER_INVALID_CHECKSUM);
      break;
  }

  out->clear_match_keys();
  out->mutable_match_keys()->Reserve(static_cast<int>(kNumMatchKeys));
  for (size_t i = 0; i < kNumMatchKeys; ++i) {
    const MatchKeyFields m = FieldsFor(kMatchKeyKinds[i], n);
    if (m.count == 0) continue;
    ComputeKeyedToken(*keys_->match[i],
                      absl::MakeConstSpan(m.fields.data(), m.count), token);
    v1::MatchKeyToken* key = out->add_match_keys();
    key->set_kind(kMatchKeyKinds[i]);
    key->set_token(token, kTokenBytes);
  }

  out->clear_bloom();
  out->mutable_bloom()->Reserve(static_cast<int>(kNumBloomFields));
  std::vector<Bigram>& bigrams = scratch.bigrams;
  uint8_t bits[kMaxBloomBytes];
  for (size_t i = 0; i < kNumBloomFields; ++i) {
    const BloomFieldSpec& spec = kBloomFieldSpecs[i];
    CollectBloomBigrams(n, spec.field, &bigrams);
    if (bigrams.empty()) continue;
    const size_t bytes = spec.bit_length / 8;
    std::fill(bits, bits + bytes, 0);
    SetBloomBits(*keys_->bloom[i], spec, bigrams, absl::MakeSpan(bits, bytes));
    v1::BloomEncoding* encoding = out->add_bloom();
    encoding->set_field(spec.field);
    encoding->set_bits(bits, bytes);
  }
  scratch.Cleanse();
  return absl::OkStatus();
}

int RecordPseudonymiser::CountHmacEvaluations(
    const PersonIdentifiers& ids) const {
  NormalisedIdentifiers n = NormaliseIdentifiers(ids);
  if (n.local_record_id.empty() || n.organisation_code.empty()) {
    n.Cleanse();
    return 0;
  }
  int count = 1;  // record pseudonym
  if (!n.local_client_id.empty()) ++count;
  if (n.nhs_number.check == NhsNumberCheck::kValid ||
      n.nhs_number.check == NhsNumberCheck::kUnchecked) {
    ++count;
  }
  for (v1::MatchKeyKind kind : kMatchKeyKinds) {
    if (FieldsFor(kind, n).count > 0) ++count;
  }
  std::vector<Bigram> bigrams;
  for (const BloomFieldSpec& spec : kBloomFieldSpecs) {
    CollectBloomBigrams(n, spec.field, &bigrams);
    count += static_cast<int>(bigrams.size());
  }
  n.Cleanse();
  return count;
}

}  // namespace equilink
