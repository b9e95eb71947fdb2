#include "server/config/gateway_config.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/status_macros.h"
#include "common/status/text_proto.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace equilink::config {
namespace {

// The English Indices of Deprivation 2019 File 1, as shipped in deploy/data:
// an installed gateway finds it where the package puts it, a build tree finds
// the source copy.
constexpr char kDefaultLocalAuthorityLookup[] = EQUILINK_DEFAULT_LA_LOOKUP;
constexpr char kDefaultCatalogue[] = EQUILINK_DEFAULT_CATALOGUE;
constexpr char kDefaultPopulation[] = EQUILINK_DEFAULT_POPULATION;

bool IsOrganisationCode(absl::string_view code) {
  if (code.size() < 2 || code.size() > 16) return false;
  for (char c : code) {
    if (!absl::ascii_isupper(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

void ApplyDefaultsInPlace(v1::GatewayConfig& config) {
  if (config.listen_address().empty())
    config.set_listen_address("127.0.0.1:7443");
  v1::StoreConfig& store = *config.mutable_store();
  if (store.group_commit_max_batches() == 0)
    store.set_group_commit_max_batches(64);
  if (store.busy_timeout_ms() == 0) store.set_busy_timeout_ms(5000);
  if (config.max_batch_records() == 0) config.set_max_batch_records(5000);
  if (config.max_message_bytes() == 0) config.set_max_message_bytes(16 << 20);
  if (config.max_concurrent_streams() == 0)
    config.set_max_concurrent_streams(64);
  if (config.shutdown_grace_seconds() == 0)
    config.set_shutdown_grace_seconds(30);
  if (config.worker_threads() == 0) config.set_worker_threads(8);
  if (config.max_in_flight_batch_bytes() == 0)
    config.set_max_in_flight_batch_bytes(uint64_t{256} << 20);
  if (config.ingest_budget_wait_seconds() == 0)
    config.set_ingest_budget_wait_seconds(10);

  // The audit log and its signing key default to files beside the store, so a
  // minimal configuration is still audited.
  const std::filesystem::path store_dir =
      std::filesystem::path(store.sqlite_path()).parent_path();
  v1::AuditConfig& audit = *config.mutable_audit();
  if (audit.sqlite_path().empty() && !store.sqlite_path().empty())
    audit.set_sqlite_path((store_dir / "audit.db").string());
  if (audit.checkpoint_signing_key_file().empty() &&
      !store.sqlite_path().empty()) {
    audit.set_checkpoint_signing_key_file(
        (store_dir / "audit-signing.key").string());
  }
  if (audit.checkpoint_interval() == 0) audit.set_checkpoint_interval(1000);
  v1::ExtractConfig& extract = *config.mutable_extract();
  if (extract.release_key_file().empty() && !store.sqlite_path().empty()) {
    extract.set_release_key_file((store_dir / "release.key").string());
  }

  v1::GovernanceConfig& governance = *config.mutable_governance();
  if (governance.local_authority_lookup_file().empty()) {
    governance.set_local_authority_lookup_file(kDefaultLocalAuthorityLookup);
  }
  if (governance.review_grace_days() == 0) governance.set_review_grace_days(30);
  if (governance.rate_limit_records_per_second() == 0)
    governance.set_rate_limit_records_per_second(50000);
  if (governance.rate_limit_burst_records() == 0)
    governance.set_rate_limit_burst_records(250000);
  if (governance.purge_interval_hours() == 0)
    governance.set_purge_interval_hours(24);

  v1::FrameworkConfig& framework = *config.mutable_framework();
  if (framework.indicator_catalogue_file().empty()) {
    framework.set_indicator_catalogue_file(kDefaultCatalogue);
  }
  if (framework.population_denominators_file().empty()) {
    framework.set_population_denominators_file(kDefaultPopulation);
  }
  if (framework.ics_code().empty()) framework.set_ics_code("ICS");
  if (framework.ics_name().empty()) {
    framework.set_ics_name("Integrated Care System");
  }
}

absl::Status Validate(const v1::GatewayConfig& config) {
  auto invalid = [](absl::string_view field, absl::string_view rule) {
    return absl::InvalidArgumentError(
        absl::StrCat("config field ", field, ": ", rule));
  };
  if (config.tls().certificate_file().empty())
    return invalid("tls.certificate_file", "required");
  if (config.tls().private_key_file().empty())
    return invalid("tls.private_key_file", "required");
  if (config.tls().ca_file().empty()) {
    return invalid("tls.ca_file",
                   "required: the gateway accepts only mutual TLS");
  }
  if (config.store().sqlite_path().empty())
    return invalid("store.sqlite_path", "required");
  if (config.max_batch_records() > 100000) {
    return invalid("max_batch_records", "must be at most 100000");
  }
  if (config.max_message_bytes() < (64 << 10) ||
      config.max_message_bytes() > (256 << 20)) {
    return invalid("max_message_bytes", "must be between 64 KiB and 256 MiB");
  }
  if (config.worker_threads() > 256)
    return invalid("worker_threads", "must be at most 256");
  if (config.audit().sqlite_path() == config.store().sqlite_path()) {
    return invalid("audit.sqlite_path",
                   "must be a file of its own, apart from the record store");
  }
  if (config.governance().rate_limit_burst_records() <
      config.max_batch_records()) {
    return invalid("governance.rate_limit_burst_records",
                   "must be at least max_batch_records, or no full batch "
                   "could ever pass");
  }
  absl::flat_hash_set<std::string> codes;
  for (int i = 0; i < config.organisations_size(); ++i) {
    const v1::OrganisationSeed& org = config.organisations(i);
    const std::string field = absl::StrCat("organisations[", i, "]");
    if (!IsOrganisationCode(org.code())) {
      return invalid(field + ".code", "must be 2-16 characters of A-Z and 0-9");
    }
    if (!codes.insert(org.code()).second)
      return invalid(field + ".code", "duplicate code");
    if (org.roles().empty())
      return invalid(field + ".roles", "at least one role is required");
    for (const std::string& role : org.roles()) {
      if (!IsKnownRole(role)) {
        return invalid(field + ".roles",
                       "unknown role; expected submitter, governance, "
                       "consumer, auditor or admin");
      }
    }
  }
  return absl::OkStatus();
}

std::string ResolveAgainst(const std::filesystem::path& dir,
                           const std::string& path) {
  if (path.empty() || path == ":memory:") return path;
  std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  return (dir / p).lexically_normal().string();
}

}  // namespace

void ApplyGatewayConfigDefaults(v1::GatewayConfig& config) {
  ApplyDefaultsInPlace(config);
}

bool IsKnownRole(absl::string_view role) {
  return role == "submitter" || role == "governance" || role == "consumer" ||
         role == "auditor" || role == "admin";
}

absl::StatusOr<v1::GatewayConfig> ParseGatewayConfig(absl::string_view text) {
  v1::GatewayConfig config;
  if (absl::Status parsed = ParseTextProto(text, &config); !parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("gateway config: ", parsed.message()));
  }
  ApplyDefaultsInPlace(config);
  EQ_RETURN_IF_ERROR(Validate(config));
  return config;
}

absl::StatusOr<v1::GatewayConfig> LoadGatewayConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return absl::NotFoundError(
        absl::StrCat("cannot read gateway config ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  absl::StatusOr<v1::GatewayConfig> config = ParseGatewayConfig(buffer.str());
  if (!config.ok()) {
    return absl::Status(config.status().code(),
                        absl::StrCat(path, ": ", config.status().message()));
  }
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  v1::TlsFiles& tls = *config->mutable_tls();
  tls.set_certificate_file(ResolveAgainst(dir, tls.certificate_file()));
  tls.set_private_key_file(ResolveAgainst(dir, tls.private_key_file()));
  tls.set_ca_file(ResolveAgainst(dir, tls.ca_file()));
  config->mutable_store()->set_sqlite_path(
      ResolveAgainst(dir, config->store().sqlite_path()));
  v1::AuditConfig& audit = *config->mutable_audit();
  audit.set_sqlite_path(ResolveAgainst(dir, audit.sqlite_path()));
  audit.set_checkpoint_signing_key_file(
      ResolveAgainst(dir, audit.checkpoint_signing_key_file()));
  v1::ExtractConfig& extract = *config->mutable_extract();
  extract.set_release_key_file(ResolveAgainst(dir, extract.release_key_file()));
  v1::GovernanceConfig& governance = *config->mutable_governance();
  governance.set_local_authority_lookup_file(
      ResolveAgainst(dir, governance.local_authority_lookup_file()));
  v1::FrameworkConfig& framework = *config->mutable_framework();
  framework.set_indicator_catalogue_file(
      ResolveAgainst(dir, framework.indicator_catalogue_file()));
  framework.set_population_denominators_file(
      ResolveAgainst(dir, framework.population_denominators_file()));
  return config;
}

}  // namespace equilink::config
