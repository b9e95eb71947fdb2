#include "client/commands/pull_command.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/rpc/channel_options.h"
#include "common/rpc/status_grpc.h"
#include "common/rpc/tls_credentials.h"
#include "common/status/status_macros.h"
#include "equilink/v1/extract.grpc.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/create_channel.h"

namespace equilink::client {
namespace {

using google::protobuf::FieldDescriptor;

constexpr absl::string_view kFixedColumns =
    "record_release_pseudonym,person_release_pseudonym,linked,link_stage,"
    "match_probability";

// RFC 4180: quoted only when it must be.
void AppendCsvField(absl::string_view value, std::string* line) {
  if (value.find_first_of(",\"\r\n") == absl::string_view::npos) {
    line->append(value.data(), value.size());
    return;
  }
  line->push_back('"');
  for (const char c : value) {
    if (c == '"') line->push_back('"');
    line->push_back(c);
  }
  line->push_back('"');
}

void AppendHex(absl::string_view bytes, std::string* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const size_t start = out->size();
  out->resize(start + 2 * bytes.size());
  char* at = out->data() + start;
  for (const char c : bytes) {
    const auto byte = static_cast<uint8_t>(c);
    *at++ = kDigits[byte >> 4];
    *at++ = kDigits[byte & 0xf];
  }
}

// One value of `field` (element `index` when repeated) as CSV text, appended.
void AppendScalar(const google::protobuf::Message& message,
                  const FieldDescriptor& field, int index, std::string* out) {
  const google::protobuf::Reflection& r = *message.GetReflection();
  const bool repeated = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& value =
          repeated
              ? r.GetRepeatedStringReference(message, &field, index, &scratch)
              : r.GetStringReference(message, &field, &scratch);
      if (field.type() == FieldDescriptor::TYPE_BYTES) {
        AppendHex(value, out);
      } else {
        out->append(value);
      }
      return;
    }
    case FieldDescriptor::CPPTYPE_UINT32:
      absl::StrAppend(out, repeated
                               ? r.GetRepeatedUInt32(message, &field, index)
                               : r.GetUInt32(message, &field));
      return;
    case FieldDescriptor::CPPTYPE_INT32:
      absl::StrAppend(out, repeated ? r.GetRepeatedInt32(message, &field, index)
                                    : r.GetInt32(message, &field));
      return;
    case FieldDescriptor::CPPTYPE_UINT64:
      absl::StrAppend(out, repeated
                               ? r.GetRepeatedUInt64(message, &field, index)
                               : r.GetUInt64(message, &field));
      return;
    case FieldDescriptor::CPPTYPE_INT64:
      absl::StrAppend(out, repeated ? r.GetRepeatedInt64(message, &field, index)
                                    : r.GetInt64(message, &field));
      return;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      absl::StrAppend(out, repeated
                               ? r.GetRepeatedDouble(message, &field, index)
                               : r.GetDouble(message, &field));
      return;
    case FieldDescriptor::CPPTYPE_FLOAT:
      absl::StrAppend(out, repeated ? r.GetRepeatedFloat(message, &field, index)
                                    : r.GetFloat(message, &field));
      return;
    case FieldDescriptor::CPPTYPE_BOOL:
      out->push_back((repeated ? r.GetRepeatedBool(message, &field, index)
                               : r.GetBool(message, &field))
                         ? '1'
                         : '0');
      return;
    case FieldDescriptor::CPPTYPE_ENUM:
      out->append((repeated ? r.GetRepeatedEnum(message, &field, index)
                            : r.GetEnum(message, &field))
                      ->name());
      return;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      out->append((repeated ? r.GetRepeatedMessage(message, &field, index)
                            : r.GetMessage(message, &field))
                      .ShortDebugString());
      return;
  }
}

// A whole field as one CSV cell: repeated values joined with ';', then
// quoted as the whole cell needs. `cell` is scratch, reused across calls.
void AppendField(const google::protobuf::Message& message,
                 const FieldDescriptor& field, std::string* cell,
                 std::string* out) {
  const google::protobuf::Reflection& r = *message.GetReflection();
  cell->clear();
  if (!field.is_repeated()) {
    if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        !r.HasField(message, &field)) {
      return;
    }
    AppendScalar(message, field, 0, cell);
  } else {
    const int size = r.FieldSize(message, &field);
    for (int i = 0; i < size; ++i) {
      if (i > 0) cell->push_back(';');
      AppendScalar(message, field, i, cell);
    }
  }
  AppendCsvField(*cell, out);
}

absl::StatusOr<std::string> ReadCursorFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (!std::filesystem::exists(path)) return std::string();
    return absl::UnavailableError(
        absl::StrCat("cursor file ", path, " cannot be read"));
  }
  std::stringstream text;
  text << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(text.str()));
}

// Writes `content` to `path` through a temporary file and a rename, so a
// crash leaves either the old file or the new one.
absl::Status ReplaceFile(const std::string& path, absl::string_view content) {
  const std::string temporary = path + ".partial";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << content;
    if (!out.flush()) {
      return absl::UnavailableError(absl::StrCat("cannot write ", temporary));
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat(
        "cannot rename ", temporary, " to ", path, ": ", error.message()));
  }
  return absl::OkStatus();
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

PullCsvFormatter::PullCsvFormatter(std::vector<std::string> fields)
    : names_(std::move(fields)) {
  const google::protobuf::Descriptor* type =
      v1::PseudonymisedRecord::descriptor();
  for (const std::string& name : names_) {
    fields_.push_back(type->FindFieldByName(name));
  }
}

std::string PullCsvFormatter::Header() const {
  std::string line(kFixedColumns);
  for (const std::string& name : names_) absl::StrAppend(&line, ",", name);
  return line;
}

void PullCsvFormatter::AppendLine(const v1::PseudonymisedRecord& record,
                                  const v1::ReleasedRow& row,
                                  std::string* out) const {
  AppendHex(row.record_release_pseudonym(), out);
  out->push_back(',');
  AppendHex(row.person_release_pseudonym(), out);
  out->append(row.linked() ? ",1," : ",0,");
  if (row.linked()) {
    absl::StrAppend(out, row.link_stage(), ",", row.match_probability());
  } else {
    out->push_back(',');
  }
  std::string cell;
  for (const FieldDescriptor* field : fields_) {
    out->push_back(',');
    if (field != nullptr) AppendField(record, *field, &cell, out);
  }
}

absl::StatusOr<PullReport> RunPull(const PullOptions& options) {
  if (options.gateway.address.empty()) {
    return absl::InvalidArgumentError("--gateway=HOST:PORT is required");
  }
  if (options.purpose_id.empty() || options.dataset_id.empty()) {
    return absl::InvalidArgumentError("--purpose and --dataset are required");
  }
  if (options.out_path.empty()) {
    return absl::InvalidArgumentError("--out=FILE.csv is required");
  }
  v1::PullRequest request;
  request.set_purpose_id(options.purpose_id);
  request.set_dataset_id(options.dataset_id);
  request.set_identifiability(v1::IDENTIFIABILITY_PSEUDONYMISED_RECORD);
  request.set_request_id(options.request_id);
  for (const std::string& field : options.fields) request.add_fields(field);
  PullReport report;
  if (!options.cursor_file.empty()) {
    EQ_ASSIGN_OR_RETURN(std::string cursor,
                        ReadCursorFile(options.cursor_file));
    report.incremental = !cursor.empty();
    request.set_cursor(std::move(cursor));
  }

  EQ_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> credentials,
                      MakeChannelCredentials(options.gateway.tls));
  auto stub = v1::ExtractService::NewStub(grpc::CreateCustomChannel(
      options.gateway.address, credentials,
      ClientChannelArguments(kDefaultMaxMessageBytes)));

  const std::string partial = options.out_path + ".partial";
  std::unique_ptr<std::FILE, FileCloser> out(std::fopen(partial.c_str(), "w"));
  if (out == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot create ", partial));
  }
  std::optional<PullCsvFormatter> formatter;
  std::string buffer;
  auto flush = [&]() -> absl::Status {
    if (std::fwrite(buffer.data(), 1, buffer.size(), out.get()) !=
        buffer.size()) {
      return absl::UnavailableError(absl::StrCat("cannot write ", partial));
    }
    buffer.clear();
    return absl::OkStatus();
  };

  std::unique_ptr<grpc::ClientContext> context = CallContext(options.gateway);
  std::unique_ptr<grpc::ClientReader<v1::PullChunk>> reader =
      stub->Pull(context.get(), request);
  v1::PullChunk chunk;
  absl::Status written;
  while (written.ok() && reader->Read(&chunk)) {
    if (!formatter.has_value()) {
      // The gateway names what it released; older gateways do not.
      formatter.emplace(chunk.fields_size() > 0
                            ? std::vector<std::string>(chunk.fields().begin(),
                                                       chunk.fields().end())
                            : options.fields);
      absl::StrAppend(&buffer, formatter->Header(), "\n");
    }
    for (int i = 0; i < chunk.records_size(); ++i) {
      const v1::ReleasedRow& row = i < chunk.rows_size()
                                       ? chunk.rows(i)
                                       : v1::ReleasedRow::default_instance();
      formatter->AppendLine(chunk.records(i), row, &buffer);
      buffer.push_back('\n');
      ++report.rows;
      if (row.linked()) ++report.linked_rows;
    }
    if (!chunk.next_cursor().empty()) report.next_cursor = chunk.next_cursor();
    written = flush();
  }
  if (!written.ok()) {
    context->TryCancel();
    reader->Finish();
    return written;
  }
  EQ_RETURN_IF_ERROR(FromGrpcStatus(reader->Finish()));
  if (!formatter.has_value()) {
    absl::StrAppend(&buffer, PullCsvFormatter(options.fields).Header(), "\n");
  }
  EQ_RETURN_IF_ERROR(flush());
  if (std::fflush(out.get()) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot write ", partial));
  }
  out.reset();
  std::error_code error;
  std::filesystem::rename(partial, options.out_path, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot rename ", partial, ": ", error.message()));
  }
  if (!options.cursor_file.empty() && !report.next_cursor.empty()) {
    EQ_RETURN_IF_ERROR(ReplaceFile(options.cursor_file, report.next_cursor));
  }
  return report;
}

}  // namespace equilink::client
