#ifndef EQUILINK_CLIENT_SYNTH_NAME_LISTS_H_
#define EQUILINK_CLIENT_SYNTH_NAME_LISTS_H_

// Forenames and surnames of the naming traditions common among children in
// Birmingham and Solihull, each list ordered roughly by popularity (the
// generator draws from the front more often). No real person is described.

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace equilink::client::synth {

enum class NameGroup : uint8_t {
  kBritish,
  kIrish,
  kCaribbean,
  kPakistani,
  kBangladeshi,
  kIndian,  // Punjabi Sikh and Gujarati/Hindu names
  kWestAfrican,
  kSomali,
  kEasternEuropean,
  kChinese,
  kArabic,
};
inline constexpr int kNameGroupCount = 11;

struct NameList {
  absl::Span<const absl::string_view> male;
  absl::Span<const absl::string_view> female;
  absl::Span<const absl::string_view> surnames;
};

const NameList& NamesOf(NameGroup group);

// Street name stems ("Church", "Alum Rock") and endings ("Road", "Close").
absl::Span<const absl::string_view> StreetStems();
absl::Span<const absl::string_view> StreetEndings();

}  // namespace equilink::client::synth

#endif  // EQUILINK_CLIENT_SYNTH_NAME_LISTS_H_
