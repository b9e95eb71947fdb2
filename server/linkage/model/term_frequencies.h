#ifndef EQUILINK_SERVER_LINKAGE_MODEL_TERM_FREQUENCIES_H_
#define EQUILINK_SERVER_LINKAGE_MODEL_TERM_FREQUENCIES_H_

// How often each exact value (encoding) of a name or postcode occurs among the
// records, for term-frequency adjustment: agreeing on "Smith" is weaker
// evidence than agreeing on "Wojciechowska". Values are known only by their
// encoding_hash, so nothing here identifies anyone beyond what the encodings
// already show.

#include <array>
#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "server/linkage/record_features.h"

namespace equilink::linkage {

class TermFrequencies {
 public:
  // Counts every row of `table`.
  static TermFrequencies Build(const FeatureTable& table);

  // Counts one more row (each row once: the engine calls it as rows arrive).
  void Add(const FeatureTable& table, Row row);

  // True for the fields whose values are counted: forename, surname,
  // postcode.
  static bool Counts(EncodedField field);

  // The term-frequency adjustment, in bits, for two records that agree
  // exactly on `field` with value `encoding_hash`:
  //   log2( sum_w f_w^2 / f_v )
  // where f_v is the value's relative frequency. Given exact agreement, a
  // match holds value v with probability f_v and a non-match with
  // f_v^2 / sum_w f_w^2, so this is the likelihood ratio that the value adds to
  // the exact level's log2(m/u). Unlike Splink's log2(u / f_v) it does not use
  // u, so it stays right when u was estimated among blocked candidates. 0 when
  // the value was never counted or the field is not counted; 0 on average
  // for a uniform distribution.
  double Adjustment(EncodedField field, uint64_t encoding_hash) const;

  uint64_t count(EncodedField field, uint64_t encoding_hash) const;
  uint64_t total(EncodedField field) const;

 private:
  struct FieldCounts {
    absl::flat_hash_map<uint64_t, uint64_t> counts;
    uint64_t total = 0;
    double sum_squared_counts = 0;  // sum over values of count^2
  };
  static int Slot(EncodedField field);  // -1 when not counted
  static constexpr int kCountedFields = 3;
  std::array<FieldCounts, kCountedFields> fields_;
};

}  // namespace equilink::linkage

#endif  // EQUILINK_SERVER_LINKAGE_MODEL_TERM_FREQUENCIES_H_
