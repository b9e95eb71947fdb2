#include "common/rpc/client_certificate_verifier.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <optional>
#include <utility>
#include <vector>

#include "absl/memory/memory.h"
#include "absl/status/status.h"

namespace equilink {
namespace {

struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
struct StackFree {
  void operator()(STACK_OF(X509) * stack) const {
    sk_X509_pop_free(stack, X509_free);
  }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* ctx) const { X509_STORE_CTX_free(ctx); }
};

// Every certificate in `pem`, in order; stops at the first block that does
// not parse (a peer's chain is not ours to repair).
std::vector<X509Ptr> ParsePemCertificates(absl::string_view pem) {
  std::vector<X509Ptr> certs;
  if (pem.empty()) return certs;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return certs;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    certs.emplace_back(cert);
  }
  BIO_free(bio);
  // The loop ends on a "no start line" error; leave OpenSSL's thread-local
  // error queue empty for gRPC's own TLS calls on this thread.
  ERR_clear_error();
  return certs;
}

HandshakeRefusal Classify(int error) {
  switch (error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return HandshakeRefusal::kExpired;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return HandshakeRefusal::kNotYetValid;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
      return HandshakeRefusal::kUntrustedIssuer;
    default:
      return HandshakeRefusal::kInvalidCertificate;
  }
}

class Verifier final : public grpc::experimental::ExternalCertificateVerifier {
 public:
  Verifier(std::unique_ptr<ClientChainChecker> checker,
           HandshakeRefusalObserver observer)
      : checker_(std::move(checker)), observer_(std::move(observer)) {}

  // Synchronous: the check is CPU only (one or two signature checks), the
  // same work OpenSSL did on this thread when it verified in the handshake.
  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> /*callback*/,
              grpc::Status* sync_status) override {
    const grpc::string_ref leaf = request->peer_cert();
    const grpc::string_ref chain = request->peer_cert_full_chain();
    const std::optional<HandshakeRefusal> refusal =
        checker_->Check(absl::string_view(leaf.data(), leaf.size()),
                        absl::string_view(chain.data(), chain.size()));
    if (!refusal.has_value()) {
      *sync_status = grpc::Status::OK;
      return true;
    }
    if (observer_) observer_(*refusal);
    *sync_status =
        grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                     std::string(HandshakeRefusalDescription(*refusal)));
    return true;
  }

  // Nothing is ever pending: Verify always answers synchronously.
  void Cancel(
      grpc::experimental::TlsCustomVerificationCheckRequest* /*request*/)
      override {}

 private:
  const std::unique_ptr<ClientChainChecker> checker_;
  const HandshakeRefusalObserver observer_;
};

}  // namespace

struct ClientChainChecker::Store {
  ~Store() { X509_STORE_free(store); }
  X509_STORE* store = nullptr;
};

ClientChainChecker::ClientChainChecker(std::unique_ptr<Store> store)
    : store_(std::move(store)) {}
ClientChainChecker::~ClientChainChecker() = default;

absl::StatusOr<std::unique_ptr<ClientChainChecker>> ClientChainChecker::New(
    const std::string& ca_pem) {
  std::vector<X509Ptr> cas = ParsePemCertificates(ca_pem);
  if (cas.empty()) {
    return absl::InvalidArgumentError("the CA file holds no PEM certificate");
  }
  auto store = std::make_unique<Store>();
  store->store = X509_STORE_new();
  if (store->store == nullptr) {
    return absl::ResourceExhaustedError("cannot allocate an X509 store");
  }
  for (const X509Ptr& ca : cas) {
    if (X509_STORE_add_cert(store->store, ca.get()) != 1) {
      ERR_clear_error();
      return absl::InvalidArgumentError("a CA certificate cannot be used");
    }
  }
  return absl::WrapUnique(new ClientChainChecker(std::move(store)));
}

std::optional<HandshakeRefusal> ClientChainChecker::Check(
    absl::string_view leaf_pem, absl::string_view chain_pem) const {
  std::vector<X509Ptr> leaf = ParsePemCertificates(leaf_pem);
  if (leaf.empty()) {
    return leaf_pem.empty() ? HandshakeRefusal::kNoCertificate
                            : HandshakeRefusal::kInvalidCertificate;
  }
  std::unique_ptr<STACK_OF(X509), StackFree> untrusted(sk_X509_new_null());
  for (X509Ptr& cert : ParsePemCertificates(chain_pem)) {
    if (sk_X509_push(untrusted.get(), cert.get()) > 0) cert.release();
  }
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (ctx == nullptr || untrusted == nullptr ||
      X509_STORE_CTX_init(ctx.get(), store_->store, leaf.front().get(),
                          untrusted.get()) != 1 ||
      X509_STORE_CTX_set_default(ctx.get(), "ssl_client") != 1) {
    ERR_clear_error();
    return HandshakeRefusal::kInvalidCertificate;
  }
  const int verified = X509_verify_cert(ctx.get());
  const int error = X509_STORE_CTX_get_error(ctx.get());
  ERR_clear_error();
  if (verified == 1) return std::nullopt;
  return Classify(error);
}

absl::StatusOr<std::shared_ptr<grpc::experimental::CertificateVerifier>>
MakeClientCertificateVerifier(const std::string& ca_pem,
                              HandshakeRefusalObserver observer) {
  absl::StatusOr<std::unique_ptr<ClientChainChecker>> checker =
      ClientChainChecker::New(ca_pem);
  if (!checker.ok()) return checker.status();
  return grpc::experimental::ExternalCertificateVerifier::Create<Verifier>(
      *std::move(checker), std::move(observer));
}

}  // namespace equilink
