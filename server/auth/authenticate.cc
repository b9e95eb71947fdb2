#include "server/auth/authenticate.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpc/grpc_security_constants.h"

namespace equilink::auth {

bool IsValidOrganisationCode(absl::string_view code) {
  if (code.size() < 2 || code.size() > 16) return false;
  for (const char c : code) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

absl::StatusOr<std::string> OrganisationFromAuthContext(
    const grpc::AuthContext& context) {
  if (!context.IsPeerAuthenticated()) {
    return absl::UnauthenticatedError(
        "a client certificate issued by the gateway's CA is required");
  }
  std::optional<absl::string_view> code;
  for (const grpc::string_ref& value :
       context.FindPropertyValues(kUriSanProperty)) {
    const absl::string_view uri(value.data(), value.size());
    if (!absl::StartsWith(uri, kOrganisationUriPrefix)) continue;
    if (code.has_value()) {
      return absl::UnauthenticatedError(absl::StrCat(
          "the client certificate has more than one ", kOrganisationUriPrefix,
          " URI; exactly one is required"));
    }
    code = uri.substr(kOrganisationUriPrefix.size());
  }
  if (!code.has_value()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the client certificate has no ", kOrganisationUriPrefix,
                     "<CODE> URI subject alternative name"));
  }
  if (!IsValidOrganisationCode(*code)) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the organisation code in the client certificate's ",
        kOrganisationUriPrefix, " URI must be 2-16 characters A-Z 0-9"));
  }
  return std::string(*code);
}

namespace {

bool IsValidPersonId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> PersonFromAuthContext(
    const grpc::AuthContext& context) {
  std::optional<absl::string_view> person;
  for (const grpc::string_ref& value :
       context.FindPropertyValues(kUriSanProperty)) {
    const absl::string_view uri(value.data(), value.size());
    if (!absl::StartsWith(uri, kPersonUriPrefix)) continue;
    if (person.has_value()) {
      return absl::UnauthenticatedError(
          absl::StrCat("the client certificate has more than one ",
                       kPersonUriPrefix, " URI; at most one is allowed"));
    }
    person = uri;
  }
  if (!person.has_value()) return std::string();
  if (!IsValidPersonId(person->substr(kPersonUriPrefix.size()))) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the person id in the client certificate's ", kPersonUriPrefix,
        " URI must be 1-64 characters a-z 0-9 . _ -"));
  }
  return std::string(*person);
}

absl::StatusOr<std::string> CertificateSha256FromAuthContext(
    const grpc::AuthContext& context) {
  const std::vector<grpc::string_ref> pems =
      context.FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
  if (pems.empty()) {
    return absl::UnauthenticatedError("no peer certificate");
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pems.front().data(),
                      static_cast<int>(pems.front().size())),
      &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> certificate(
      bio == nullptr ? nullptr
                     : PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
      &X509_free);
  if (certificate == nullptr) {
    return absl::UnauthenticatedError("the peer certificate cannot be parsed");
  }
  unsigned char* der = nullptr;
  const int der_length = i2d_X509(certificate.get(), &der);
  if (der_length <= 0) {
    return absl::UnauthenticatedError("the peer certificate cannot be encoded");
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  const int ok = EVP_Digest(der, static_cast<size_t>(der_length), digest,
                            &digest_length, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  if (ok != 1) return absl::InternalError("SHA-256 failed");
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), digest_length));
}

}  // namespace equilink::auth
