#include "server/linkage/record_features.h"

#include <bit>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/pseudo/bloom_spec.h"

namespace equilink::linkage {
namespace {

std::optional<EncodedField> ToEncodedField(v1::BloomField field) {
  switch (field) {
    case v1::BLOOM_FORENAME:
      return EncodedField::kForename;
    case v1::BLOOM_SURNAME:
      return EncodedField::kSurname;
    case v1::BLOOM_DATE_OF_BIRTH:
      return EncodedField::kDateOfBirth;
    case v1::BLOOM_ADDRESS:
      return EncodedField::kAddress;
    case v1::BLOOM_POSTCODE:
      return EncodedField::kPostcode;
    case v1::BLOOM_LOCALITY:
      return EncodedField::kLocality;
    case v1::BLOOM_RECORD_CLK:
      return EncodedField::kRecordClk;
    default:
      return std::nullopt;
  }
}

// Tokens are HMAC outputs: their leading bytes are already uniform.
uint64_t TokenPrefix(const std::string& token) {
  if (token.size() < sizeof(uint64_t)) return 0;
  uint64_t prefix;
  std::memcpy(&prefix, token.data(), sizeof(prefix));
  return prefix == 0 ? 1 : prefix;
}

// A fixed mix (not absl::Hash, whose seed may change between builds) so that
// frequencies and block keys are the same in every process.
uint64_t MixWords(const uint64_t* words, int count) {
  uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < count; ++i) {
    h ^= words[i] + 0x632be59bd9b4e019ULL + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
  }
  return h == 0 ? 1 : h;
}

int32_t ParseYearMonth(const std::string& text) {
  // YYYY-MM, already checked by the record rules.
  if (text.size() != 7 || text[4] != '-') return -1;
  int year = 0;
  for (int i = 0; i < 4; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    year = year * 10 + (text[i] - '0');
  }
  if (text[5] < '0' || text[5] > '9' || text[6] < '0' || text[6] > '9')
    return -1;
  const int month = (text[5] - '0') * 10 + (text[6] - '0');
  if (month < 1 || month > 12) return -1;
  return year * 12 + month - 1;
}

}  // namespace

const char* EncodedFieldName(EncodedField field) {
  switch (field) {
    case EncodedField::kForename:
      return "forename";
    case EncodedField::kSurname:
      return "surname";
    case EncodedField::kDateOfBirth:
      return "date_of_birth";
    case EncodedField::kAddress:
      return "address";
    case EncodedField::kPostcode:
      return "postcode";
    case EncodedField::kLocality:
      return "locality";
    case EncodedField::kRecordClk:
      return "record_clk";
  }
  return "unknown";
}

FeatureTable::FeatureTable() {
  lsoa_codes_.emplace_back();
  lsoa_ids_.emplace("", 0);
}

void FeatureTable::Reserve(size_t rows) {
  record_id_.reserve(rows);
  slot_chunks_.reserve((rows + kChunkRows - 1) / kChunkRows);
}

uint32_t FeatureTable::Intern(std::string_view text,
                              std::vector<std::string>* names,
                              absl::flat_hash_map<std::string, uint32_t>* ids) {
  auto it = ids->find(absl::string_view(text.data(), text.size()));
  if (it != ids->end()) return it->second;
  const uint32_t id = static_cast<uint32_t>(names->size());
  names->emplace_back(text);
  ids->emplace(std::string(text), id);
  return id;
}

absl::StatusOr<Row> FeatureTable::Add(const v1::PseudonymisedRecord& record,
                                      int64_t record_id,
                                      std::string_view source) {
  // Check every encoding before appending anything, so a refused record
  // leaves the columns aligned.
  std::array<const std::string*, kEncodedFieldCount> encodings{};
  for (const v1::BloomEncoding& encoding : record.bloom()) {
    const std::optional<EncodedField> field = ToEncodedField(encoding.field());
    if (!field.has_value()) continue;  // a field this engine does not compare
    const int f = static_cast<int>(*field);
    if (encoding.bits().size() > kEncodedFieldWords[f] * sizeof(uint64_t)) {
      return absl::InvalidArgumentError(
          absl::StrCat("bloom encoding ", EncodedFieldName(*field), " has ",
                       encoding.bits().size() * 8, " bits; the engine holds ",
                       kEncodedFieldWords[f] * 64));
    }
    encodings[f] = &encoding.bits();
  }

  const Row row = static_cast<Row>(record_id_.size());
  if ((row & (kChunkRows - 1)) == 0) slot_chunks_.emplace_back(kChunkRows);
  RowSlot& slot = slot_chunks_.back()[row & (kChunkRows - 1)];
  slot = RowSlot{};
  RowScalars& scalars = slot.scalars;
  scalars.source = Intern(source, &source_names_, &source_ids_);
  const bool has_national_id =
      record.nhs_number_status() == v1::NHS_NUMBER_VALID ||
      record.nhs_number_status() == v1::NATIONAL_ID_UNCHECKED;
  if (has_national_id) {
    scalars.nhs_token = TokenPrefix(record.nhs_number_token());
  }
  scalars.nhs_checked = record.nhs_number_status() == v1::NHS_NUMBER_VALID;
  for (const v1::MatchKeyToken& key : record.match_keys()) {
    const int kind = key.kind();
    if (kind >= 1 && kind <= kMatchKeyKinds) {
      scalars.match_key[kind - 1] = TokenPrefix(key.token());
    }
  }
  for (int f = 0; f < kEncodedFieldCount; ++f) {
    const size_t words = kEncodedFieldWords[f];
    const bool clk = f == static_cast<int>(EncodedField::kRecordClk);
    if (clk && encodings[f] == nullptr) continue;
    if (clk) clk_bits_.resize(clk_bits_.size() + kClkWords, 0);
    uint64_t* destination =
        clk ? clk_bits_.data() + clk_bits_.size() - kClkWords
            : slot.words + kSlotWordOffset[f];
    uint16_t count = 0;
    uint64_t hash = 0;
    if (encodings[f] != nullptr) {
      std::memcpy(destination, encodings[f]->data(), encodings[f]->size());
      for (size_t w = 0; w < words; ++w) count += std::popcount(destination[w]);
      if (count != 0) hash = MixWords(destination, static_cast<int>(words));
    }
    scalars.popcount[f] = count;
    scalars.encoding_hash[f] = hash;
    if (clk && count == 0) {
      clk_bits_.resize(clk_bits_.size() - kClkWords);  // an empty CLK
    } else if (clk) {
      scalars.clk_ordinal = static_cast<uint32_t>(clk_popcount_.size());
      clk_popcount_.push_back(count);
    }
  }
  scalars.birth_year_month = ParseYearMonth(record.birth_year_month());
  const std::string& sex = record.sex_code();
  scalars.sex = sex == "1" || sex == "2" || sex == "9" ? sex[0] : 0;
  scalars.lsoa = record.lsoa_code().empty()
                     ? 0
                     : Intern(record.lsoa_code(), &lsoa_codes_, &lsoa_ids_);
  record_id_.push_back(record_id);
  return row;
}

}  // namespace equilink::linkage
