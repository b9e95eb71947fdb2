#ifndef EQUILINK_CLIENT_SYNTH_BSOL_LSOAS_H_
#define EQUILINK_CLIENT_SYNTH_BSOL_LSOAS_H_

// The 773 LSOAs (2011) of Birmingham and Solihull ICS with their IMD 2019
// decile and rank and their mid-2015 count of dependent children aged 0-15,
// built into the binary so that `equilink synth` needs no data files.
// Source: English Indices of Deprivation 2019, File 1 and File 6
// (deploy/data/imd2019/, Open Government Licence v3.0).

#include <cstdint>
#include <string>

#include "absl/types/span.h"

namespace equilink::client::synth {

enum class LocalAuthority : uint8_t { kBirmingham = 0, kSolihull = 1 };

struct BsolLsoa {
  int32_t code_number;      // the digits of the E01 code: 8881 is E01008881
  uint8_t local_authority;  // LocalAuthority
  uint8_t imd_decile;       // 1 = most deprived tenth of England
  int32_t imd_rank;         // 1 = most deprived LSOA of England
  int32_t children;         // dependent children aged 0-15, mid-2015
};

absl::Span<const BsolLsoa> BsolLsoas();

// "E01008881".
std::string LsoaCode(const BsolLsoa& lsoa);
// "E08000025" (Birmingham) or "E08000029" (Solihull).
const char* LocalAuthorityCode(const BsolLsoa& lsoa);
// 1 (deciles 1-2, most deprived) to 5.
inline int ImdQuintile(int decile) { return (decile + 1) / 2; }

}  // namespace equilink::client::synth

#endif  // EQUILINK_CLIENT_SYNTH_BSOL_LSOAS_H_
