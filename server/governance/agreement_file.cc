#include "server/governance/agreement_file.h"

#include <openssl/evp.h>

#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/check.h"
#include "common/status/text_proto.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"

namespace equilink::governance {
absl::StatusOr<v1::Agreement> ParseAgreementText(absl::string_view text) {
  v1::Agreement agreement;
  if (absl::Status parsed = ParseTextProto(text, &agreement); !parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("agreement text format: ", parsed.message()));
  }
  return agreement;
}

absl::StatusOr<v1::Agreement> ParseAgreementJson(absl::string_view json) {
  v1::Agreement agreement;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      std::string(json), &agreement, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("agreement JSON: ", std::string(status.message())));
  }
  if (absl::Status utf8 = CheckStringFieldsAreUtf8(agreement); !utf8.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("agreement JSON: ", utf8.message()));
  }
  return agreement;
}

absl::StatusOr<v1::Agreement> LoadAgreementFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  absl::StatusOr<v1::Agreement> agreement =
      absl::EndsWith(path, ".json") ? ParseAgreementJson(buffer.str())
                                    : ParseAgreementText(buffer.str());
  if (!agreement.ok()) {
    return absl::Status(agreement.status().code(),
                        absl::StrCat(path, ": ", agreement.status().message()));
  }
  return agreement;
}

std::string CanonicalAgreementBytes(const v1::Agreement& agreement) {
  v1::Agreement content = agreement;
  content.clear_status();
  // Unknown fields could only come from a newer schema's binary encoding;
  // they are not part of anything this code can check, so not of the hash.
  content.DiscardUnknownFields();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream coded(&raw);
    coded.SetSerializationDeterministic(true);
    EQ_CHECK(content.SerializeToCodedStream(&coded));
  }
  return bytes;
}

std::string AgreementVersionHash(const v1::Agreement& agreement) {
  return VersionHashOfCanonicalBytes(CanonicalAgreementBytes(agreement));
}

std::string VersionHashOfCanonicalBytes(absl::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EQ_CHECK(EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(),
                      nullptr) == 1);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace equilink::governance
