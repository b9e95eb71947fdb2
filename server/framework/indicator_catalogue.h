#ifndef EQUILINK_SERVER_FRAMEWORK_INDICATOR_CATALOGUE_H_
#define EQUILINK_SERVER_FRAMEWORK_INDICATOR_CATALOGUE_H_

// The indicator catalogue (equilink.v1.IndicatorCatalogue) as the gateway
// loads it: a text-format file, validated whole before any indicator is
// computed, so a catalogue that could produce a wrong or undisclosable figure
// never loads. deploy/framework/indicators.textproto is the seed.

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "equilink/v1/indicators.pb.h"

namespace equilink::framework {

class IndicatorCatalogue {
 public:
  // Parses and validates. InvalidArgument naming the line and column of a
  // syntax error, or the indicator id and the field of a definition that
  // breaks a rule (see Validate in the .cc: every submitted indicator has
  // the parts its value type needs, rates per resident child break down by
  // area only, a known disclosure profile, a supported pooling period;
  // every indicator the seed marks Y for VCSE feed is computed from
  // submitted data).
  static absl::StatusOr<std::unique_ptr<IndicatorCatalogue>> Parse(
      absl::string_view text);
  // Parse of a file's content; errors are prefixed with the path. NotFound
  // when it cannot be read.
  static absl::StatusOr<std::unique_ptr<IndicatorCatalogue>> Load(
      const std::string& path);

  const v1::IndicatorCatalogue& proto() const { return catalogue_; }
  const std::string& version() const { return catalogue_.version(); }
  // nullptr for an id the catalogue does not hold.
  const v1::IndicatorDefinition* Find(absl::string_view id) const;

 private:
  explicit IndicatorCatalogue(v1::IndicatorCatalogue catalogue);

  v1::IndicatorCatalogue catalogue_;
  absl::flat_hash_map<std::string, int> index_of_id_;
};

}  // namespace equilink::framework

#endif  // EQUILINK_SERVER_FRAMEWORK_INDICATOR_CATALOGUE_H_
