#ifndef EQUILINK_CLIENT_GEO_POSTCODE_LOOKUP_H_
#define EQUILINK_CLIENT_GEO_POSTCODE_LOOKUP_H_

// Postcode -> LSOA, from a file in the ONS Postcode Directory (ONSPD) CSV
// layout, so the postcode never has to leave the VCSE machine. Columns are
// found by header name (the ONSPD has ~50 and their order changes between
// releases): `pcds` for the postcode, `doterm` for termination, and the chosen
// LSOA column.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace equilink::client {

class CsvReader;

struct PostcodeLookupOptions {
  // lsoa11 by default: the IMD 2019 deprivation file is keyed by LSOA 2011.
  std::string lsoa_column = "lsoa11";
  char delimiter = ',';
};

// What loading skipped; counts only, never postcodes.
struct PostcodeLookupStats {
  size_t loaded = 0;
  size_t terminated = 0;    // doterm set: the postcode is no longer in use
  size_t no_lsoa = 0;       // empty or non-English/Welsh LSOA (e.g. S01...)
  size_t bad_postcode = 0;  // pcds not shaped like a postcode
  size_t duplicate = 0;     // a second row for a postcode (first one kept)
};

// Immutable after loading; Find is const and thread-safe.
class PostcodeLookup {
 public:
  // Loads an ONSPD-layout CSV. InvalidArgument when the header lacks pcds,
  // doterm or the LSOA column; the reader's errors otherwise.
  static absl::StatusOr<std::unique_ptr<PostcodeLookup>> Load(
      const std::string& path, const PostcodeLookupOptions& options = {});
  // The same from text in memory (tests, embedded data).
  static absl::StatusOr<std::unique_ptr<PostcodeLookup>> FromString(
      std::string contents, const PostcodeLookupOptions& options = {});

  // The LSOA code of `canonical_postcode` (CanonicalPostcode's form, e.g.
  // "B15 2TT"), or nullopt when it is not in the lookup. The view lives as
  // long as the lookup.
  std::optional<absl::string_view> FindLsoa(
      absl::string_view canonical_postcode) const;

  size_t size() const { return lsoa_by_postcode_.size(); }
  const PostcodeLookupStats& stats() const { return stats_; }
  // Every postcode loaded, sorted (the synthetic-export generator draws from
  // them; sorted so that a seed gives the same file on every run).
  std::vector<std::string> Postcodes() const;

 private:
  PostcodeLookup() = default;
  static absl::StatusOr<std::unique_ptr<PostcodeLookup>> Build(
      CsvReader& reader, const PostcodeLookupOptions& options);
  void Add(absl::string_view pcds, absl::string_view lsoa);

  absl::flat_hash_map<std::string, uint32_t> lsoa_by_postcode_;
  std::vector<std::string> lsoa_codes_;  // distinct codes, by index
  absl::flat_hash_map<std::string, uint32_t> lsoa_index_;
  PostcodeLookupStats stats_;
};

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_GEO_POSTCODE_LOOKUP_H_
