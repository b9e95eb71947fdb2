#include "client/commands/optout_command.h"

#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/csv/csv_reader.h"
#include "common/crypto/hmac_sha256.h"
#include "common/normalise/nhs_number.h"
#include "common/pseudo/keyed_token.h"
#include "common/pseudo/subkeys.h"
#include "common/rpc/status_grpc.h"
#include "common/status/status_macros.h"

namespace equilink::client {
namespace {

// Rows named in the refusal; a list with thousands of bad rows is the wrong
// file, and the first few say so.
constexpr size_t kRowsNamed = 20;

absl::Status InvalidRows(const std::vector<int>& rows) {
  std::vector<int> named(rows.begin(),
                         rows.begin() + std::min(rows.size(), kRowsNamed));
  std::string message = absl::StrCat(
      "opt-out list refused, nothing uploaded: ", rows.size(),
      " line(s) are not valid NHS numbers (ten digits, modulus 11 check "
      "digit): row(s) ",
      absl::StrJoin(named, ", "));
  if (rows.size() > named.size()) {
    absl::StrAppend(&message, " and ", rows.size() - named.size(), " more");
  }
  return absl::InvalidArgumentError(message);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ReadOptOutTokens(
    const std::string& path, const LinkageKey& key) {
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<CsvReader> reader, CsvReader::Open(path));
  EQ_ASSIGN_OR_RETURN(SecretBytes subkey,
                      DeriveSubkey(key.secret(), kPurposeNhsNumber));
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<HmacSha256> mac,
                      HmacSha256::Create(subkey));

  std::vector<std::string> tokens;
  std::vector<int> invalid_rows;
  // -1 until the first row decides: a header naming nhs_number, or data.
  int column = -1;
  bool first = true;
  CsvRow row;
  while (true) {
    EQ_ASSIGN_OR_RETURN(const bool more, reader->Next(&row));
    if (!more) break;
    if (first) {
      first = false;
      for (size_t i = 0; i < row.fields.size(); ++i) {
        if (absl::AsciiStrToLower(absl::StripAsciiWhitespace(row.fields[i])) ==
            "nhs_number") {
          column = static_cast<int>(i);
        }
      }
      if (column >= 0) continue;  // the header
      column = 0;
    }
    const absl::string_view raw =
        static_cast<size_t>(column) < row.fields.size()
            ? absl::string_view(row.fields[column])
            : absl::string_view();
    NhsNumberResult checked = CheckNhsNumber(raw);
    if (checked.check != NhsNumberCheck::kValid) {
      invalid_rows.push_back(row.row_number);
      continue;
    }
    std::string token(HmacSha256::kOutputBytes, '\0');
    ComputeKeyedToken(*mac, {checked.digits},
                      reinterpret_cast<uint8_t*>(token.data()));
    tokens.push_back(std::move(token));
  }
  if (!invalid_rows.empty()) return InvalidRows(invalid_rows);
  return tokens;
}

absl::StatusOr<v1::OptOutListInfo> RunOptOutUpload(
    const OptOutUploadOptions& options) {
  if (options.nhs_numbers_path.empty() || options.linkage_key_path.empty()) {
    return absl::InvalidArgumentError(
        "--nhs_numbers=FILE and --linkage_key=KEY are required");
  }
  EQ_ASSIGN_OR_RETURN(LinkageKey key,
                      LinkageKey::ReadFromFile(options.linkage_key_path));
  EQ_ASSIGN_OR_RETURN(std::vector<std::string> tokens,
                      ReadOptOutTokens(options.nhs_numbers_path, key));
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<v1::GovernanceService::Stub> stub,
                      ConnectGovernance(options.gateway));
  GatewayConnection long_call = options.gateway;
  long_call.deadline = absl::Minutes(30);
  std::unique_ptr<grpc::ClientContext> context = CallContext(long_call);
  v1::OptOutListInfo info;
  std::unique_ptr<grpc::ClientWriter<v1::OptOutListChunk>> writer =
      stub->UploadOptOutList(context.get(), &info);
  const size_t per_chunk = std::max<size_t>(options.tokens_per_chunk, 1);
  size_t next = 0;
  do {
    v1::OptOutListChunk chunk;
    if (next == 0) {
      chunk.set_key_id(key.key_id());
      chunk.set_description(options.description);
    }
    const size_t end = std::min(tokens.size(), next + per_chunk);
    for (; next < end; ++next) {
      chunk.add_nhs_number_tokens(std::move(tokens[next]));
    }
    // A failed write means the server has ended the call; Finish says why.
    if (!writer->Write(chunk)) break;
  } while (next < tokens.size());
  writer->WritesDone();
  EQ_RETURN_IF_ERROR(FromGrpcStatus(writer->Finish()));
  return info;
}

}  // namespace equilink::client
