#include "client/commands/indicators_command.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/commands/text_table.h"
#include "common/rpc/status_grpc.h"
#include "common/status/status_macros.h"
#include "equilink/v1/indicators.grpc.pb.h"
#include "google/protobuf/util/json_util.h"

namespace equilink::client {
namespace {

// RFC 4180: quote a field holding a comma, a quote or a line break.
std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

std::string Number(double value) { return absl::StrFormat("%.2f", value); }

bool Wanted(const v1::IndicatorValueRow& row,
            const IndicatorsOptions& options) {
  if (options.category_types.empty() || row.category_type().empty()) {
    return true;
  }
  return std::find(options.category_types.begin(), options.category_types.end(),
                   row.category_type()) != options.category_types.end();
}

std::string Csv(const v1::IndicatorResponse& response) {
  std::string out =
      "Indicator ID,Indicator Name,Area Code,Area Name,Area Type,Category "
      "Type,Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 "
      "limit,Count,Denominator,Value note,Disclosure profile,IMD version,"
      "Catalogue version\n";
  for (const v1::IndicatorValueRow& row : response.rows()) {
    const bool shown = row.value_shown();
    const std::vector<std::string> fields = {
        row.indicator_id(),
        row.indicator_name(),
        row.area_code(),
        row.area_name(),
        row.area_type(),
        row.category_type(),
        row.category(),
        row.time_period(),
        shown ? absl::StrCat(row.value()) : "",
        shown ? absl::StrCat(row.lower_ci_95()) : "",
        shown ? absl::StrCat(row.upper_ci_95()) : "",
        row.count(),
        row.denominator(),
        row.value_note(),
        row.disclosure_profile(),
        row.imd_version(),
        row.catalogue_version()};
    std::vector<std::string> quoted;
    for (const std::string& field : fields) quoted.push_back(CsvField(field));
    absl::StrAppend(&out, absl::StrJoin(quoted, ","), "\n");
  }
  return out;
}

std::string Table(const v1::IndicatorResponse& response,
                  const IndicatorsOptions& options) {
  std::vector<std::vector<std::string>> rows = {
      {"Indicator", "Area", "Breakdown", "Category", "Value", "95% CI", "Count",
       "Denominator"}};
  for (const v1::IndicatorValueRow& row : response.rows()) {
    if (!Wanted(row, options)) continue;
    const bool shown = row.value_shown();
    rows.push_back({row.indicator_id(), row.area_name(),
                    row.category_type().empty() ? "All" : row.category_type(),
                    row.category(), shown ? Number(row.value()) : "*",
                    shown ? absl::StrCat(Number(row.lower_ci_95()), " - ",
                                         Number(row.upper_ci_95()))
                          : row.value_note(),
                    row.count(), row.denominator()});
  }
  std::string out = FormatTextTable(rows);
  std::vector<std::vector<std::string>> inequality = {
      {"Indicator", "Across", "SII (95% CI)", "RII (95% CI)"}};
  for (const v1::InequalityRow& row : response.inequalities()) {
    if (!row.computed()) {
      inequality.push_back({row.indicator_id(),
                            row.breakdown().empty() ? "-" : row.breakdown(),
                            absl::StrCat("not computed: ", row.note()), ""});
      continue;
    }
    inequality.push_back(
        {row.indicator_id(), row.breakdown(),
         absl::StrFormat("%.2f (%.2f to %.2f)", row.sii(), row.sii_lower_95(),
                         row.sii_upper_95()),
         row.rii_computed()
             ? absl::StrFormat("%.3f (%.3f to %.3f)", row.rii(),
                               row.rii_lower_95(), row.rii_upper_95())
             : "-"});
  }
  absl::StrAppend(&out,
                  "\nSlope and relative index of inequality (SII: "
                  "least minus most deprived)\n",
                  FormatTextTable(inequality));
  if (!response.rows().empty()) {
    absl::StrAppend(&out, "\n", response.rows(0).disclosure_profile(),
                    " disclosure control; ", response.rows(0).imd_version(),
                    "; catalogue ", response.rows(0).catalogue_version(),
                    "; release ", response.release_id(), "\n");
  }
  return out;
}

}  // namespace

absl::StatusOr<IndicatorFormat> ParseIndicatorFormat(const std::string& text) {
  if (text == "table") return IndicatorFormat::kTable;
  if (text == "csv") return IndicatorFormat::kCsv;
  if (text == "json") return IndicatorFormat::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("--format=", text, ": expected table, csv or json"));
}

std::string FormatIndicators(const v1::IndicatorResponse& response,
                             const IndicatorsOptions& options) {
  switch (options.format) {
    case IndicatorFormat::kCsv:
      return Csv(response);
    case IndicatorFormat::kJson: {
      std::string json;
      google::protobuf::util::JsonPrintOptions print;
      print.add_whitespace = true;
      print.preserve_proto_field_names = true;
      (void)google::protobuf::util::MessageToJsonString(response, &json, print);
      return json;
    }
    case IndicatorFormat::kTable:
      break;
  }
  return Table(response, options);
}

absl::StatusOr<std::string> RunIndicators(const IndicatorsOptions& options) {
  if (options.purpose_id.empty() || options.period_first_day.empty() ||
      options.period_last_day.empty()) {
    return absl::InvalidArgumentError(
        "--purpose, --from and --to (YYYY-MM-DD) are required");
  }
  EQ_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                      ConnectGateway(options.gateway));
  auto stub = v1::IndicatorService::NewStub(channel);
  v1::IndicatorRequest request;
  request.set_purpose_id(options.purpose_id);
  for (const std::string& id : options.indicator_ids) {
    request.add_indicator_ids(id);
  }
  request.set_period_first_day(options.period_first_day);
  request.set_period_last_day(options.period_last_day);
  request.set_request_id(options.request_id);
  v1::IndicatorResponse response;
  std::unique_ptr<grpc::ClientContext> context = CallContext(options.gateway);
  EQ_RETURN_IF_ERROR(
      FromGrpcStatus(stub->GetIndicators(context.get(), request, &response)));
  return FormatIndicators(response, options);
}

}  // namespace equilink::client
