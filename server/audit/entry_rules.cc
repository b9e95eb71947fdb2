#include "server/audit/entry_rules.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "server/audit/entry_hash.h"

namespace equilink::audit {
namespace {

constexpr size_t kMaxNameChars = 64;
constexpr size_t kMaxReasonChars = 256;
// An NHS number has ten digits, often written 3-3-4 with spaces.
constexpr int kMaxDigitsInRun = 9;
// SHA-256 in base64 is 43 characters and in hex 64; 20 leaves room for
// ordinary words joined by underscores, which carry no digit.
constexpr size_t kMaxTokenLikeRun = 19;

absl::Status Invalid(absl::string_view field, absl::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat("audit entry ", field, ": ", rule));
}

bool IsNameChar(char c) {
  return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-';
}

absl::Status CheckName(absl::string_view field, absl::string_view value) {
  if (value.size() > kMaxNameChars) {
    return Invalid(field, "longer than 64 characters");
  }
  for (char c : value) {
    if (!IsNameChar(c)) {
      return Invalid(field, "only A-Z a-z 0-9 . _ : - are allowed");
    }
  }
  return absl::OkStatus();
}

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(c) || c == '+' || c == '/' || c == '=' ||
         c == '_' || c == '-';
}

absl::Status CheckReason(absl::string_view reason) {
  if (reason.size() > kMaxReasonChars) {
    return Invalid("reason", "longer than 256 characters");
  }
  int digits_in_run = 0;
  size_t token_run = 0;
  bool token_run_has_digit = false;
  for (char c : reason) {
    if (!absl::ascii_isprint(c)) {
      return Invalid("reason", "only printable ASCII is allowed");
    }
    if (absl::ascii_isdigit(c)) {
      ++digits_in_run;
    } else if (c != ' ') {
      digits_in_run = 0;
    }
    if (IsTokenChar(c)) {
      ++token_run;
      token_run_has_digit |= absl::ascii_isdigit(c);
    } else {
      token_run = 0;
      token_run_has_digit = false;
    }
    if (digits_in_run > kMaxDigitsInRun) {
      return Invalid("reason", "looks like it holds an identifier");
    }
    if (token_run > kMaxTokenLikeRun && token_run_has_digit) {
      return Invalid("reason", "looks like it holds a token");
    }
  }
  return absl::OkStatus();
}

constexpr absl::string_view kPersonPrefix = "urn:equilink:person:";
constexpr size_t kMaxPersonIdChars = 64;

// The same shape server/auth accepts from a certificate, checked again here
// because the log must never store a free-text name in this field.
absl::Status CheckPerson(absl::string_view person) {
  if (person.empty()) return absl::OkStatus();
  if (!absl::StartsWith(person, kPersonPrefix)) {
    return Invalid("person", "must be urn:equilink:person:<id>");
  }
  const absl::string_view id = person.substr(kPersonPrefix.size());
  if (id.empty() || id.size() > kMaxPersonIdChars) {
    return Invalid("person", "id must be 1-64 characters");
  }
  for (char c : id) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '.' ||
          c == '_' || c == '-')) {
      return Invalid("person", "id allows only a-z 0-9 . _ -");
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool IsAuditId(absl::string_view id) { return CheckName("id", id).ok(); }

absl::Status ValidateNewEntry(const equilink::v1::AuditEntry& entry) {
  if (entry.sequence() != 0 || entry.time_unix_micros() != 0 ||
      !entry.previous_hash().empty() || !entry.entry_hash().empty()) {
    return Invalid("sequence, time and hashes", "are assigned by the log");
  }
  if (entry.decision() == equilink::v1::AUDIT_DECISION_UNSPECIFIED) {
    return Invalid("decision", "is unspecified");
  }
  if (entry.action().empty()) return Invalid("action", "is empty");
  if (entry.principal().organisation_code().empty() ||
      entry.principal().role().empty()) {
    return Invalid("principal", "needs an organisation code and a role");
  }
  const std::pair<absl::string_view, absl::string_view> names[] = {
      {"organisation_code", entry.principal().organisation_code()},
      {"role", entry.principal().role()},
      {"action", entry.action()},
      {"rule_id", entry.rule_id()},
      {"agreement_id", entry.agreement_id()},
      {"request_id", entry.request_id()},
  };
  for (const auto& [field, value] : names) {
    if (absl::Status s = CheckName(field, value); !s.ok()) return s;
  }
  if (absl::Status s = CheckPerson(entry.principal().person()); !s.ok()) {
    return s;
  }
  const size_t hash_size = entry.agreement_version_hash().size();
  if (hash_size != 0 && hash_size != kHashBytes) {
    return Invalid("agreement_version_hash", "must be empty or 32 bytes");
  }
  return CheckReason(entry.reason());
}

}  // namespace equilink::audit
