#include "server/framework/disclosure/release_ledger.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status/status_macros.h"
#include "server/store/sqlite/transaction.h"

namespace equilink::framework::disclosure {
namespace {

using store::sqlite::Database;
using store::sqlite::Transaction;

// A cell's population in comparable form: categories sorted, and none for
// the total.
struct Population {
  Period period{};
  std::string breakdown{};
  std::vector<std::string> categories{};
};

struct Counts {
  int64_t true_count;
  std::optional<int64_t> shown{};
};

Population PopulationOf(const ReleasedCell& cell) {
  Population population{.period = cell.period, .breakdown = cell.breakdown};
  if (cell.breakdown != kTotalBreakdown) {
    population.categories = cell.categories;
    std::sort(population.categories.begin(), population.categories.end());
  }
  return population;
}

std::string CategoriesText(const Population& population) {
  return population.breakdown == kTotalBreakdown
             ? "all"
             : absl::StrJoin(population.categories, "|");
}

bool Contains(const Population& outer, const Population& inner) {
  if (outer.period.first_day > inner.period.first_day ||
      outer.period.last_day < inner.period.last_day) {
    return false;
  }
  if (outer.breakdown == kTotalBreakdown) return true;
  return outer.breakdown == inner.breakdown &&
         std::includes(outer.categories.begin(), outer.categories.end(),
                       inner.categories.begin(), inner.categories.end());
}

bool Nested(const Population& a, const Population& b) {
  return Contains(a, b) || Contains(b, a);
}

// Both figures shown and their true counts a small, non-zero count apart.
bool RevealsSmallDifference(const Counts& a, const Counts& b,
                            int64_t small_count_max) {
  if (!a.shown.has_value() || !b.shown.has_value()) return false;
  const int64_t difference = std::abs(a.true_count - b.true_count);
  return difference >= 1 && difference <= small_count_max;
}

bool IsIsoDay(absl::string_view day) {
  if (day.size() != 10 || day[4] != '-' || day[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(day[i]))) return false;
  }
  return true;
}

absl::Status ValidateRelease(const Release& release) {
  if (release.profile == nullptr) {
    return absl::InvalidArgumentError("release names no disclosure profile");
  }
  for (const ReleasedCell& cell : release.cells) {
    if (!IsIsoDay(cell.period.first_day) || !IsIsoDay(cell.period.last_day) ||
        cell.period.first_day > cell.period.last_day) {
      return absl::InvalidArgumentError(
          absl::StrCat("indicator ", cell.indicator_id,
                       ": period is not two ordered YYYY-MM-DD days"));
    }
    for (const std::string& category : cell.categories) {
      if (absl::StrContains(category, '|')) {
        return absl::InvalidArgumentError(
            absl::StrCat("indicator ", cell.indicator_id, ", breakdown ",
                         cell.breakdown, ": a category contains '|'"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Refusal(const ReleasedCell& cell, const Population& population,
                     const Population& earlier, absl::string_view figure) {
  return absl::FailedPreconditionError(absl::StrCat(
      "release refused: indicator ", cell.indicator_id, ", breakdown ",
      population.breakdown, ", category ", CategoriesText(population),
      ", period ", population.period.first_day, "..",
      population.period.last_day, ": its ", figure,
      " differs by a small count from one released for a nested population "
      "(breakdown ",
      earlier.breakdown, ", category ", CategoriesText(earlier), ", period ",
      earlier.period.first_day, "..", earlier.period.last_day, ")"));
}

// Refuses when `cell` and `other`, nested populations, differ by a small
// count in a figure both show.
absl::Status CheckPair(const ReleasedCell& cell, const Population& population,
                       const Population& other_population,
                       const Counts& other_numerator,
                       const Counts& other_denominator,
                       int64_t small_count_max) {
  if (!Nested(population, other_population)) return absl::OkStatus();
  if (RevealsSmallDifference({cell.true_numerator, cell.shown_numerator},
                             other_numerator, small_count_max)) {
    return Refusal(cell, population, other_population, "numerator");
  }
  if (RevealsSmallDifference({cell.true_denominator, cell.shown_denominator},
                             other_denominator, small_count_max)) {
    return Refusal(cell, population, other_population, "denominator");
  }
  return absl::OkStatus();
}

std::optional<int64_t> NullableInt64(const store::sqlite::Statement& statement,
                                     int column) {
  if (statement.ColumnIsNull(column)) return std::nullopt;
  return statement.ColumnInt64(column);
}

}  // namespace

std::vector<ReleasedCell> ReleasedCellsOf(const Table& table,
                                          const Period& period,
                                          const std::vector<ShownCell>& shown) {
  std::vector<ReleasedCell> cells;
  cells.reserve(table.cells.size());
  for (size_t i = 0; i < table.cells.size() && i < shown.size(); ++i) {
    const CellInput& input = table.cells[i];
    ReleasedCell cell{.indicator_id = table.indicator_id,
                      .period = period,
                      .breakdown = input.breakdown,
                      .true_numerator = input.numerator,
                      .true_denominator = input.denominator,
                      .shown_numerator = shown[i].numerator,
                      .shown_denominator = shown[i].denominator};
    if (input.breakdown != kTotalBreakdown) cell.categories = {input.category};
    cells.push_back(std::move(cell));
  }
  return cells;
}

absl::StatusOr<std::unique_ptr<ReleaseLedger>> ReleaseLedger::Open(
    Database* db) {
  // The tables are the store's (schema version 7), created by its
  // migrations when the gateway opens the store.
  EQ_ASSIGN_OR_RETURN(
      const int64_t tables,
      db->QueryInt64("SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                     "AND name IN ('release_ledger', 'release_ledger_cells')"));
  if (tables != 2) {
    return absl::FailedPreconditionError(
        "the store has no release ledger: its schema predates version 7; "
        "open it with this gateway's store first, which migrates it");
  }
  return absl::WrapUnique(new ReleaseLedger(db));
}

absl::Status ReleaseLedger::CheckAndRecord(const Release& release) {
  EQ_RETURN_IF_ERROR(ValidateRelease(release));
  EQ_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(db_));
  {
    EQ_ASSIGN_OR_RETURN(
        auto statement,
        db_->GetCachedStatement(
            EQ_SQL_FROM_HERE,
            "SELECT 1 FROM release_ledger WHERE release_id = ?1"));
    EQ_RETURN_IF_ERROR(statement->BindText(0, release.release_id));
    EQ_ASSIGN_OR_RETURN(const bool exists, statement->Step());
    if (exists) {
      return absl::AlreadyExistsError("the release was recorded before");
    }
  }
  for (size_t i = 0; i < release.cells.size(); ++i) {
    EQ_RETURN_IF_ERROR(CheckCell(release, i));
  }
  EQ_RETURN_IF_ERROR(Record(release));
  return transaction.Commit();
}

absl::Status ReleaseLedger::CheckCell(const Release& release, size_t index) {
  const ReleasedCell& cell = release.cells[index];
  const Population population = PopulationOf(cell);
  const int64_t own_small_max = release.profile->small_count_max;

  EQ_ASSIGN_OR_RETURN(
      auto statement,
      db_->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "SELECT c.period_first_day, c.period_last_day, c.breakdown, "
          "c.categories, c.true_numerator, c.true_denominator, "
          "c.shown_numerator, c.shown_denominator, r.profile_name, "
          "r.profile_version "
          "FROM release_ledger_cells AS c JOIN release_ledger AS r "
          "USING (release_id) "
          "WHERE c.indicator_id = ?1 AND (c.breakdown = ?2 OR "
          "c.breakdown = ?3 OR ?2 = ?3)"));
  EQ_RETURN_IF_ERROR(statement->BindText(0, cell.indicator_id));
  EQ_RETURN_IF_ERROR(statement->BindText(1, cell.breakdown));
  EQ_RETURN_IF_ERROR(statement->BindText(2, kTotalBreakdown));
  for (;;) {
    EQ_ASSIGN_OR_RETURN(const bool row, statement->Step());
    if (!row) break;
    Population earlier{.period = {.first_day = statement->ColumnText(0),
                                  .last_day = statement->ColumnText(1)},
                       .breakdown = statement->ColumnText(2)};
    const std::string categories = statement->ColumnText(3);
    earlier.categories = absl::StrSplit(categories, '|', absl::SkipEmpty());
    const absl::StatusOr<const Profile*> earlier_profile = FindProfile(
        statement->ColumnText(8), static_cast<int>(statement->ColumnInt64(9)));
    if (!earlier_profile.ok()) {
      return absl::InternalError(
          "the ledger holds a release under a profile this build lacks");
    }
    EQ_RETURN_IF_ERROR(CheckPair(
        cell, population, earlier,
        {statement->ColumnInt64(4), NullableInt64(*statement, 6)},
        {statement->ColumnInt64(5), NullableInt64(*statement, 7)},
        std::max(own_small_max, (*earlier_profile)->small_count_max)));
  }

  // Earlier cells of this release for the same population over another
  // period (Jan-Jun and Jan-Jul in one release).
  for (size_t j = 0; j < index; ++j) {
    const ReleasedCell& other = release.cells[j];
    const Population other_population = PopulationOf(other);
    if (other.indicator_id != cell.indicator_id ||
        other_population.breakdown != population.breakdown ||
        other_population.categories != population.categories ||
        (other.period.first_day == cell.period.first_day &&
         other.period.last_day == cell.period.last_day)) {
      continue;
    }
    EQ_RETURN_IF_ERROR(CheckPair(
        cell, population, other_population,
        {other.true_numerator, other.shown_numerator},
        {other.true_denominator, other.shown_denominator}, own_small_max));
  }
  return absl::OkStatus();
}

absl::Status ReleaseLedger::Record(const Release& release) {
  {
    EQ_ASSIGN_OR_RETURN(
        auto statement,
        db_->GetCachedStatement(
            EQ_SQL_FROM_HERE,
            "INSERT INTO release_ledger (release_id, consumer_org, "
            "agreement_id, agreement_version, profile_name, profile_version, "
            "released_at_unix_seconds) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    EQ_RETURN_IF_ERROR(statement->BindText(0, release.release_id));
    EQ_RETURN_IF_ERROR(statement->BindText(1, release.consumer_org));
    EQ_RETURN_IF_ERROR(statement->BindText(2, release.agreement_id));
    EQ_RETURN_IF_ERROR(statement->BindInt64(3, release.agreement_version));
    EQ_RETURN_IF_ERROR(statement->BindText(4, release.profile->name));
    EQ_RETURN_IF_ERROR(statement->BindInt64(5, release.profile->version));
    EQ_RETURN_IF_ERROR(
        statement->BindInt64(6, release.released_at_unix_seconds));
    EQ_RETURN_IF_ERROR(statement->Run());
  }
  EQ_ASSIGN_OR_RETURN(
      auto statement,
      db_->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "INSERT INTO release_ledger_cells (release_id, indicator_id, "
          "period_first_day, period_last_day, breakdown, categories, "
          "true_numerator, true_denominator, shown_numerator, "
          "shown_denominator) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
  for (const ReleasedCell& cell : release.cells) {
    // Bound text must outlive the step (the store binds without copying).
    const std::string categories = cell.breakdown == kTotalBreakdown
                                       ? std::string()
                                       : CategoriesText(PopulationOf(cell));
    EQ_RETURN_IF_ERROR(statement->BindText(0, release.release_id));
    EQ_RETURN_IF_ERROR(statement->BindText(1, cell.indicator_id));
    EQ_RETURN_IF_ERROR(statement->BindText(2, cell.period.first_day));
    EQ_RETURN_IF_ERROR(statement->BindText(3, cell.period.last_day));
    EQ_RETURN_IF_ERROR(statement->BindText(4, cell.breakdown));
    EQ_RETURN_IF_ERROR(statement->BindText(5, categories));
    EQ_RETURN_IF_ERROR(statement->BindInt64(6, cell.true_numerator));
    EQ_RETURN_IF_ERROR(statement->BindInt64(7, cell.true_denominator));
    if (cell.shown_numerator.has_value()) {
      EQ_RETURN_IF_ERROR(statement->BindInt64(8, *cell.shown_numerator));
    } else {
      EQ_RETURN_IF_ERROR(statement->BindNull(8));
    }
    if (cell.shown_denominator.has_value()) {
      EQ_RETURN_IF_ERROR(statement->BindInt64(9, *cell.shown_denominator));
    } else {
      EQ_RETURN_IF_ERROR(statement->BindNull(9));
    }
    EQ_RETURN_IF_ERROR(statement->Run());
    statement->Reset(/*clear_bindings=*/true);
  }
  return absl::OkStatus();
}

}  // namespace equilink::framework::disclosure
