#include "server/framework/disclosure/table_control.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace equilink::framework::disclosure {
namespace {

// Which count of a cell a pass works on: numerators and denominators are
// protected as two separate tables.
using CountOf = int64_t CellInput::*;

absl::Status ValidateTable(const Table& table) {
  for (const CellInput& cell : table.cells) {
    if (cell.numerator < 0 || cell.denominator < 0 || cell.contributors < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "indicator ", table.indicator_id, ", breakdown ", cell.breakdown,
          ", category ", cell.category, ": a count is negative"));
    }
  }
  for (const Group& group : table.groups) {
    const std::string where = absl::StrCat("indicator ", table.indicator_id,
                                           ", group '", group.name, "'");
    if (group.total >= table.cells.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": its total is not a cell of the table"));
    }
    absl::flat_hash_set<size_t> seen;
    for (size_t member : group.members) {
      if (member >= table.cells.size() || member == group.total ||
          !seen.insert(member).second) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": a member is not a distinct cell other than the total"));
      }
    }
    for (CountOf count : {&CellInput::numerator, &CellInput::denominator}) {
      int64_t sum = 0;
      for (size_t member : group.members) sum += table.cells[member].*count;
      if (sum != table.cells[group.total].*count) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": the members' ",
            count == &CellInput::numerator ? "numerators" : "denominators",
            " do not add up to the total's; put people of unknown category "
            "in an explicit 'unknown' cell of the group"));
      }
    }
  }
  return absl::OkStatus();
}

// The shown member with the smallest count, else the total; nullopt when
// every cell of the group is withheld.
std::optional<size_t> NextToWithhold(const Table& table, const Group& group,
                                     CountOf count,
                                     const std::vector<Withheld>& withheld) {
  std::optional<size_t> best;
  for (size_t member : group.members) {
    if (withheld[member] != Withheld::kNo) continue;
    if (!best.has_value() ||
        table.cells[member].*count < table.cells[*best].*count) {
      best = member;
    }
  }
  if (!best.has_value() && withheld[group.total] == Withheld::kNo) {
    best = group.total;
  }
  return best;
}

// Primary then secondary suppression of one count of every cell.
std::vector<Withheld> ProtectCounts(const Profile& profile, const Table& table,
                                    CountOf count) {
  std::vector<Withheld> withheld(table.cells.size(), Withheld::kNo);
  for (size_t i = 0; i < table.cells.size(); ++i) {
    if (!profile.ShowCount(table.cells[i].*count).has_value()) {
      withheld[i] = Withheld::kSmallCount;
    }
  }
  // Each pass withholds at least one more cell or ends, so this terminates
  // after at most cells.size() passes.
  bool changed = true;
  while (changed) {
    changed = false;
    for (const Group& group : table.groups) {
      int withheld_in_group = withheld[group.total] != Withheld::kNo ? 1 : 0;
      for (size_t member : group.members) {
        if (withheld[member] != Withheld::kNo) ++withheld_in_group;
      }
      if (withheld_in_group != 1) continue;
      const std::optional<size_t> next =
          NextToWithhold(table, group, count, withheld);
      if (!next.has_value()) continue;
      withheld[*next] = Withheld::kSecondary;
      changed = true;
    }
  }
  return withheld;
}

// Fills value, lower and upper of `shown` from `cell` per the profile.
void ShowValue(const Profile& profile, const Table& table,
               const CellInput& cell, ShownCell& shown) {
  if (table.measure == Measure::kMean) {
    if (cell.contributors == 0) {
      shown.value_withheld = Withheld::kUndefined;
    } else if (cell.contributors < profile.min_contributors_for_mean) {
      shown.value_withheld = Withheld::kTooFewPeople;
    }
  } else if (!shown.numerator.has_value() || !shown.denominator.has_value()) {
    shown.value_withheld = Withheld::kRevealsSuppressedCount;
  } else if (cell.numerator < profile.min_numerator_for_value ||
             cell.denominator < profile.min_denominator_for_value) {
    shown.value_withheld = Withheld::kTooFewPeople;
  } else if (*shown.denominator == 0 || cell.denominator == 0) {
    shown.value_withheld = Withheld::kUndefined;
  }
  if (shown.value_withheld != Withheld::kNo) return;

  if (table.measure == Measure::kProportion ||
      table.measure == Measure::kCrudeRate) {
    // From the shown counts: the rounded figures under NHSD_2018, so the
    // value cannot be inverted to a count finer than the one shown.
    shown.value = static_cast<double>(*shown.numerator) /
                  static_cast<double>(*shown.denominator) * table.multiplier;
  } else {
    shown.value = cell.value;
  }
  shown.lower = cell.lower;
  shown.upper = cell.upper;
}

}  // namespace

absl::string_view WithheldName(Withheld reason) {
  switch (reason) {
    case Withheld::kNo:
      return "shown";
    case Withheld::kSmallCount:
      return "small count";
    case Withheld::kSecondary:
      return "secondary suppression";
    case Withheld::kRevealsSuppressedCount:
      return "would reveal a suppressed count";
    case Withheld::kTooFewPeople:
      return "based on too few people";
    case Withheld::kUndefined:
      return "undefined";
  }
  return "unknown";
}

bool ShownCell::suppressed() const {
  for (Withheld reason :
       {numerator_withheld, denominator_withheld, value_withheld}) {
    if (reason != Withheld::kNo && reason != Withheld::kUndefined) return true;
  }
  return false;
}

absl::StatusOr<std::vector<ShownCell>> ApplyProfile(const Profile& profile,
                                                    const Table& table) {
  EQ_RETURN_IF_ERROR(ValidateTable(table));
  const std::vector<Withheld> numerators =
      ProtectCounts(profile, table, &CellInput::numerator);
  const std::vector<Withheld> denominators =
      ProtectCounts(profile, table, &CellInput::denominator);

  std::vector<ShownCell> shown_cells;
  shown_cells.reserve(table.cells.size());
  for (size_t i = 0; i < table.cells.size(); ++i) {
    const CellInput& cell = table.cells[i];
    ShownCell shown{.breakdown = cell.breakdown,
                    .category = cell.category,
                    .numerator_withheld = numerators[i],
                    .denominator_withheld = denominators[i],
                    .profile_name = profile.name,
                    .profile_version = profile.version};
    if (numerators[i] == Withheld::kNo) {
      shown.numerator = profile.ShowCount(cell.numerator);
    }
    if (denominators[i] == Withheld::kNo) {
      shown.denominator = profile.ShowCount(cell.denominator);
    }
    ShowValue(profile, table, cell, shown);
    shown_cells.push_back(std::move(shown));
  }
  return shown_cells;
}

}  // namespace equilink::framework::disclosure
