#include "client/mapping/mapped_row.h"

namespace equilink::client {

absl::string_view SeverityName(Severity severity) {
  return severity == Severity::kReject ? "reject" : "warning";
}

}  // namespace equilink::client
