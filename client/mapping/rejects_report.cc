#include "client/mapping/rejects_report.h"

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace equilink::client {
namespace {

constexpr absl::string_view kHeader = "row,field,rule,severity\n";

// Column names come from the profile and may hold commas or quotes.
void AppendCsvField(absl::string_view text, std::string* out) {
  if (text.find_first_of(",\"\r\n") == absl::string_view::npos) {
    out->append(text.data(), text.size());
    return;
  }
  out->push_back('"');
  for (char c : text) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace

RejectsReport::RejectsReport(std::FILE* file)
    : file_(file), in_memory_(file == nullptr) {}

RejectsReport::~RejectsReport() { (void)Close(); }

absl::StatusOr<std::unique_ptr<RejectsReport>> RejectsReport::Create(
    const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    return absl::PermissionDeniedError(absl::StrCat(
        "cannot create rejects report ", path, ": ", std::strerror(errno)));
  }
  auto report = absl::WrapUnique(new RejectsReport(file));
  report->Write(kHeader);
  if (!report->write_status_.ok()) return report->write_status_;
  return report;
}

std::unique_ptr<RejectsReport> RejectsReport::InMemory() {
  auto report = absl::WrapUnique(new RejectsReport(nullptr));
  report->memory_.append(kHeader.data(), kHeader.size());
  return report;
}

void RejectsReport::Write(absl::string_view text) {
  if (in_memory_) {
    memory_.append(text.data(), text.size());
    return;
  }
  if (file_ == nullptr || !write_status_.ok()) return;
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
    write_status_ = absl::DataLossError("cannot write the rejects report");
  }
}

void RejectsReport::Add(const RowIssue& issue) {
  line_.clear();
  absl::StrAppend(&line_, issue.row_number, ",");
  AppendCsvField(issue.field, &line_);
  line_.push_back(',');
  AppendCsvField(issue.rule, &line_);
  absl::StrAppend(&line_, ",", SeverityName(issue.severity), "\n");
  RuleCounts& counts = counts_[issue.rule];
  if (issue.severity == Severity::kReject) {
    ++counts.rejects;
    ++total_rejects_;
  } else {
    ++counts.warnings;
    ++total_warnings_;
  }
  Write(line_);
}

void RejectsReport::AddAll(absl::Span<const RowIssue> issues) {
  for (const RowIssue& issue : issues) Add(issue);
}

absl::Status RejectsReport::Close() {
  if (file_ == nullptr) return write_status_;
  const bool failed = std::fclose(file_) != 0;
  file_ = nullptr;
  if (failed && write_status_.ok()) {
    write_status_ = absl::DataLossError("cannot close the rejects report");
  }
  return write_status_;
}

std::string RejectsReport::Summary() const {
  std::vector<std::string> parts;
  for (const auto& [rule, counts] : counts_) {
    std::string part = absl::StrCat(rule, ":");
    if (counts.rejects > 0) {
      absl::StrAppend(&part, " ", counts.rejects,
                      counts.rejects == 1 ? " reject" : " rejects");
    }
    if (counts.warnings > 0) {
      absl::StrAppend(&part, counts.rejects > 0 ? "," : "", " ",
                      counts.warnings,
                      counts.warnings == 1 ? " warning" : " warnings");
    }
    parts.push_back(std::move(part));
  }
  return parts.empty() ? "no issues" : absl::StrJoin(parts, "; ");
}

}  // namespace equilink::client
