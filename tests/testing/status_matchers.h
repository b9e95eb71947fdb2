#ifndef EQUILINK_TESTS_TESTING_STATUS_MATCHERS_H_
#define EQUILINK_TESTS_TESTING_STATUS_MATCHERS_H_

// GoogleTest matchers for absl::Status and absl::StatusOr (absl 20220623 ships
// none).
//   EXPECT_THAT(store->Commit(b), IsOk());
//   EXPECT_THAT(Parse(x), StatusIs(absl::StatusCode::kInvalidArgument,
//   HasSubstr("row 3")));

#include <ostream>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace equilink::testing {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status;
  return status.ok();
}

MATCHER_P(StatusIs, code, "has status code " + ::testing::PrintToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher, "has status code and message") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         ::testing::Matches(message_matcher)(std::string(status.message()));
}

// Matches an OK StatusOr whose value matches `inner` (absl 20220623 has no
// IsOkAndHolds).
MATCHER_P(IsOkAndHolds, inner, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(inner, *arg, result_listener);
}

}  // namespace equilink::testing

#define EQ_ASSERT_OK_AND_ASSIGN(lhs, expr)                                    \
  EQ_ASSERT_OK_AND_ASSIGN_IMPL_(EQ_TEST_CONCAT_(eq_test_statusor_, __LINE__), \
                                lhs, expr)
#define EQ_TEST_CONCAT_INNER_(a, b) a##b
#define EQ_TEST_CONCAT_(a, b) EQ_TEST_CONCAT_INNER_(a, b)
#define EQ_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  ASSERT_TRUE(statusor.ok()) << statusor.status();         \
  lhs = *std::move(statusor)

#endif  // EQUILINK_TESTS_TESTING_STATUS_MATCHERS_H_
