#ifndef EQUILINK_SERVER_GOVERNANCE_IMD_LOCAL_AUTHORITY_LOOKUP_H_
#define EQUILINK_SERVER_GOVERNANCE_IMD_LOCAL_AUTHORITY_LOOKUP_H_

// LocalAuthorityLookup (submission_policy.h) from the English Indices of
// Deprivation 2019 File 1 CSV the gateway ships
// (deploy/data/imd2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz):
// LSOA 2011 code -> local authority district 2019 code, for rule S9.
//
// Loaded whole at start (~33,000 rows, about 2 MB in memory) so each record's
// check is one hash lookup; the file is read through zlib, which passes an
// uncompressed file through unchanged.

#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/governance/submission_policy.h"

namespace equilink::governance {

class ImdLocalAuthorityLookup final : public LocalAuthorityLookup {
 public:
  // Reads `path` (gzip or plain CSV). The first line is the header (a UTF-8
  // byte order mark is allowed); every other non-empty line needs an LSOA
  // code in column 1 and a local authority district code in column 3, both
  // nine characters of a letter and eight digits. InvalidArgument naming the
  // file and the 1-based line for a malformed line or a duplicate LSOA;
  // NotFound when the file cannot be opened; InvalidArgument for a file with
  // no rows.
  static absl::StatusOr<std::unique_ptr<ImdLocalAuthorityLookup>> Load(
      const std::string& path);

  std::optional<std::string> LocalAuthorityOf(
      absl::string_view lsoa_code) const override;

  size_t size() const { return local_authority_of_lsoa_.size(); }

 private:
  explicit ImdLocalAuthorityLookup(
      absl::flat_hash_map<std::string, std::string> map)
      : local_authority_of_lsoa_(std::move(map)) {}

  // Immutable after Load, so concurrent reads need no lock.
  const absl::flat_hash_map<std::string, std::string> local_authority_of_lsoa_;
};

}  // namespace equilink::governance

#endif  // EQUILINK_SERVER_GOVERNANCE_IMD_LOCAL_AUTHORITY_LOOKUP_H_
