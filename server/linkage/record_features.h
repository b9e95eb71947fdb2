#ifndef EQUILINK_SERVER_LINKAGE_RECORD_FEATURES_H_
#define EQUILINK_SERVER_LINKAGE_RECORD_FEATURES_H_

// The linkage engine's view of pseudonymised records: what comparison needs,
// one fixed-size slot per row in one contiguous array, so that scoring a
// candidate pair reads seven adjacent cache lines of the candidate. Built
// from equilink.v1.PseudonymisedRecord; holds no identifier (only token
// prefixes, encodings and generalised fields).
//
// Row-major, not a column per feature: candidates are drawn from anywhere in
// a table of a million rows, so each column touched was a cache miss and a
// TLB miss of its own (eight per candidate, each in a different 64 MB
// array); a row's slot is seven lines in one or two pages, which the
// prefetcher fetches together (docs/BENCHMARKS.md, "Row-major features").
// Record CLKs are the exception: they are swept as a whole column.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "equilink/v1/record.pb.h"
#include "server/linkage/huge_page_array.h"

namespace equilink::linkage {

// The Bloom-encoded fields the engine compares. Each has a fixed number of
// 64-bit words per row; a shorter encoding is zero-padded, which does not
// change its popcount or any Dice coefficient.
enum class EncodedField : uint8_t {
  kForename = 0,
  kSurname,
  kDateOfBirth,
  kAddress,
  kPostcode,
  kLocality,
  kRecordClk,
};
inline constexpr int kEncodedFieldCount = 7;
inline constexpr std::array<int, kEncodedFieldCount> kEncodedFieldWords = {
    8, 8, 4, 8, 4, 8, 16};
const char* EncodedFieldName(EncodedField field);

inline constexpr int kMatchKeyKinds = 4;  // MatchKeyKind 1..4

using Row = uint32_t;

class FeatureTable {
 public:
  FeatureTable();

  // Appends `record` (already validated by the gateway's record rules) and
  // returns its row. `source` names where it came from (the organisation
  // code, or a file name in a benchmark); sources are interned. Fails with
  // InvalidArgument, naming the field, when an encoding is longer than the
  // engine's arrays hold.
  absl::StatusOr<Row> Add(const v1::PseudonymisedRecord& record,
                          int64_t record_id, std::string_view source);

  size_t size() const { return record_id_.size(); }
  void Reserve(size_t rows);

  int64_t record_id(Row row) const { return record_id_[row]; }
  uint32_t source(Row row) const { return Slot(row).scalars.source; }
  size_t source_count() const { return source_names_.size(); }
  // The interned id of a source name, if a row from it was added.
  std::optional<uint32_t> source_id(std::string_view name) const {
    const auto it = source_ids_.find(std::string(name));
    if (it == source_ids_.end()) return std::nullopt;
    return it->second;
  }
  const std::string& source_name(uint32_t source) const {
    return source_names_[source];
  }

  // Tokens are uniformly random HMAC outputs, so their first 8 bytes identify
  // them: two different tokens among a billion records share a prefix with
  // probability below 3e-2 / 2^10. 0 means absent (a prefix of 0 is stored
  // as 1).
  uint64_t nhs_token(Row row) const { return Slot(row).scalars.nhs_token; }
  // True when the token is of a Modulus 11-checked NHS number: two checked
  // numbers that differ are two different people (a single-digit typo or a
  // transposition never passes the check).
  bool nhs_checked(Row row) const { return Slot(row).scalars.nhs_checked != 0; }
  // kind is 1..4 (v1::MatchKeyKind); 0 means absent.
  uint64_t match_key(Row row, int kind) const {
    return Slot(row).scalars.match_key[kind - 1];
  }

  bool has(EncodedField field, Row row) const {
    return popcount(field, row) != 0;
  }
  uint16_t popcount(EncodedField field, Row row) const {
    return Slot(row).scalars.popcount[static_cast<int>(field)];
  }
  const uint64_t* bits(EncodedField field, Row row) const {
    if (field == EncodedField::kRecordClk) {
      const uint32_t ordinal = Slot(row).scalars.clk_ordinal;
      return ordinal == kNoClk
                 ? kNoClkBits.data()
                 : clk_bits_.data() + static_cast<size_t>(ordinal) * kClkWords;
    }
    return Slot(row).words + kSlotWordOffset[static_cast<int>(field)];
  }
  // The record CLKs, held only for the rows that have one (most tables have
  // none): the n-th row with a CLK has ordinal n. The column is row-major
  // (kClkWords words per ordinal), with popcounts by ordinal: what the CLK
  // sweep streams.
  const uint64_t* clk_column() const { return clk_bits_.data(); }
  const uint16_t* clk_popcounts() const { return clk_popcount_.data(); }
  // A 64-bit hash of the encoding's bytes: equal encodings mean equal
  // normalised values under one key, which is what term-frequency
  // adjustment counts. 0 when absent.
  uint64_t encoding_hash(EncodedField field, Row row) const {
    return Slot(row).scalars.encoding_hash[static_cast<int>(field)];
  }

  // Starts fetching what scoring a pair reads of `row`: a candidate drawn
  // from anywhere in a large table costs a cache miss in each line, so a
  // caller walking a candidate list asks for a few rows ahead and the
  // misses overlap instead of queueing.
  void Prefetch(Row row) const {
    const RowSlot& slot = Slot(row);
    const char* lines = reinterpret_cast<const char*>(&slot);
    for (size_t line = 0; line < sizeof(RowSlot); line += 64) {
      __builtin_prefetch(lines + line);
    }
    if (!clk_bits_.empty()) {
      // Only a table with CLKs pays for reading the row's ordinal now.
      const char* clk =
          reinterpret_cast<const char*>(bits(EncodedField::kRecordClk, row));
      __builtin_prefetch(clk);
      __builtin_prefetch(clk + 64);
    }
  }

  // Months since year 0 (year * 12 + month - 1), or -1 when absent.
  int32_t birth_year_month(Row row) const {
    return Slot(row).scalars.birth_year_month;
  }
  // '1', '2' or '9'; 0 when absent or 'X'.
  char sex(Row row) const { return Slot(row).scalars.sex; }
  // Interned LSOA code; 0 when absent.
  uint32_t lsoa(Row row) const { return Slot(row).scalars.lsoa; }
  const std::string& lsoa_code(uint32_t lsoa) const {
    return lsoa_codes_[lsoa];
  }

 private:
  uint32_t Intern(std::string_view text, std::vector<std::string>* names,
                  absl::flat_hash_map<std::string, uint32_t>* ids);

  // Where each field's words start in a slot. The 8-word encodings come
  // first so that each sits in one cache line; the two 4-word ones share
  // the last.
  static constexpr std::array<int, kEncodedFieldCount> kSlotWordOffset = {
      0, 8, 32, 16, 36, 24, -1};
  static constexpr int kSlotWords = 40;
  static constexpr int kClkWords =
      kEncodedFieldWords[static_cast<int>(EncodedField::kRecordClk)];

  static constexpr uint32_t kNoClk = 0xffffffffu;
  static constexpr std::array<uint64_t, kClkWords> kNoClkBits{};

  struct RowScalars {
    uint64_t nhs_token = 0;
    std::array<uint64_t, kMatchKeyKinds> match_key{};
    std::array<uint64_t, kEncodedFieldCount> encoding_hash{};
    std::array<uint16_t, kEncodedFieldCount> popcount{};
    uint8_t nhs_checked = 0;
    char sex = 0;
    int32_t birth_year_month = -1;
    uint32_t source = 0;
    uint32_t lsoa = 0;
    uint32_t clk_ordinal = kNoClk;
  };
  // Everything scoring a pair reads of a row: the scalars, then the
  // encodings (all but the record CLK), in seven cache lines.
  struct alignas(64) RowSlot {
    RowScalars scalars;
    uint64_t words[kSlotWords]{};
  };
  static_assert(sizeof(RowScalars) == 128);
  static_assert(offsetof(RowSlot, words) == 128);
  static_assert(sizeof(RowSlot) == 448);

  // Slots live in chunks that never move: a vector of a million slots
  // doubled to 900 MB and copied the lot when it grew (0.4 s, in the middle
  // of a linkage batch). 2^15 slots are exactly seven 2 MiB pages.
  static constexpr int kChunkShift = 15;
  static constexpr size_t kChunkRows = size_t{1} << kChunkShift;
  const RowSlot& Slot(Row row) const {
    return slot_chunks_[row >> kChunkShift][row & (kChunkRows - 1)];
  }

  std::vector<int64_t> record_id_;
  std::vector<HugePageArray<RowSlot>> slot_chunks_;
  std::vector<uint64_t> clk_bits_;      // by CLK ordinal
  std::vector<uint16_t> clk_popcount_;  // by CLK ordinal

  std::vector<std::string> source_names_;
  absl::flat_hash_map<std::string, uint32_t> source_ids_;
  std::vector<std::string> lsoa_codes_;  // [0] is "" (absent)
  absl::flat_hash_map<std::string, uint32_t> lsoa_ids_;
};

}  // namespace equilink::linkage

#endif  // EQUILINK_SERVER_LINKAGE_RECORD_FEATURES_H_
