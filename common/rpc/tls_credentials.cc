#include "common/rpc/tls_credentials.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/rpc/client_certificate_verifier.h"
#include "common/status/status_macros.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"

namespace equilink {
namespace {

// PEM files are a few KiB; anything much larger is the wrong file.
constexpr off_t kMaxPemFileBytes = 1 << 20;

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

// A private key's PEM text, wiped when it goes out of scope. gRPC copies what
// it is given, so our copy need not outlive credential construction.
class KeyPem {
 public:
  KeyPem() = default;
  ~KeyPem() { OPENSSL_cleanse(text_.data(), text_.size()); }
  KeyPem(KeyPem&& other) noexcept : text_(std::move(other.text_)) {}
  KeyPem& operator=(KeyPem&&) = delete;
  KeyPem(const KeyPem&) = delete;
  KeyPem& operator=(const KeyPem&) = delete;
  std::string& text() { return text_; }

 private:
  std::string text_;
};

struct TlsMaterial {
  std::string certificate_chain;
  KeyPem private_key;
  std::string ca_certificates;
};

// Reads `path` into `out` through one descriptor, so the permission check and
// the read see the same file (no window for a swap in between).
absl::Status ReadPemFile(const std::string& field, const std::string& path,
                         bool is_private_key, std::string& out) {
  if (path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("tls.", field, " is empty"));
  }
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", path));
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { close(fd); }
  } closer{fd};

  struct stat st {};
  if (fstat(fd, &st) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot stat ", path));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is not a regular file"));
  }
  // The rule for every private key in the project (TLS keys and linkage
  // keys): no access at all for group or others, so that another account on
  // the machine cannot impersonate the gateway or an organisation.
  if (is_private_key && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "private key file %s has mode %04o: it must not be accessible to group "
        "or others (chmod 0600 or stricter)",
        path, st.st_mode & 07777));
  }
  if (st.st_size > kMaxPemFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is larger than 1 MiB; not a PEM file"));
  }
  out.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("cannot read ", path));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return absl::OkStatus();
}

BioPtr MemBio(const std::string& text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// Never prompt on a terminal for a passphrase: an encrypted key just fails.
int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) {
  return -1;
}

// The first certificate in `pem` (the leaf, for a chain file), after checking
// that every PEM block parses.
absl::StatusOr<X509Ptr> ParseCertificates(const std::string& path,
                                          const std::string& pem) {
  BioPtr bio = MemBio(pem);
  X509Ptr first;
  while (true) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr));
    if (cert == nullptr) break;
    if (first == nullptr) first = std::move(cert);
  }
  // The loop ends on a "no start line" error; leave OpenSSL's thread-local
  // error queue empty for gRPC's own TLS calls.
  ERR_clear_error();
  if (first == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " holds no PEM certificate"));
  }
  return first;
}

absl::StatusOr<TlsMaterial> LoadTlsMaterial(const v1::TlsFiles& files) {
  TlsMaterial material;
  EQ_RETURN_IF_ERROR(ReadPemFile("certificate_file", files.certificate_file(),
                                 false, material.certificate_chain));
  EQ_RETURN_IF_ERROR(ReadPemFile("private_key_file", files.private_key_file(),
                                 true, material.private_key.text()));
  EQ_RETURN_IF_ERROR(
      ReadPemFile("ca_file", files.ca_file(), false, material.ca_certificates));

  EQ_ASSIGN_OR_RETURN(
      X509Ptr leaf,
      ParseCertificates(files.certificate_file(), material.certificate_chain));
  EQ_RETURN_IF_ERROR(
      ParseCertificates(files.ca_file(), material.ca_certificates).status());

  BioPtr key_bio = MemBio(material.private_key.text());
  PkeyPtr key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, NoPassphrase, nullptr));
  ERR_clear_error();
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        files.private_key_file(),
        " holds no unencrypted PEM private key (encrypted keys are not "
        "supported)"));
  }
  if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the private key in ", files.private_key_file(),
        " does not match the certificate in ", files.certificate_file()));
  }
  if (X509_cmp_current_time(X509_get0_notAfter(leaf.get())) <= 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the certificate in ", files.certificate_file(), " has expired"));
  }
  return material;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const v1::TlsFiles& files, HandshakeRefusalObserver observer) {
  EQ_ASSIGN_OR_RETURN(TlsMaterial material, LoadTlsMaterial(files));
  EQ_ASSIGN_OR_RETURN(
      std::shared_ptr<grpc::experimental::CertificateVerifier> verifier,
      MakeClientCertificateVerifier(material.ca_certificates,
                                    std::move(observer)));
  grpc::experimental::IdentityKeyCertPair identity;
  identity.private_key = material.private_key.text();
  identity.certificate_chain = material.certificate_chain;
  auto provider =
      std::make_shared<grpc::experimental::StaticDataCertificateProvider>(
          material.ca_certificates,
          std::vector<grpc::experimental::IdentityKeyCertPair>{identity});
  OPENSSL_cleanse(identity.private_key.data(), identity.private_key.size());
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  // "Don't verify" only moves chain verification out of OpenSSL's handshake
  // into `verifier`, which refuses exactly what OpenSSL would have (and a
  // missing certificate too), but where we can see it. A client without a
  // certificate is let through the handshake for the same reason; the
  // verifier refuses it before any handler runs.
  options.set_cert_request_type(
      GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_BUT_DONT_VERIFY);
  options.set_certificate_verifier(std::move(verifier));
  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::experimental::TlsServerCredentials(options);
  if (credentials == nullptr) {
    return absl::InternalError("gRPC refused the server TLS credentials");
  }
  return credentials;
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
MakeChannelCredentials(const v1::TlsFiles& files) {
  EQ_ASSIGN_OR_RETURN(TlsMaterial material, LoadTlsMaterial(files));
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = material.ca_certificates;
  options.pem_private_key = material.private_key.text();
  options.pem_cert_chain = material.certificate_chain;
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::SslCredentials(options);
  OPENSSL_cleanse(options.pem_private_key.data(),
                  options.pem_private_key.size());
  if (credentials == nullptr) {
    return absl::InternalError("gRPC refused the client TLS credentials");
  }
  return credentials;
}

}  // namespace equilink
