#ifndef EQUILINK_SERVER_FRAMEWORK_DISCLOSURE_RELEASE_LEDGER_H_
#define EQUILINK_SERVER_FRAMEWORK_DISCLOSURE_RELEASE_LEDGER_H_

// The release ledger (governance.md, extract check E8): every cell the
// gateway has released, with the true counts behind it, so that a new release
// cannot recover a small or suppressed count by differencing against an
// earlier one (UKHSA "Disclosure control for aggregate data": differencing
// across linked tables and over time).
//
// Which comparisons. Each released cell covers a population: an indicator, a
// period (first and last day, inclusive), and either the whole ICS
// (kTotalBreakdown) or a set of categories of one breakdown. Cell X contains
// cell Y when they share the indicator, X's period contains Y's, and X is the
// total or has Y's breakdown and a superset of Y's categories. For every cell
// of a new release, every earlier released cell that contains it or that it
// contains is compared, separately for numerators and denominators, since the
// difference of their true counts is the count of the people in one and not
// the other. That covers:
//   - the same category for a nested period (Jan-Jun, then Jan-Jul: July);
//   - a total against a category or a total minus a category (the ICS total,
//     then the total over known ethnicity: the unknowns);
//   - merged categories against one of their parts ("4|5", then "5");
//   - the same population released again after late data (the revision).
// Cells of the same release are compared in the same way when their periods
// differ; within one period the table's groups (table_control.h) protect it.
// Earlier releases to every consumer count, not only the same one: outputs
// may be published or shared onward, and consumers may pool them.
//
// When to refuse. The difference d of the true counts is disclosive when
// 1 <= d <= small_count_max (of the new release's profile or the earlier
// one's, whichever is larger) and both figures were shown. Rounding to 5 is
// deliberately not credited: each release of an overlapping population adds
// an independent rounding, and a series of them (Jan-Jun, Jan-Jul, Jan-Aug)
// narrows the difference to fewer values than a '*' leaves open. When either
// figure is '*' the difference cannot be pinned: '*' leaves the whole small
// band open. Pairs only: a small count spread over three or more releases is
// beyond this check.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/framework/disclosure/profile.h"
#include "server/framework/disclosure/table_control.h"
#include "server/store/sqlite/database.h"

namespace equilink::framework::disclosure {

// Inclusive ISO 8601 days, "2025-01-01" to "2025-06-30".
struct Period {
  std::string first_day{};
  std::string last_day{};
};

struct ReleasedCell {
  std::string indicator_id{};
  Period period{};
  std::string breakdown{};  // kTotalBreakdown for the whole ICS
  // The categories of `breakdown` the cell covers (one for a plain cell,
  // several for merged ones); ignored for kTotalBreakdown.
  std::vector<std::string> categories{};
  int64_t true_numerator = 0;
  int64_t true_denominator = 0;
  std::optional<int64_t> shown_numerator{};  // nullopt when shown as '*'
  std::optional<int64_t> shown_denominator{};
};

struct Release {
  std::string release_id{};
  std::string consumer_org{};  // ODS code of the recipient
  std::string agreement_id{};
  int agreement_version = 0;
  const Profile* profile = nullptr;  // the profile the cells were shown with
  int64_t released_at_unix_seconds = 0;
  std::vector<ReleasedCell> cells{};
};

// The ledger's view of one table after ApplyProfile: `shown[i]` must be the
// result for `table.cells[i]`.
std::vector<ReleasedCell> ReleasedCellsOf(const Table& table,
                                          const Period& period,
                                          const std::vector<ShownCell>& shown);

// Not thread-safe, like the Database it uses; the owner serialises calls.
class ReleaseLedger {
 public:
  // The ledger kept in `db`, a connection to the gateway's store, whose
  // migrations (schema version 7) create the ledger's tables;
  // FailedPrecondition when they are missing. `db` is not owned and must
  // outlive the ledger. Errors from SQLite as mapped by the store.
  static absl::StatusOr<std::unique_ptr<ReleaseLedger>> Open(
      store::sqlite::Database* db);

  // Checks every cell of `release` against the cells already released (see
  // above) and, if none is disclosive, records the release and its cells, all
  // in one transaction: a refused release writes nothing.
  // FailedPrecondition naming the indicator, breakdown, categories and period
  // of the first disclosive cell (never an identifier or a count);
  // AlreadyExists when the release id was recorded before; InvalidArgument for
  // a malformed period, a category containing '|', or no profile;
  // Unavailable when the database is busy.
  absl::Status CheckAndRecord(const Release& release);

 private:
  explicit ReleaseLedger(store::sqlite::Database* db) : db_(db) {}

  absl::Status CheckCell(const Release& release, size_t index);
  absl::Status Record(const Release& release);

  store::sqlite::Database* const db_;
};

}  // namespace equilink::framework::disclosure

#endif  // EQUILINK_SERVER_FRAMEWORK_DISCLOSURE_RELEASE_LEDGER_H_
