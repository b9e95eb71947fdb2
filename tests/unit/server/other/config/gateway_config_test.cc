#include "server/config/gateway_config.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink::config {
namespace {

using ::equilink::testing::StatusIs;
using ::testing::HasSubstr;

// The smallest configuration the gateway accepts.
constexpr char kMinimal[] = R"pb(
  tls {
    certificate_file: "gateway.pem"
    private_key_file: "gateway.key"
    ca_file: "ca.pem"
  }
  store { sqlite_path: "/var/lib/equilink/equilink.db" }
)pb";

// Tests run from the source tree (gtest_discover_tests WORKING_DIRECTORY).
TEST(GatewayConfigTest, ShippedExampleParsesWithItsGovernanceSettings) {
  absl::StatusOr<v1::GatewayConfig> config =
      LoadGatewayConfig("deploy/gateway.textproto");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->audit().sqlite_path(), "/var/lib/equilink/audit.db");
  EXPECT_EQ(config->audit().checkpoint_signing_key_file(),
            "/var/lib/equilink/audit-signing.key");
  EXPECT_EQ(config->governance().rate_limit_records_per_second(), 50000u);
  EXPECT_THAT(config->governance().local_authority_lookup_file(),
              HasSubstr("IMD2019"));
}

// A configuration without an audit section is still audited: the log and its
// signing key default to files beside the store.
TEST(GatewayConfigTest, AuditFilesDefaultBesideTheStore) {
  absl::StatusOr<v1::GatewayConfig> config = ParseGatewayConfig(kMinimal);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->audit().sqlite_path(), "/var/lib/equilink/audit.db");
  EXPECT_EQ(config->audit().checkpoint_signing_key_file(),
            "/var/lib/equilink/audit-signing.key");
  EXPECT_EQ(config->audit().checkpoint_interval(), 1000u);
  EXPECT_EQ(config->governance().review_grace_days(), 30u);
  EXPECT_EQ(config->governance().purge_interval_hours(), 24u);
  EXPECT_FALSE(config->governance().local_authority_lookup_file().empty());
}

TEST(GatewayConfigTest, AuditLogSharingTheStoreFileIsRefused) {
  const std::string text =
      std::string(kMinimal) +
      R"pb(audit { sqlite_path: "/var/lib/equilink/equilink.db" })pb";
  EXPECT_THAT(ParseGatewayConfig(text),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("audit.sqlite_path")));
}

TEST(GatewayConfigTest, RateLimitBurstBelowOneFullBatchIsRefused) {
  const std::string text = std::string(kMinimal) + R"pb(
    max_batch_records: 5000
    governance { rate_limit_burst_records: 100 }
  )pb";
  EXPECT_THAT(ParseGatewayConfig(text),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("governance.rate_limit_burst_records")));
}

TEST(GatewayConfigTest, UnknownFieldIsRefusedByName) {
  const std::string text =
      std::string(kMinimal) + R"pb(governance { enforce: false })pb";
  EXPECT_THAT(
      ParseGatewayConfig(text),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("enforce")));
}

}  // namespace
}  // namespace equilink::config
