#ifndef EQUILINK_SERVER_LINKAGE_LINK_REPORT_H_
#define EQUILINK_SERVER_LINKAGE_LINK_REPORT_H_

// The linkage report: how well the gateway's stored linkage agrees with a
// truth file (from `equilink synth`), overall and by IMD quintile and ethnic
// group, so that linkage bias is visible. The truth file carries record
// pseudonyms, never identifiers: the gateway scores itself without seeing
// anything it does not already hold.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/linkage/evaluation/pairwise_metrics.h"

namespace equilink::linkage {

struct LinkReportOptions {
  std::string store_path;
  // CSV with a header naming at least record_pseudonym_hex, person_id,
  // imd_quintile and ethnic_group (`equilink synth --linkage_key` writes it).
  std::string truth_path;
  // The organisation whose records are the reference population (the ICS
  // register): match rates are the share of other records linked to their
  // true record there. Empty: no match rates.
  std::string reference_organisation;
};

struct GroupLine {
  std::string group;  // "IMD quintile 1 (most deprived)", "Asian", ...
  uint64_t true_pairs = 0;
  double recall = 1;
  uint64_t records = 0;  // records with a true counterpart in the reference
  double match_rate = 1;
};

struct LinkReport {
  uint64_t records_linked = 0;      // stored records with a person
  uint64_t records_scored = 0;      // of those, found in the truth file
  uint64_t truth_rows_missing = 0;  // truth rows with no linked record
  uint64_t persons = 0;
  PairwiseMetrics overall;
  std::vector<GroupLine> by_imd_quintile;
  std::vector<GroupLine> by_ethnic_group;
  // Largest difference between groups, in recall and in match rate.
  double imd_recall_gap = 0;
  double imd_match_rate_gap = 0;
  double ethnic_recall_gap = 0;
  double ethnic_match_rate_gap = 0;
};

absl::StatusOr<LinkReport> BuildLinkReport(const LinkReportOptions& options);

// A plain-text table for a terminal.
std::string FormatLinkReport(const LinkReport& report);

}  // namespace equilink::linkage

#endif  // EQUILINK_SERVER_LINKAGE_LINK_REPORT_H_
