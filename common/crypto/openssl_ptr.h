#ifndef EQUILINK_COMMON_CRYPTO_OPENSSL_PTR_H_
#define EQUILINK_COMMON_CRYPTO_OPENSSL_PTR_H_

// Owning pointers for the OpenSSL big-number and elliptic-curve objects. The
// BIGNUM and EC_POINT deleters use the clearing variants because most values
// held here are secret (keys, blinds) or derived from an identifier.

#include <openssl/bn.h>
#include <openssl/ec.h>

#include <memory>

namespace equilink {

struct BignumDeleter {
  void operator()(BIGNUM* bn) const { BN_clear_free(bn); }
};
struct BnCtxDeleter {
  // BN_CTX_free clears the pooled temporaries before freeing them.
  void operator()(BN_CTX* ctx) const { BN_CTX_free(ctx); }
};
struct BnMontCtxDeleter {
  void operator()(BN_MONT_CTX* mont) const { BN_MONT_CTX_free(mont); }
};
struct EcGroupDeleter {
  void operator()(EC_GROUP* group) const { EC_GROUP_free(group); }
};
struct EcPointDeleter {
  void operator()(EC_POINT* point) const { EC_POINT_clear_free(point); }
};

using BignumPtr = std::unique_ptr<BIGNUM, BignumDeleter>;
using BnCtxPtr = std::unique_ptr<BN_CTX, BnCtxDeleter>;
using BnMontCtxPtr = std::unique_ptr<BN_MONT_CTX, BnMontCtxDeleter>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, EcGroupDeleter>;
using EcPointPtr = std::unique_ptr<EC_POINT, EcPointDeleter>;

}  // namespace equilink

#endif  // EQUILINK_COMMON_CRYPTO_OPENSSL_PTR_H_
