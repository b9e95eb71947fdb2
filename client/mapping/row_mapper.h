#ifndef EQUILINK_CLIENT_MAPPING_ROW_MAPPER_H_
#define EQUILINK_CLIENT_MAPPING_ROW_MAPPER_H_

// Maps the rows of one export onto identifiers plus the non-identity part of
// the canonical record, as a MappingProfile says, and finds every issue of
// every row. Everything that can be worked out once (column indexes, compiled
// date formats, value maps) is worked out in Create, so Map costs about a
// microsecond per row.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "client/csv/csv_reader.h"
#include "client/geo/postcode_lookup.h"
#include "client/mapping/date_format.h"
#include "client/mapping/mapped_row.h"
#include "client/mapping/value_mapper.h"
#include "common/validate/record_rules.h"
#include "equilink/v1/mapping.pb.h"

namespace equilink::client {

// Immutable after Create: Map is const and thread-safe.
class RowMapper {
 public:
  // Validates `profile` and checks `header` (the file's row 1) against it.
  // InvalidArgument naming the rule: a profile rule (see
  // ValidateMappingProfile), MISSING_COLUMN (a mapped column is not in the
  // header, named), DUPLICATE_HEADER (a mapped column appears twice), or
  // UNMAPPED_COLUMN (reject_unmapped_columns is set and the header has a
  // column the profile does not name; given by position, not text).
  // `postcodes` may be null (then no LSOA is derived); when set it must
  // outlive the mapper. Dates after `today` are DATE_IN_FUTURE; the overload
  // without it uses the local date now.
  static absl::StatusOr<std::unique_ptr<RowMapper>> Create(
      const v1::MappingProfile& profile, const CsvRow& header,
      const PostcodeLookup* postcodes, absl::CivilDay today);
  static absl::StatusOr<std::unique_ptr<RowMapper>> Create(
      const v1::MappingProfile& profile, const CsvRow& header,
      const PostcodeLookup* postcodes);

  // Maps `row` into *out, replacing what it held (pass the same MappedRow
  // again to reuse its memory). Never fails: problems become out->issues, and
  // out->rejected is set when any of them is a reject. Issues hold the column
  // name and rule, never a value.
  void Map(const CsvRow& row, MappedRow* out) const;

  size_t header_size() const { return header_size_; }

 private:
  struct ColumnPlan {
    int index = -1;
    v1::CanonicalField field = v1::CANONICAL_FIELD_UNSPECIFIED;
    bool required = false;
    bool invalid_as_missing = false;  // FIELD_DATE_OF_BIRTH
    std::string column;
    // FIELD_OUTCOME_SCORE
    std::string instrument;
    std::string timepoint;
    ScoreRange range;
    int date_index = -1;
    std::string date_column;
    // FIELD_NEED_FLAG
    std::string need_code;
  };
  // Dates and counts kept while a row is mapped, for the cross-field rules.
  struct RowFacts {
    std::optional<absl::CivilDay> dob, referral, discharge;
    const ColumnPlan* dob_plan = nullptr;
    const ColumnPlan* discharge_plan = nullptr;
    const ColumnPlan* attended_plan = nullptr;
  };

  RowMapper() = default;
  absl::Status PlanColumns(const v1::MappingProfile& profile,
                           const std::vector<std::string>& header);
  absl::Status BuildValueMaps(const v1::MappingProfile& profile);

  void MapColumn(const ColumnPlan& plan, absl::string_view value,
                 const CsvRow& row, MappedRow* out, RowFacts* facts) const;
  void MapIdentity(const ColumnPlan& plan, absl::string_view value,
                   MappedRow* out) const;
  void MapPostcode(const ColumnPlan& plan, absl::string_view value,
                   MappedRow* out) const;
  void MapCode(const ColumnPlan& plan, absl::string_view value,
               MappedRow* out) const;
  void MapOutcome(const ColumnPlan& plan, absl::string_view value,
                  const CsvRow& row, MappedRow* out) const;
  void MapNeed(const ColumnPlan& plan, absl::string_view value,
               MappedRow* out) const;
  // Parses a date of `column`; DATE_FORMAT or DATE_IN_FUTURE on failure, of
  // severity `failure`.
  std::optional<absl::CivilDay> MapDate(
      absl::string_view column, absl::string_view value, MappedRow* out,
      Severity failure = Severity::kReject) const;
  std::optional<uint32_t> MapCount(const ColumnPlan& plan,
                                   absl::string_view value,
                                   MappedRow* out) const;
  void ApplyCrossFieldRules(const RowFacts& facts, MappedRow* out) const;

  std::vector<ColumnPlan> plans_;
  size_t header_size_ = 0;
  std::vector<const std::string*> used_column_names_;  // by index; null unused
  std::vector<DateFormat> date_formats_;
  std::optional<ValueMapper> sex_, ethnicity_, service_type_, referral_source_;
  absl::flat_hash_set<std::string> yes_values_;  // lower case
  std::string organisation_code_;
  PostcodeScheme postcode_scheme_ = PostcodeScheme::kUk;
  NationalIdScheme national_id_scheme_ = NationalIdScheme::kNhsNumber;
  const PostcodeLookup* postcodes_ = nullptr;
  absl::CivilDay today_;
};

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_MAPPING_ROW_MAPPER_H_
