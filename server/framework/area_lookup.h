#ifndef EQUILINK_SERVER_FRAMEWORK_AREA_LOOKUP_H_
#define EQUILINK_SERVER_FRAMEWORK_AREA_LOOKUP_H_

// Area lookups from the English Indices of Deprivation 2019, as the
// publisher's CSV files the gateway ships (deploy/data/imd2019, Open
// Government Licence v3.0): LSOA 2011 code -> IMD rank, decile and quintile,
// local authority district, and mid-2015 population denominators.
//
// Every value derived from this table names its version (imd_version()), as
// governance.md asks: IoD2019 and IoD2025 rank different LSOA geographies
// and are not comparable.
//
// Loaded whole at start (32,844 rows, a few MB) so each lookup is one hash
// probe; files are read through zlib, which passes a plain CSV through.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace equilink::framework {

inline constexpr char kImd2019[] = "IMD2019";

struct Area {
  std::string lsoa_code;             // E01000001
  std::string local_authority_code;  // district, 2019 boundaries
  std::string local_authority_name;
  int32_t imd_rank = 0;  // 1 is the most deprived of 32,844
  int imd_decile = 0;    // 1 is the most deprived 10%
  int imd_quintile = 0;  // 1 is the most deprived 20%: Core20
  // Mid-2015, excluding prisoners; 0 when loaded without File 6.
  int64_t population = 0;
  int64_t children_0_15 = 0;
};

class AreaLookup {
 public:
  // File 1 (IMD rank and decile, local authority) and File 6 (population
  // denominators), each gzip or plain CSV whose first line is a header (a
  // UTF-8 byte order mark allowed). InvalidArgument naming the file and the
  // 1-based line for a malformed line, a duplicate LSOA, or an LSOA of File 6
  // that File 1 lacks (and the reverse); NotFound when a file cannot be
  // opened.
  static absl::StatusOr<std::unique_ptr<AreaLookup>> Load(
      const std::string& imd_file, const std::string& population_file);
  // File 1 alone: no population denominators.
  static absl::StatusOr<std::unique_ptr<AreaLookup>> LoadImd(
      const std::string& imd_file);

  // nullptr for an LSOA the indices do not cover (a Welsh LSOA, a 2021 code,
  // a typo).
  const Area* Find(absl::string_view lsoa_code) const;

  const std::string& imd_version() const { return imd_version_; }
  bool has_population() const { return has_population_; }
  size_t size() const { return areas_.size(); }
  // In the files' order (by LSOA code).
  const std::vector<Area>& areas() const { return areas_; }

 private:
  AreaLookup() = default;

  std::string imd_version_ = kImd2019;
  bool has_population_ = false;
  std::vector<Area> areas_;
  absl::flat_hash_map<std::string, size_t> index_of_lsoa_;
};

}  // namespace equilink::framework

#endif  // EQUILINK_SERVER_FRAMEWORK_AREA_LOOKUP_H_
