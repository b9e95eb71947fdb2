#include "server/linkage/link_report.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/status/status_macros.h"
#include "server/store/sqlite/database.h"

namespace equilink::linkage {
namespace {

struct TruthRow {
  uint32_t person = 0;
  uint32_t imd_quintile = 0;  // 1..5; 0 unknown
  uint32_t ethnic_group = 0;  // index into ethnic group names
};

struct Truth {
  absl::flat_hash_map<std::string, TruthRow> by_pseudonym;  // raw bytes
  std::vector<std::string> ethnic_groups;
};

absl::StatusOr<Truth> ReadTruth(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read truth file ", path));
  }
  std::string line;
  if (!std::getline(in, line)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": empty (a header row is required)"));
  }
  std::vector<std::string> header = absl::StrSplit(line, ',');
  auto column = [&](const char* name) -> int {
    for (size_t i = 0; i < header.size(); ++i) {
      if (absl::StripAsciiWhitespace(header[i]) == name) {
        return static_cast<int>(i);
      }
    }
    return -1;
  };
  const int pseudonym_column = column("record_pseudonym_hex");
  const int person_column = column("person_id");
  const int quintile_column = column("imd_quintile");
  const int ethnic_column = column("ethnic_group");
  for (auto [index, name] :
       {std::pair{pseudonym_column, "record_pseudonym_hex"},
        std::pair{person_column, "person_id"},
        std::pair{quintile_column, "imd_quintile"},
        std::pair{ethnic_column, "ethnic_group"}}) {
    if (index < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": no column ", name,
          " (write the truth file with equilink synth --linkage_key)"));
    }
  }
  Truth truth;
  absl::flat_hash_map<std::string, uint32_t> person_ids;
  absl::flat_hash_map<std::string, uint32_t> group_ids;
  int row_number = 1;
  while (std::getline(in, line)) {
    ++row_number;
    if (line.empty()) continue;
    std::vector<std::string> fields = absl::StrSplit(line, ',');
    if (fields.size() != header.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, " row ", row_number, ": ", fields.size(),
                       " fields, the header has ", header.size()));
    }
    const std::string& hex = fields[pseudonym_column];
    const bool is_hex =
        hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
          return absl::ascii_isxdigit(c);
        });
    if (!is_hex) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, " row ", row_number,
                       ": record_pseudonym_hex is not 64 hex digits"));
    }
    const std::string pseudonym = absl::HexStringToBytes(hex);
    TruthRow row;
    row.person = person_ids
                     .try_emplace(fields[person_column],
                                  static_cast<uint32_t>(person_ids.size()))
                     .first->second;
    if (!absl::SimpleAtoi(fields[quintile_column], &row.imd_quintile) ||
        row.imd_quintile > 5) {
      row.imd_quintile = 0;
    }
    const auto [group, inserted] = group_ids.try_emplace(
        fields[ethnic_column], static_cast<uint32_t>(group_ids.size()));
    if (inserted) truth.ethnic_groups.push_back(fields[ethnic_column]);
    row.ethnic_group = group->second;
    truth.by_pseudonym[pseudonym] = row;
  }
  return truth;
}

// Largest difference between groups with enough true pairs to say anything.
template <typename Get>
double Gap(const std::vector<GroupLine>& lines, Get get) {
  double low = 1, high = 0;
  bool any = false;
  for (const GroupLine& line : lines) {
    if (line.true_pairs < 20) continue;
    low = std::min(low, get(line));
    high = std::max(high, get(line));
    any = true;
  }
  return any ? high - low : 0;
}

}  // namespace

absl::StatusOr<LinkReport> BuildLinkReport(const LinkReportOptions& options) {
  EQ_ASSIGN_OR_RETURN(Truth truth, ReadTruth(options.truth_path));
  store::sqlite::Database::Options db_options;
  db_options.path = options.store_path;
  db_options.query_only = true;
  EQ_ASSIGN_OR_RETURN(auto db, store::sqlite::Database::Open(db_options));
  EQ_ASSIGN_OR_RETURN(
      auto statement,
      db->GetUniqueStatement(
          "SELECT r.org_code, r.record_pseudonym, l.person_id FROM records r "
          "JOIN record_links l ON l.record_id = r.record_id"));
  LinkReport report;
  std::vector<uint32_t> predicted, actual, sources, quintiles, groups;
  absl::flat_hash_map<int64_t, uint32_t> persons;
  absl::flat_hash_map<std::string, uint32_t> source_ids;
  size_t truth_found = 0;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(const bool has_row, statement->Step());
    if (!has_row) break;
    ++report.records_linked;
    const auto truth_row = truth.by_pseudonym.find(statement->ColumnBlob(1));
    if (truth_row == truth.by_pseudonym.end()) continue;
    ++truth_found;
    predicted.push_back(persons
                            .try_emplace(statement->ColumnInt64(2),
                                         static_cast<uint32_t>(persons.size()))
                            .first->second);
    actual.push_back(truth_row->second.person);
    sources.push_back(source_ids
                          .try_emplace(statement->ColumnText(0),
                                       static_cast<uint32_t>(source_ids.size()))
                          .first->second);
    quintiles.push_back(truth_row->second.imd_quintile);
    groups.push_back(truth_row->second.ethnic_group);
  }
  report.records_scored = truth_found;
  report.truth_rows_missing = truth.by_pseudonym.size() - truth_found;
  report.persons = persons.size();
  report.overall = EvaluatePairwise(predicted, actual);

  std::optional<uint32_t> reference;
  if (!options.reference_organisation.empty()) {
    const auto it = source_ids.find(options.reference_organisation);
    if (it != source_ids.end()) reference = it->second;
  }
  auto lines = [&](const std::vector<uint32_t>& group_of,
                   auto name_of) -> std::vector<GroupLine> {
    std::map<uint32_t, GroupLine> by_group;
    for (const GroupRecall& recall :
         RecallByGroup(predicted, actual, group_of)) {
      GroupLine& line = by_group[recall.group];
      line.group = name_of(recall.group);
      line.true_pairs = recall.true_pairs;
      line.recall = recall.recall;
    }
    if (reference.has_value()) {
      for (const GroupMatchRate& rate :
           MatchRateByGroup(predicted, actual, sources, *reference, group_of)) {
        GroupLine& line = by_group[rate.group];
        line.group = name_of(rate.group);
        line.records = rate.with_counterpart;
        line.match_rate = rate.match_rate;
      }
    }
    std::vector<GroupLine> out;
    for (auto& [group, line] : by_group) out.push_back(line);
    return out;
  };
  report.by_imd_quintile = lines(quintiles, [](uint32_t q) -> std::string {
    if (q == 0) return "IMD unknown";
    if (q == 1) return "IMD quintile 1 (most deprived)";
    if (q == 5) return "IMD quintile 5 (least deprived)";
    return absl::StrCat("IMD quintile ", q);
  });
  report.by_ethnic_group = lines(groups, [&](uint32_t g) {
    return g < truth.ethnic_groups.size() ? truth.ethnic_groups[g]
                                          : std::string("unknown");
  });
  auto recall_of = [](const GroupLine& l) { return l.recall; };
  auto rate_of = [](const GroupLine& l) { return l.match_rate; };
  report.imd_recall_gap = Gap(report.by_imd_quintile, recall_of);
  report.ethnic_recall_gap = Gap(report.by_ethnic_group, recall_of);
  if (reference.has_value()) {
    report.imd_match_rate_gap = Gap(report.by_imd_quintile, rate_of);
    report.ethnic_match_rate_gap = Gap(report.by_ethnic_group, rate_of);
  }
  return report;
}

std::string FormatLinkReport(const LinkReport& report) {
  std::string out = absl::StrFormat(
      "records linked %d, scored against truth %d (truth rows not found %d), "
      "persons %d\n"
      "pairwise precision %.4f  recall %.4f  F1 %.4f  (TP %d, FP %d, FN %d)\n",
      report.records_linked, report.records_scored, report.truth_rows_missing,
      report.persons, report.overall.precision, report.overall.recall,
      report.overall.f1, report.overall.true_positives,
      report.overall.false_positives, report.overall.false_negatives);
  auto table = [&](const char* title, const std::vector<GroupLine>& lines,
                   double recall_gap, double rate_gap) {
    absl::StrAppendFormat(&out, "\n%-32s %10s %8s %10s %10s\n", title,
                          "true pairs", "recall", "records", "match rate");
    for (const GroupLine& line : lines) {
      absl::StrAppendFormat(&out, "%-32s %10d %8.4f %10d %10.4f\n", line.group,
                            line.true_pairs, line.recall, line.records,
                            line.match_rate);
    }
    absl::StrAppendFormat(&out, "%-32s %10s %8.4f %10s %10.4f\n", "largest gap",
                          "", recall_gap, "", rate_gap);
  };
  table("by IMD quintile", report.by_imd_quintile, report.imd_recall_gap,
        report.imd_match_rate_gap);
  table("by ethnic group", report.by_ethnic_group, report.ethnic_recall_gap,
        report.ethnic_match_rate_gap);
  return out;
}

}  // namespace equilink::linkage
