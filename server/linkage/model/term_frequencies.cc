#include "server/linkage/model/term_frequencies.h"

#include <cmath>

namespace equilink::linkage {

int TermFrequencies::Slot(EncodedField field) {
  switch (field) {
    case EncodedField::kForename:
      return 0;
    case EncodedField::kSurname:
      return 1;
    case EncodedField::kPostcode:
      return 2;
    default:
      return -1;
  }
}

bool TermFrequencies::Counts(EncodedField field) { return Slot(field) >= 0; }

TermFrequencies TermFrequencies::Build(const FeatureTable& table) {
  TermFrequencies frequencies;
  for (Row row = 0; row < table.size(); ++row) frequencies.Add(table, row);
  return frequencies;
}

void TermFrequencies::Add(const FeatureTable& table, Row row) {
  for (EncodedField field : {EncodedField::kForename, EncodedField::kSurname,
                             EncodedField::kPostcode}) {
    const uint64_t hash = table.encoding_hash(field, row);
    if (hash == 0) continue;
    FieldCounts& counts = fields_[Slot(field)];
    uint64_t& count = counts.counts[hash];
    // (c + 1)^2 - c^2: the sum of squares stays exact without a rescan.
    counts.sum_squared_counts += 2.0 * static_cast<double>(count) + 1;
    ++count;
    ++counts.total;
  }
}

double TermFrequencies::Adjustment(EncodedField field,
                                   uint64_t encoding_hash) const {
  const int slot = Slot(field);
  if (slot < 0) return 0;
  const FieldCounts& counts = fields_[slot];
  const auto it = counts.counts.find(encoding_hash);
  if (it == counts.counts.end()) return 0;
  // sum_w f_w^2 / f_v = (S / N^2) / (c / N) = S / (N c).
  return std::log2(
      counts.sum_squared_counts /
      (static_cast<double>(counts.total) * static_cast<double>(it->second)));
}

uint64_t TermFrequencies::count(EncodedField field,
                                uint64_t encoding_hash) const {
  const int slot = Slot(field);
  if (slot < 0) return 0;
  const auto it = fields_[slot].counts.find(encoding_hash);
  return it == fields_[slot].counts.end() ? 0 : it->second;
}

uint64_t TermFrequencies::total(EncodedField field) const {
  const int slot = Slot(field);
  return slot < 0 ? 0 : fields_[slot].total;
}

}  // namespace equilink::linkage
