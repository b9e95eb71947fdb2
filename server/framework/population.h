#ifndef EQUILINK_SERVER_FRAMEWORK_POPULATION_H_
#define EQUILINK_SERVER_FRAMEWORK_POPULATION_H_

// The framework store's view of the linked population in one period: every
// linked person with a record active in the period, the facts of those
// records, and the person's attributes for the breakdowns (area from the
// LSOA, ethnic group, sex, age band). Built in one pass over the store's
// current, linked records (record_links joined to records), so the indicators
// of a period are computed from one consistent snapshot.
//
// A person is counted once however many records and organisations they have:
// that is what linkage is for. Their attributes come from their most recent
// record in the period that states each one (a later "not known" does not
// overwrite an earlier recorded ethnicity).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "equilink/v1/record.pb.h"
#include "server/framework/area_lookup.h"
#include "server/store/sqlite/database.h"

namespace equilink::framework {

// Inclusive civil dates.
struct Period {
  absl::CivilDay first_day;
  absl::CivilDay last_day;
};

// The five census groups of the NHS Data Dictionary ethnic category, then
// not stated (Z, asked and declined) and not known (99 or blank).
enum class EthnicGroup : uint8_t {
  kWhite,
  kMixed,
  kAsian,
  kBlack,
  kOther,
  kNotStated,
  kNotKnown,
};
inline constexpr int kEthnicGroupCount = 7;
EthnicGroup EthnicGroupOf(const std::string& category);
const char* EthnicGroupName(EthnicGroup group);

enum class Sex : uint8_t { kMale, kFemale, kNotKnown };
inline constexpr int kSexCount = 3;
const char* SexName(Sex sex);

// 0-4, 5-9, 10-14, 15-17, 18-25, not known.
inline constexpr int kAgeBandCount = 6;
int AgeBandOf(const v1::PseudonymisedRecord& record);
const char* AgeBandName(int band);

// A code as an index into Population::codes(): service types, needs,
// instruments and timepoints repeat across a million records.
using Code = uint16_t;

struct OutcomeFact {
  Code instrument = 0;
  Code timepoint = 0;
  std::optional<absl::CivilDay> day;
  double total = 0;
};

// What the catalogue's conditions and quantities read of one record.
struct PersonRecord {
  int64_t record_id = 0;
  uint32_t organisation = 0;  // index into Population::organisations()
  Code service_type = 0;
  std::vector<Code> needs;
  uint32_t sessions_attended = 0;
  bool ethnicity_recorded = false;  // A-S or Z
  bool nhs_number_linkable = false;
  const Area* area = nullptr;
  std::optional<absl::CivilDay> referral;
  std::optional<absl::CivilDay> first_contact;
  std::optional<absl::CivilDay> discharge;
  std::vector<OutcomeFact> outcomes;
};

struct Person {
  int64_t person_id = 0;
  const Area* area = nullptr;  // nullptr: no LSOA the indices cover
  EthnicGroup ethnic_group = EthnicGroup::kNotKnown;
  Sex sex = Sex::kNotKnown;
  int age_band = kAgeBandCount - 1;
  // Linked to records of more than one organisation (the ICS register is one).
  bool linked_across_sources = false;
  std::vector<PersonRecord> records;  // active in the period, oldest first
};

class Population {
 public:
  // Reads the linked records of `db` (the gateway's store: records and
  // record_links) active in `period`: referred (or, without a referral date,
  // first seen) on or before its last day and not discharged before its
  // first. Records with neither date cannot be placed and are counted in
  // undated_records(). DataLoss when a stored record does not parse.
  static absl::StatusOr<std::unique_ptr<Population>> Build(
      store::sqlite::Database* db, const AreaLookup* areas,
      const Period& period);

  const std::vector<Person>& persons() const { return persons_; }
  const std::vector<std::string>& organisations() const {
    return organisations_;
  }
  // Code 0 is the empty string.
  const std::vector<std::string>& codes() const { return codes_; }
  // The code of `text`, or nullopt when no record of the period holds it.
  std::optional<Code> FindCode(const std::string& text) const;
  const AreaLookup& areas() const { return *areas_; }
  const Period& period() const { return period_; }
  uint64_t undated_records() const { return undated_records_; }

 private:
  Population(const AreaLookup* areas, Period period)
      : areas_(areas), period_(period) {}

  const AreaLookup* areas_;
  Period period_;
  std::vector<Person> persons_;
  std::vector<std::string> organisations_;
  std::vector<std::string> codes_;
  absl::flat_hash_map<std::string, Code> code_of_;
  uint64_t undated_records_ = 0;
};

// "YYYY-MM-DD" as a civil day; nullopt for anything else.
std::optional<absl::CivilDay> ParseDay(const std::string& text);

// Five years: the longest pooling period a catalogue entry may use.
inline constexpr int kMaxRequestPeriodDays = 5 * 366;

// The period an indicator request names: two ParseDay days, the first not
// after the last, at most kMaxRequestPeriodDays apart; nullopt otherwise.
std::optional<Period> ParseRequestPeriod(const std::string& first_day,
                                         const std::string& last_day);

}  // namespace equilink::framework

#endif  // EQUILINK_SERVER_FRAMEWORK_POPULATION_H_
