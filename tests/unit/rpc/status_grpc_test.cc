#include "common/rpc/status_grpc.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace equilink {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ToGrpcStatusTest, OkIsOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(ToGrpcStatusTest, ClientErrorsKeepCodeAndMessage) {
  const grpc::Status status =
      ToGrpcStatus(absl::InvalidArgumentError("batch 3: field sex is missing"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "batch 3: field sex is missing");

  EXPECT_EQ(ToGrpcStatus(absl::PermissionDeniedError("role submitter required"))
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ToGrpcStatus(absl::UnauthenticatedError("x")).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST(ToGrpcStatusTest, EveryCanonicalCodeIsCastUnchanged) {
  for (int code = 1; code <= 16; ++code) {
    const absl::Status in(static_cast<absl::StatusCode>(code), "m");
    EXPECT_EQ(static_cast<int>(ToGrpcStatus(in).error_code()), code);
  }
}

TEST(ToGrpcStatusTest, ServerSideErrorsSendOnlyACorrelationId) {
  for (const absl::Status& detail :
       {absl::InternalError("sqlite: disk I/O error at /var/lib/equilink/db"),
        absl::UnknownError("sqlite: disk I/O error at /var/lib/equilink/db"),
        absl::DataLossError(
            "sqlite: disk I/O error at /var/lib/equilink/db")}) {
    ::testing::internal::CaptureStderr();
    const grpc::Status status = ToGrpcStatus(detail);
    const std::string log = ::testing::internal::GetCapturedStderr();

    EXPECT_EQ(static_cast<int>(status.error_code()),
              static_cast<int>(detail.code()));
    EXPECT_THAT(status.error_message(), Not(HasSubstr("sqlite")));
    EXPECT_THAT(status.error_message(), Not(HasSubstr("/var/lib")));
    EXPECT_THAT(status.error_message(), HasSubstr("correlation id "));

    // The operator's log has the detail under the same id the caller got.
    const std::string id = status.error_message().substr(
        status.error_message().find("correlation id ") + 15, 16);
    EXPECT_THAT(log, HasSubstr(id));
    EXPECT_THAT(log, HasSubstr("disk I/O error"));
  }
}

TEST(ToGrpcStatusTest, CorrelationIdsDiffer) {
  ::testing::internal::CaptureStderr();
  const std::string a = ToGrpcStatus(absl::InternalError("x")).error_message();
  const std::string b = ToGrpcStatus(absl::InternalError("x")).error_message();
  ::testing::internal::GetCapturedStderr();
  EXPECT_NE(a, b);
}

TEST(FromGrpcStatusTest, OkIsOk) {
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(FromGrpcStatusTest, RoundTripsEveryCanonicalCode) {
  for (int code = 1; code <= 16; ++code) {
    const grpc::Status in(static_cast<grpc::StatusCode>(code), "msg");
    const absl::Status out = FromGrpcStatus(in);
    EXPECT_EQ(static_cast<int>(out.code()), code);
    EXPECT_EQ(out.message(), "msg");
  }
}

TEST(FromGrpcStatusTest, UnknownCodeBecomesUnknown) {
  // 20 names no gRPC code yet lies within the enum's range (-32..31, from its
  // enumerators -1..16); a value outside it, as 42 was, is itself undefined
  // behaviour (UBSan's finding).
  const absl::Status out =
      FromGrpcStatus(grpc::Status(static_cast<grpc::StatusCode>(20), "odd"));
  EXPECT_EQ(out.code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(out.message(), "odd");
}

}  // namespace
}  // namespace equilink
