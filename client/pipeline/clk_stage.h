#ifndef EQUILINK_CLIENT_PIPELINE_CLK_STAGE_H_
#define EQUILINK_CLIENT_PIPELINE_CLK_STAGE_H_

// The optional record-CLK stage of the pipeline: a mapping profile's
// ClkProfile names a clkhash linkage schema and, for each of its features,
// the export column whose raw text the feature reads. The CLK is made from
// the CSV fields as read (clkhash applies its own formatting rules), not from
// the mapper's normalised identifiers, so the bits match what clkhash makes
// of the same export.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/csv/csv_reader.h"
#include "client/mapping/mapped_row.h"
#include "common/crypto/secret_bytes.h"
#include "common/pseudo/clk/clk_encoder.h"
#include "equilink/v1/mapping.pb.h"
#include "equilink/v1/record.pb.h"

namespace equilink::client {

namespace rules {
// A value the clkhash schema's format refuses (as clkhash's validation
// would); the row is rejected.
inline constexpr absl::string_view kClkFormat = "CLK_FORMAT";
}  // namespace rules

// Loads the schema at profile.schema_path and derives the encoder's keys from
// the secret. Errors name the schema file and the rule, never the secret.
absl::StatusOr<std::unique_ptr<clk::ClkEncoder>> LoadClkEncoder(
    const v1::ClkProfile& profile, const SecretBytes& secret);

// The CLK secret from a file: refused unless mode 0600 or stricter (as the
// linkage key). The secret is the file's bytes less trailing CR/LF, so a file
// written with `echo` gives the same CLKs as clkhash given the same text.
absl::StatusOr<SecretBytes> ReadClkSecretFile(const std::string& path);

// Adds `bits` to *record as its BLOOM_RECORD_CLK, replacing one already there.
void SetRecordClk(std::string bits, v1::PseudonymisedRecord* record);

// Which column of the export each schema feature reads. Immutable; Encode is
// thread-safe.
class ClkColumns {
 public:
  // InvalidArgument when a non-ignored feature has no source, a source names
  // a feature the schema does not have or names one twice, or a source's
  // column is not in `header` (matched exactly after trimming spaces).
  static absl::StatusOr<ClkColumns> Create(
      const v1::ClkProfile& profile, const clk::ClkSchema& schema,
      const std::vector<std::string>& header);

  // The CLK of `row` into *bits (clkhash layout). When a value breaks its
  // feature's format, returns the issue (the column and rule, never the
  // value) and leaves *bits unspecified.
  std::optional<RowIssue> Encode(const clk::ClkEncoder& encoder,
                                 const CsvRow& row, std::string* bits) const;

 private:
  struct Source {
    int index = -1;  // column index; -1 for an ignored feature
    std::string column;
  };
  explicit ClkColumns(std::vector<Source> sources)
      : sources_(std::move(sources)) {}
  std::vector<Source> sources_;  // one per schema feature, in schema order
};

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_PIPELINE_CLK_STAGE_H_
