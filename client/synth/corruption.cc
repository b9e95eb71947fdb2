#include "client/synth/corruption.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/synth/bsol_lsoas.h"
#include "client/synth/name_variants.h"

namespace equilink::client::synth {
namespace {

constexpr const char* kCorruptionNames[kCorruptionKinds] = {
    "nickname",        "spelling_variant",   "forename_typo",
    "surname_typo",    "name_swap",          "surname_change",
    "moved_address",   "dob_day_month_swap", "dob_digit_error",
    "nhs_missing",     "nhs_mistyped",       "postcode_missing",
    "address_missing", "sex_missing",        "ethnicity_missing"};

// QWERTY neighbours of each lower-case letter, for realistic slips.
constexpr const char* kNeighbours[26] = {
    "qwsz",   "vghn", "xdfv",   "serfcx", "wsdr",   "drtgvc", "ftyhbv",
    "gyujnb", "ujko", "huikmn", "jiolm",  "kop",    "njk",    "bhjm",
    "iklp",   "ol",   "wa",     "edft",   "awedxz", "rfgy",   "yhji",
    "cfgb",   "qase", "zsdc",   "tghu",   "asx"};

bool IsAsciiLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char Neighbour(char c, SynthRandom& rng) {
  const bool upper = c >= 'A' && c <= 'Z';
  const char lower = static_cast<char>(upper ? c - 'A' + 'a' : c);
  const char* options = kNeighbours[lower - 'a'];
  char pick = options[rng.Below(
      static_cast<int>(std::char_traits<char>::length(options)))];
  return upper ? static_cast<char>(pick - 'a' + 'A') : pick;
}

// The date with one of its eight digits (as dd/mm/yyyy) changed, when that is
// still a real date within reach; otherwise nullopt.
std::optional<absl::CivilDay> DigitError(absl::CivilDay dob,
                                         absl::CivilDay latest,
                                         SynthRandom& rng) {
  for (int attempt = 0; attempt < 12; ++attempt) {
    int parts[3] = {static_cast<int>(dob.day()), static_cast<int>(dob.month()),
                    static_cast<int>(dob.year())};
    // Day tens and units, month tens and units, year units and tens.
    const int which = rng.Below(6);
    const int part = which < 2 ? 0 : which < 4 ? 1 : 2;
    const int scale = (which == 0 || which == 2 || which == 5) ? 10 : 1;
    const int digit = parts[part] / scale % 10;
    const int replacement = rng.Below(10);
    if (replacement == digit) continue;
    parts[part] += (replacement - digit) * scale;
    if (parts[0] < 1 || parts[0] > 31 || parts[1] < 1 || parts[1] > 12) {
      continue;
    }
    const absl::CivilDay changed(parts[2], parts[1], parts[0]);
    if (changed.day() != parts[0] || changed > latest) continue;
    return changed;
  }
  return std::nullopt;
}

}  // namespace

const char* CorruptionName(int bit) { return kCorruptionNames[bit]; }

std::string CorruptionNames(uint32_t corruptions) {
  std::string names;
  for (int bit = 0; bit < kCorruptionKinds; ++bit) {
    if ((corruptions & (1u << bit)) == 0) continue;
    if (!names.empty()) names.push_back('|');
    names.append(kCorruptionNames[bit]);
  }
  return names;
}

SynthIdentity TrueIdentity(const SynthPerson& person,
                           const SynthGeography& geography) {
  SynthIdentity identity;
  identity.nhs_number = person.nhs_number;
  identity.forename = person.forename;
  identity.surname = person.surname;
  identity.dob = person.dob;
  identity.sex = person.sex;
  identity.ethnic_category = std::string(1, person.ethnic_category);
  identity.address_line = person.address_line;
  identity.postcode = person.postcode;
  identity.postcode_text = geography.postcodes[person.postcode];
  return identity;
}

double NhsMissingRate(const CorruptionRates& rates, int quintile,
                      EthnicGroup group) {
  const int q = std::clamp(quintile, 1, 5) - 1;
  return std::min(0.95,
                  rates.nhs_missing_by_quintile[q] *
                      rates.nhs_missing_group_factor[static_cast<int>(group)]);
}

std::string Typo(const std::string& name, SynthRandom& rng) {
  std::vector<size_t> letters;
  for (size_t i = 0; i < name.size(); ++i) {
    if (IsAsciiLetter(name[i])) letters.push_back(i);
  }
  if (letters.size() < 2) return name;
  std::string out = name;
  const size_t at =
      letters[static_cast<size_t>(rng.Below(static_cast<int>(letters.size())))];
  switch (rng.Below(4)) {
    case 0:  // inserted (a doubled letter or a neighbour)
      out.insert(out.begin() + static_cast<std::ptrdiff_t>(at) + 1,
                 rng.Chance(0.5) ? static_cast<char>(std::tolower(out[at]))
                                 : Neighbour(out[at], rng));
      if (at == 0) out[1] = static_cast<char>(std::tolower(out[1]));
      break;
    case 1:  // deleted
      if (at == 0) {
        out.erase(0, 1);
        out[0] = static_cast<char>(std::toupper(out[0]));
      } else {
        out.erase(at, 1);
      }
      break;
    case 2:  // replaced
      out[at] = Neighbour(out[at], rng);
      break;
    default:  // transposed with the next letter
      if (at + 1 < out.size() && IsAsciiLetter(out[at + 1]) && at > 0) {
        std::swap(out[at], out[at + 1]);
      } else {
        out[at] = Neighbour(out[at], rng);
      }
      break;
  }
  return out == name ? Typo(name, rng) : out;
}

std::string MistypeNhsNumber(const std::string& digits, SynthRandom& rng) {
  std::string out = digits;
  const int at = rng.Below(10);
  out[at] = static_cast<char>('0' + (out[at] - '0' + 1 + rng.Below(9)) % 10);
  return out;
}

uint32_t CorruptIdentity(const SynthPerson& person,
                         const SynthGeography& geography,
                         const CorruptionRates& rates, double nhs_missing,
                         SynthRandom& rng, SynthIdentity* out) {
  *out = TrueIdentity(person, geography);
  uint32_t applied = 0;
  // Names.
  const auto nicknames = NicknamesOf(out->forename);
  if (!nicknames.empty() && rng.Chance(rates.nickname)) {
    out->forename = std::string(rng.Pick(nicknames));
    applied |= kNickname;
  } else if (const auto spellings = SpellingsOf(out->forename);
             !spellings.empty() && rng.Chance(rates.spelling_variant)) {
    out->forename = std::string(rng.Pick(spellings));
    applied |= kSpellingVariant;
  }
  if (const auto spellings = SpellingsOf(out->surname);
      !spellings.empty() && rng.Chance(rates.spelling_variant)) {
    out->surname = std::string(rng.Pick(spellings));
    applied |= kSpellingVariant;
  }
  if (rng.Chance(rates.surname_change)) {
    const std::vector<std::string> parts =
        absl::StrSplit(out->surname, '-', absl::SkipEmpty());
    if (parts.size() > 1) {
      out->surname = parts[static_cast<size_t>(rng.Below(2))];
    } else {
      out->surname =
          std::string(rng.PickPopular(NamesOf(person.surname_group).surnames));
    }
    if (out->surname != person.surname) applied |= kSurnameChange;
  }
  // Names of one letter are left alone (and not counted).
  if (rng.Chance(rates.forename_typo)) {
    std::string typed = Typo(out->forename, rng);
    if (typed != out->forename) applied |= kForenameTypo;
    out->forename = std::move(typed);
  }
  if (rng.Chance(rates.surname_typo)) {
    std::string typed = Typo(out->surname, rng);
    if (typed != out->surname) applied |= kSurnameTypo;
    out->surname = std::move(typed);
  }
  if (rng.Chance(rates.name_swap)) {
    std::swap(out->forename, out->surname);
    applied |= kNameSwap;
  }
  if (rng.Chance(rates.upper_case_names)) {
    absl::AsciiStrToUpper(&out->surname);
  }
  // Address.
  if (rng.Chance(rates.moved_address)) {
    DrawOtherAddress(geography, geography.LsoaOf(person.postcode), rng,
                     &out->postcode, &out->address_line);
    out->postcode_text = geography.postcodes[out->postcode];
    applied |= kMovedAddress;
  }
  out->locality_named = rng.Chance(0.7);
  // Date of birth (latest: ten years on, so some errors land after the
  // referral and the client must reject them).
  const absl::CivilDay latest = person.dob + 3650;
  if (rng.Chance(rates.dob_day_month_swap) && out->dob.day() <= 12 &&
      out->dob.day() != out->dob.month()) {
    out->dob =
        absl::CivilDay(out->dob.year(), out->dob.day(), out->dob.month());
    applied |= kDobDayMonthSwap;
  } else if (rng.Chance(rates.dob_digit_error)) {
    if (auto changed = DigitError(out->dob, latest, rng)) {
      out->dob = *changed;
      applied |= kDobDigitError;
    }
  }
  // Gaps.
  if (rng.Chance(rates.postcode_missing)) {
    out->postcode_text.clear();
    applied |= kPostcodeMissing;
  } else if (rng.Chance(rates.postcode_unspaced)) {
    out->postcode_text.erase(
        std::remove(out->postcode_text.begin(), out->postcode_text.end(), ' '),
        out->postcode_text.end());
    absl::AsciiStrToLower(&out->postcode_text);
  }
  if (rng.Chance(rates.address_missing)) {
    out->address_line.clear();
    applied |= kAddressMissing;
  }
  if (rng.Chance(rates.sex_missing)) {
    out->sex = 0;
    out->sex_blank = rng.Chance(0.5);
    applied |= kSexMissing;
  }
  if (rng.Chance(rates.ethnicity_missing)) {
    const int kind = rng.Below(5);
    out->ethnic_category = kind < 2 ? "" : kind < 4 ? "99" : "Z";
    applied |= kEthnicityMissing;
  }
  if (rng.Chance(nhs_missing)) {
    out->nhs_number.clear();
    applied |= kNhsMissing;
  } else if (rng.Chance(rates.nhs_mistyped)) {
    out->nhs_number = MistypeNhsNumber(out->nhs_number, rng);
    applied |= kNhsMistyped;
  }
  return applied;
}

}  // namespace equilink::client::synth
