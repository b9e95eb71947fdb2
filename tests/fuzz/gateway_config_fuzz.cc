// Fuzz target: bytes -> ParseGatewayConfig (text format, defaults, the
// validation the gateway runs before it opens anything). Beyond not crashing:
// a refusal is InvalidArgument, and an accepted config is a fixed point, so
// printing it and parsing again gives the same config (defaults do not move
// and validation does not depend on how the file was spelt).

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/status/check.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "server/config/gateway_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<equilink::v1::GatewayConfig> config =
      equilink::config::ParseGatewayConfig(text);
  if (!config.ok()) {
    EQ_CHECK(absl::IsInvalidArgument(config.status()));
    return 0;
  }
  std::string printed;
  EQ_CHECK(google::protobuf::TextFormat::PrintToString(*config, &printed));
  absl::StatusOr<equilink::v1::GatewayConfig> again =
      equilink::config::ParseGatewayConfig(printed);
  EQ_CHECK(again.ok());
  EQ_CHECK(google::protobuf::util::MessageDifferencer::Equals(*again, *config));
  return 0;
}
