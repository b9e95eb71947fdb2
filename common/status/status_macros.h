#ifndef EQUILINK_COMMON_STATUS_STATUS_MACROS_H_
#define EQUILINK_COMMON_STATUS_STATUS_MACROS_H_

// absl 20220623 (Debian bookworm) ships no status macros, so the project has
// its own two. Both evaluate `expr` exactly once.

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define EQ_STATUS_CONCAT_INNER_(a, b) a##b
#define EQ_STATUS_CONCAT_(a, b) EQ_STATUS_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define EQ_RETURN_IF_ERROR(expr)              \
  do {                                        \
    const ::absl::Status eq_status_ = (expr); \
    if (!eq_status_.ok()) return eq_status_;  \
  } while (0)

// `EQ_ASSIGN_OR_RETURN(auto x, MakeX());` declares or assigns `lhs` from the
// value of a StatusOr, or returns its status from the enclosing function.
#define EQ_ASSIGN_OR_RETURN(lhs, expr)                                      \
  EQ_ASSIGN_OR_RETURN_IMPL_(EQ_STATUS_CONCAT_(eq_statusor_, __LINE__), lhs, \
                            expr)

#define EQ_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr)     \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = *std::move(statusor)

#endif  // EQUILINK_COMMON_STATUS_STATUS_MACROS_H_
