#include "client/pipeline/synthetic_export.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "client/geo/postcode_lookup.h"
#include "client/pipeline/synthetic_names.h"
#include "common/status/status_macros.h"

namespace equilink::client {
namespace {

constexpr absl::string_view kHeader =
    "\xEF\xBB\xBF"
    "Client ID,Referral ID,NHS Number,First Name,Surname,Date of Birth,Gender,"
    "Ethnicity,Address Line 1,Address Line 2,Town,Postcode,Project,"
    "Referral Date,Referral Source,Start Date,End Date,Sessions Offered,"
    "Sessions Attended,WEMWBS Start,WEMWBS Start Date,WEMWBS End,"
    "WEMWBS End Date,Young Carer,Free School Meals,Notes\r\n";

// Wording as in client/profiles/charitylog.textproto, weighted roughly like
// Birmingham's child population (repeats are weights).
constexpr absl::string_view kEthnicities[] = {
    "White - British",
    "White - British",
    "White - British",
    "White - British",
    "Asian or Asian British - Pakistani",
    "Asian or Asian British - Pakistani",
    "Asian or Asian British - Bangladeshi",
    "Asian or Asian British - Indian",
    "Black or Black British - African",
    "Black or Black British - Caribbean",
    "Mixed - White and Black Caribbean",
    "Mixed - White and Asian",
    "White - Any other White background",
    "Any other ethnic group",
    "Chinese",
    "Arab",
    "Prefer not to say",
    "Not known"};
constexpr absl::string_view kProjects[] = {
    "Young Carers Project",  "Wellbeing Mentoring",
    "Teen Talk Counselling", "Holiday Activities and Food",
    "Family Support",        "Social Prescribing (CYP)"};
constexpr absl::string_view kSources[] = {"GP Surgery",
                                          "Social Prescribing Link Worker",
                                          "School",
                                          "Self-referral",
                                          "Parent / Carer",
                                          "CAMHS",
                                          "Children's Social Care",
                                          "Other Voluntary Organisation",
                                          "Health Visitor",
                                          "Other"};
constexpr absl::string_view kStreets[] = {
    "Church Road",  "Station Road", "Coventry Road", "Stratford Road",
    "Warwick Road", "Moseley Road", "Bristol Road",  "Alum Rock Road",
    "Soho Road",    "Lode Lane",    "Yardley Road",  "High Street",
    "Green Lane",   "Park Road",    "Victoria Road", "Shirley Road"};
constexpr absl::string_view kNotes[] = {
    "",
    "",
    "",
    "",
    "Prefers text messages",
    "\"Mum says \"\"very anxious\"\" about school, asked for evenings\"",
    "\"Called twice, no answer.\r\nLetter sent\""};

// splitmix64: tiny, fast and good enough for test data.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  int Below(int n) {
    return static_cast<int>(Next() % static_cast<uint64_t>(n));
  }
  bool Chance(double p) { return (Next() >> 11) * 0x1.0p-53 < p; }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(static_cast<int>(N))];
  }

 private:
  uint64_t state_;
};

void AppendDate(absl::CivilDay day, std::string* out) {
  char buffer[10] = {static_cast<char>('0' + day.day() / 10),
                     static_cast<char>('0' + day.day() % 10),
                     '/',
                     static_cast<char>('0' + day.month() / 10),
                     static_cast<char>('0' + day.month() % 10),
                     '/',
                     static_cast<char>('0' + day.year() / 1000),
                     static_cast<char>('0' + day.year() / 100 % 10),
                     static_cast<char>('0' + day.year() / 10 % 10),
                     static_cast<char>('0' + day.year() % 10)};
  out->append(buffer, sizeof(buffer));
}

void AppendNhsNumber(Random& rng, bool valid, std::string* out) {
  while (true) {
    char digits[10];
    int sum = 0;
    digits[0] = static_cast<char>('1' + rng.Below(9));
    for (int i = 0; i < 9; ++i) {
      if (i > 0) digits[i] = static_cast<char>('0' + rng.Below(10));
      sum += (digits[i] - '0') * (10 - i);
    }
    int check = 11 - sum % 11;
    if (check == 11) check = 0;
    if (check == 10) continue;  // no number has this check digit
    if (!valid) check = (check + 1 + rng.Below(9)) % 10;
    digits[9] = static_cast<char>('0' + check);
    out->append(digits, sizeof(digits));
    return;
  }
}

struct Generator {
  const SyntheticExportOptions& options;
  const std::vector<std::string>& postcodes;
  Random rng;
  size_t first_girl_name = 0;
  int bad_kind = 0;

  void AppendRow(int64_t index, std::string* out);
};

void Generator::AppendRow(int64_t index, std::string* out) {
  const auto forenames = SyntheticForenames();
  const auto surnames = SyntheticSurnames();
  const int bad = rng.Chance(options.bad_row_rate) ? 1 + bad_kind++ % 4 : 0;
  const size_t forename =
      static_cast<size_t>(rng.Below(static_cast<int>(forenames.size())));
  const absl::CivilDay dob = absl::CivilDay(2004, 1, 1) + rng.Below(19 * 365);
  const absl::CivilDay referral = absl::CivilDay(2024, 1, 1) + rng.Below(800);
  const absl::CivilDay start = referral + 3 + rng.Below(28);
  const bool ended = rng.Chance(0.6);
  const absl::CivilDay end = start + 40 + rng.Below(100);
  const int offered = 6 + 2 * rng.Below(4);
  const int wemwbs_start = 28 + rng.Below(28);

  absl::StrAppend(out, "CL", 1000000 + index, ",");
  if (bad != 4) absl::StrAppend(out, "R", 5000000 + index);
  out->push_back(',');
  if (rng.Chance(options.nhs_presence)) {
    AppendNhsNumber(rng, !rng.Chance(options.invalid_nhs_rate), out);
  }
  absl::StrAppend(out, ",", forenames[forename], ",",
                  surnames[rng.Below(static_cast<int>(surnames.size()))], ",");
  AppendDate(dob, out);
  absl::StrAppend(out, ",",
                  rng.Chance(0.02)              ? "Prefer not to say"
                  : forename >= first_girl_name ? "Female"
                                                : "Male",
                  ",", bad == 2 ? "White - Polish" : rng.Pick(kEthnicities));
  absl::StrAppend(out, ",", 1 + rng.Below(240), " ", rng.Pick(kStreets),
                  ",,Birmingham,",
                  postcodes[rng.Below(static_cast<int>(postcodes.size()))], ",",
                  rng.Pick(kProjects), ",");
  if (bad == 1) {
    out->append("31/13/2024");
  } else {
    AppendDate(referral, out);
  }
  absl::StrAppend(out, ",", rng.Pick(kSources), ",");
  AppendDate(start, out);
  out->push_back(',');
  if (ended) AppendDate(end, out);
  absl::StrAppend(out, ",", offered, ",", rng.Below(offered + 1), ",",
                  bad == 3 ? 75 : wemwbs_start, ",");
  AppendDate(start, out);
  out->push_back(',');
  if (ended) {
    absl::StrAppend(out, std::min(70, wemwbs_start + rng.Below(15) - 3), ",");
    AppendDate(end, out);
  } else {
    out->push_back(',');
  }
  absl::StrAppend(out, ",", rng.Chance(0.15) ? "Yes" : "No", ",",
                  rng.Chance(0.3) ? "Yes" : "No", ",", rng.Pick(kNotes),
                  "\r\n");
}

}  // namespace

absl::Status WriteSyntheticExport(const SyntheticExportOptions& options,
                                  const std::string& path) {
  if (options.rows < 0 || options.postcode_lookup_path.empty()) {
    return absl::InvalidArgumentError(
        "synthetic export needs rows >= 0 and a postcode lookup");
  }
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<PostcodeLookup> lookup,
                      PostcodeLookup::Load(options.postcode_lookup_path));
  const std::vector<std::string> postcodes = lookup->Postcodes();
  if (postcodes.empty()) {
    return absl::InvalidArgumentError("the postcode lookup has no postcodes");
  }
  const auto forenames = SyntheticForenames();
  Generator generator{options, postcodes, Random(options.seed)};
  generator.first_girl_name = static_cast<size_t>(
      std::find(forenames.begin(), forenames.end(), "Olivia") -
      forenames.begin());

  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(
      std::fopen(path.c_str(), "wb"), &std::fclose);
  if (file == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create synthetic export ", path));
  }
  constexpr size_t kFlushBytes = size_t{1} << 20;
  std::string buffer;
  buffer.reserve(kFlushBytes + 4096);
  buffer.append(kHeader.data(), kHeader.size());
  for (int64_t i = 0; i < options.rows; ++i) {
    generator.AppendRow(options.first_row + i, &buffer);
    if (buffer.size() >= kFlushBytes || i + 1 == options.rows) {
      if (std::fwrite(buffer.data(), 1, buffer.size(), file.get()) !=
          buffer.size()) {
        return absl::DataLossError("cannot write the synthetic export");
      }
      buffer.clear();
    }
  }
  if (options.rows == 0 && std::fwrite(buffer.data(), 1, buffer.size(),
                                       file.get()) != buffer.size()) {
    return absl::DataLossError("cannot write the synthetic export");
  }
  if (std::fclose(file.release()) != 0) {
    return absl::DataLossError("cannot close the synthetic export");
  }
  return absl::OkStatus();
}

}  // namespace equilink::client
