#include "client/synth/synth_summary.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/synth/bsol_lsoas.h"

namespace equilink::client::synth {
namespace {

std::string Percent(int64_t part, int64_t whole) {
  return absl::StrFormat("%.1f%%", whole == 0 ? 0.0 : 100.0 * part / whole);
}

}  // namespace

SynthSummary SummariseSynthDataset(const SynthDataset& dataset) {
  SynthSummary summary;
  summary.people = static_cast<int64_t>(dataset.people.size());
  for (const SynthPerson& person : dataset.people) {
    summary.households =
        std::max<int64_t>(summary.households, person.household + 1);
    summary.twin_people += person.twin;
    summary.white_british += person.ethnic_category == 'A';
    const int decile =
        BsolLsoas()[dataset.geography.LsoaOf(person.postcode)].imd_decile;
    ++summary.people_by_imd_quintile[ImdQuintile(decile) - 1];
    ++summary.people_by_group[static_cast<int>(
        EthnicGroupOf(person.ethnic_category))];
  }
  summary.population_records = static_cast<int64_t>(dataset.population.size());
  for (const SynthRecord& record : dataset.population) {
    summary.population_nhs_missing += record.identity.nhs_number.empty();
  }
  std::vector<uint8_t> organisations_seen(dataset.people.size(), 0);
  for (size_t i = 0; i < dataset.organisations.size(); ++i) {
    SynthOrganisationSummary org;
    org.code = dataset.organisation_codes[i];
    absl::flat_hash_set<uint32_t> people;
    for (const SynthRecord& record : dataset.organisations[i]) {
      ++org.records;
      org.nhs_missing += record.identity.nhs_number.empty();
      org.expected_rejects += record.expect_reject;
      if (people.insert(record.person).second &&
          organisations_seen[record.person] < 255) {
        ++organisations_seen[record.person];
      }
      for (int bit = 0; bit < kCorruptionKinds; ++bit) {
        summary.corruption_counts[bit] += (record.corruptions >> bit) & 1;
      }
    }
    org.people = static_cast<int64_t>(people.size());
    summary.vcse_records += org.records;
    summary.organisations.push_back(std::move(org));
  }
  for (uint8_t seen : organisations_seen) {
    summary.people_in_several_organisations += seen > 1;
  }
  return summary;
}

std::string FormatSynthSummary(const SynthSummary& summary,
                               const std::vector<SynthFile>& files,
                               double seconds) {
  std::string out = absl::StrFormat(
      "people: %d in %d households, %d of them twins; White British %s\n",
      summary.people, summary.households, summary.twin_people,
      Percent(summary.white_british, summary.people));
  absl::StrAppend(&out, "  by IMD quintile (1 = most deprived):");
  for (int q = 0; q < 5; ++q) {
    absl::StrAppend(&out, " Q", q + 1, " ",
                    Percent(summary.people_by_imd_quintile[q], summary.people));
  }
  absl::StrAppend(&out, "\n  by ethnic group:");
  for (int g = 0; g < kEthnicGroupCount; ++g) {
    absl::StrAppend(&out, " ", EthnicGroupName(static_cast<EthnicGroup>(g)),
                    " ", Percent(summary.people_by_group[g], summary.people));
  }
  absl::StrAppendFormat(&out,
                        "\npopulation register: %d records, NHS number "
                        "missing in %d\n",
                        summary.population_records,
                        summary.population_nhs_missing);
  absl::StrAppendFormat(&out,
                        "VCSE records: %d; people seen by more than one "
                        "organisation: %d\n",
                        summary.vcse_records,
                        summary.people_in_several_organisations);
  for (const SynthOrganisationSummary& org : summary.organisations) {
    absl::StrAppendFormat(
        &out,
        "  %s: %d records of %d people, NHS number missing %s, %d rows "
        "the client should reject\n",
        org.code, org.records, org.people,
        Percent(org.nhs_missing, org.records), org.expected_rejects);
  }
  absl::StrAppend(&out, "corruption (VCSE records touched):\n");
  for (int bit = 0; bit < kCorruptionKinds; ++bit) {
    absl::StrAppendFormat(
        &out, "  %-20s %8d  %s\n", CorruptionName(bit),
        summary.corruption_counts[bit],
        Percent(summary.corruption_counts[bit], summary.vcse_records));
  }
  absl::StrAppend(&out, "files:\n");
  for (const SynthFile& file : files) {
    if (absl::EndsWith(file.path, ".csv")) {
      absl::StrAppendFormat(&out, "  %s (%d rows)\n", file.path, file.rows);
    } else {
      absl::StrAppendFormat(&out, "  %s\n", file.path);
    }
  }
  absl::StrAppendFormat(&out, "generated in %.2f s\n", seconds);
  return out;
}

}  // namespace equilink::client::synth
