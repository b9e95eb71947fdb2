#include "client/pipeline/submission_id.h"

#include <openssl/evp.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace equilink::client {
namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

// Each part is length-prefixed so that no two different tuples hash the same
// bytes.
void UpdateWithPart(EVP_MD_CTX* ctx, absl::string_view part) {
  const uint64_t length = part.size();
  unsigned char prefix[8];
  for (int i = 0; i < 8; ++i)
    prefix[i] = static_cast<unsigned char>(length >> (8 * i));
  EVP_DigestUpdate(ctx, prefix, sizeof(prefix));
  EVP_DigestUpdate(ctx, part.data(), part.size());
}

}  // namespace

absl::StatusOr<std::string> DeriveSubmissionId(
    const std::string& input_path, absl::string_view organisation_code,
    absl::string_view profile_id, absl::string_view key_id,
    int rows_per_batch) {
  std::unique_ptr<std::FILE, FileCloser> file(
      std::fopen(input_path.c_str(), "rb"));
  if (file == nullptr)
    return absl::NotFoundError(absl::StrCat("cannot read ", input_path));
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (ctx == nullptr ||
      EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return absl::InternalError("SHA-256 unavailable");
  }
  UpdateWithPart(ctx.get(), "equilink-submission-v1");
  UpdateWithPart(ctx.get(), organisation_code);
  UpdateWithPart(ctx.get(), profile_id);
  UpdateWithPart(ctx.get(), key_id);
  UpdateWithPart(ctx.get(), absl::StrCat(rows_per_batch));
  std::vector<char> buffer(1 << 20);
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), file.get())) > 0) {
    EVP_DigestUpdate(ctx.get(), buffer.data(), n);
  }
  if (std::ferror(file.get()))
    return absl::DataLossError(absl::StrCat("error reading ", input_path));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &digest_length);
  return absl::StrCat("sub-", absl::BytesToHexString(absl::string_view(
                                  reinterpret_cast<char*>(digest), 12)));
}

}  // namespace equilink::client
