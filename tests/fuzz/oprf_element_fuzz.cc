// The key custodian deserializes every blinded element a client sends, and
// the client every evaluated element the custodian returns. For any bytes:
// BlindEvaluate and Finalize must not crash, must fail only with
// InvalidArgument, must succeed only on a 33-byte input, must return an
// element that deserializes again, and must never echo the input in a
// message.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "common/crypto/oprf_p256.h"
#include "common/status/check.h"

namespace {

const equilink::OprfP256Server& Server() {
  static const equilink::OprfP256Server* const server = [] {
    auto key = equilink::OprfP256Server::DeriveKey(std::string(32, '\x01'),
                                                   "fuzz key");
    EQ_CHECK(key.ok());
    auto s = equilink::OprfP256Server::Create(*key);
    EQ_CHECK(s.ok());
    return s->release();
  }();
  return *server;
}

const equilink::OprfP256Client& Client() {
  static const equilink::OprfP256Client* const client = [] {
    auto c = equilink::OprfP256Client::Create();
    EQ_CHECK(c.ok());
    return c->release();
  }();
  return *client;
}

void CheckRefusal(const absl::Status& status, absl::string_view input) {
  if (status.code() != absl::StatusCode::kInvalidArgument) std::abort();
  if (input.size() >= 4 && absl::string_view(status.message()).find(input) !=
                               absl::string_view::npos) {
    std::abort();
  }
  if (input.size() >= 2 &&
      absl::string_view(status.message()).find(absl::BytesToHexString(input)) !=
          absl::string_view::npos) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view element(reinterpret_cast<const char*>(data), size);
  auto evaluated = Server().BlindEvaluate(element);
  if (evaluated.ok()) {
    if (size != equilink::kP256ElementBytes) std::abort();
    if (evaluated->size() != equilink::kP256ElementBytes) std::abort();
    if (!Server().BlindEvaluate(*evaluated).ok()) std::abort();
  } else {
    CheckRefusal(evaluated.status(), element);
  }

  const equilink::SecretBytes blind(std::string(31, '\0') + "\x07");
  auto output = Client().Finalize("input", blind, element);
  if (output.ok() != evaluated.ok()) std::abort();
  if (output.ok()) {
    if (output->size() != equilink::kOprfP256OutputBytes) std::abort();
  } else {
    CheckRefusal(output.status(), element);
  }
  return 0;
}
