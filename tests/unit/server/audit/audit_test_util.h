#ifndef EQUILINK_TESTS_UNIT_SERVER_AUDIT_AUDIT_TEST_UTIL_H_
#define EQUILINK_TESTS_UNIT_SERVER_AUDIT_AUDIT_TEST_UTIL_H_

// Shared by the audit tests: a typical decision entry, and a fixture with a
// signing key and a log in a temporary directory.

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "equilink/v1/audit.pb.h"
#include "gtest/gtest.h"
#include "server/audit/audit_log.h"
#include "server/audit/checkpoint_signer.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::audit::testing {

// A batch decision as the submission service will log it.
inline equilink::v1::AuditEntry BatchDecision(int n) {
  equilink::v1::AuditEntry entry;
  entry.mutable_principal()->set_organisation_code("X1A2B");
  entry.mutable_principal()->set_role("submitter");
  // Some decisions are a person's (governance staff), so the chain covers
  // the person field too.
  if (n % 4 == 2) {
    entry.mutable_principal()->set_person("urn:equilink:person:caldicott-01");
  }
  entry.set_action("submission.batch");
  entry.set_decision(n % 5 == 0 ? equilink::v1::AUDIT_DENY
                                : equilink::v1::AUDIT_ALLOW);
  entry.set_rule_id(n % 5 == 0 ? "S11" : "");
  entry.set_reason(n % 5 == 0 ? "batch exceeds max_records_per_batch" : "");
  entry.set_agreement_id("dsa-vcse-01");
  entry.set_agreement_version(3);
  entry.set_agreement_version_hash(std::string(32, '\x5a'));
  entry.mutable_counts()->set_records_accepted(100 + n);
  entry.mutable_counts()->set_records_rejected(n % 3);
  entry.set_request_id(absl::StrCat("sub-", n));
  return entry;
}

class AuditLogFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(CheckpointSigner::GenerateKeyFile(key_path()),
                equilink::testing::IsOk());
    EQ_ASSERT_OK_AND_ASSIGN(std::unique_ptr<CheckpointSigner> signer,
                            CheckpointSigner::LoadFromFile(key_path()));
    EQ_ASSERT_OK_AND_ASSIGN(const std::string pem, signer->PublicKeyPem());
    EQ_ASSERT_OK_AND_ASSIGN(verifier_,
                            CheckpointVerifier::FromPublicKeyPem(pem));
  }

  std::string key_path() const { return dir_.File("audit-signing.pem"); }
  std::string log_path() const { return dir_.File("audit.db"); }

  AuditLog::Options LogOptions(uint64_t checkpoint_interval) const {
    AuditLog::Options options;
    options.path = log_path();
    options.checkpoint_interval = checkpoint_interval;
    options.clock = [] { return absl::FromUnixSeconds(1'750'000'000); };
    return options;
  }

  // Opens the log with the fixture's key; fails the test if it cannot.
  std::unique_ptr<AuditLog> OpenLog(uint64_t checkpoint_interval = 4) {
    return OpenLog(LogOptions(checkpoint_interval));
  }
  // With options a test has adjusted (busy timeout, group size).
  std::unique_ptr<AuditLog> OpenLog(AuditLog::Options options) {
    absl::StatusOr<std::unique_ptr<CheckpointSigner>> signer =
        CheckpointSigner::LoadFromFile(key_path());
    EXPECT_TRUE(signer.ok()) << signer.status();
    if (!signer.ok()) return nullptr;
    absl::StatusOr<std::unique_ptr<AuditLog>> log =
        AuditLog::Open(std::move(options), *std::move(signer));
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? *std::move(log) : nullptr;
  }

  // Appends entries 1..count to a fresh log and closes it.
  void WriteLog(int count, uint64_t checkpoint_interval = 4) {
    std::unique_ptr<AuditLog> log = OpenLog(checkpoint_interval);
    ASSERT_NE(log, nullptr);
    for (int i = 1; i <= count; ++i) {
      ASSERT_THAT(log->Append(BatchDecision(i)), equilink::testing::IsOk());
    }
  }

  equilink::testing::TempDir dir_;
  std::unique_ptr<CheckpointVerifier> verifier_;
};

}  // namespace equilink::audit::testing

#endif  // EQUILINK_TESTS_UNIT_SERVER_AUDIT_AUDIT_TEST_UTIL_H_
