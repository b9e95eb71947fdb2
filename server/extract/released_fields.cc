#include "server/extract/released_fields.h"

#include "equilink/v1/record.pb.h"

namespace equilink::extract {
namespace {

// https://protobuf.dev/programming-guides/encoding/
enum WireType : uint32_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kFixed32 = 5,
};

constexpr int kMaxVarintBytes = 10;

// Reads a varint at `*at`; false when it runs past `end` or over ten bytes.
bool ReadVarint(const char** at, const char* end, uint64_t* value) {
  uint64_t result = 0;
  for (int i = 0; i < kMaxVarintBytes; ++i) {
    if (*at == end) return false;
    const auto byte = static_cast<uint8_t>(**at);
    ++*at;
    result |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      *value = result;
      return true;
    }
  }
  return false;
}

}  // namespace

ReleasedFieldFilter::ReleasedFieldFilter(
    const std::vector<int>& released_field_numbers) {
  for (const int number : released_field_numbers) {
    if (number <= 0) continue;
    if (static_cast<size_t>(number) >= released_.size()) {
      released_.resize(number + 1, false);
    }
    released_[number] = true;
  }
}

bool ReleasedFieldFilter::Split(absl::string_view payload,
                                std::string* released,
                                absl::string_view* nhs_number_token) const {
  *nhs_number_token = absl::string_view();
  const char* at = payload.data();
  const char* const end = payload.data() + payload.size();
  while (at < end) {
    const char* const field_start = at;
    uint64_t tag = 0;
    if (!ReadVarint(&at, end, &tag)) return false;
    const uint64_t number = tag >> 3;
    if (number == 0 || number > (uint64_t{1} << 29)) return false;
    const char* value_start = at;
    switch (static_cast<uint32_t>(tag & 7)) {
      case kVarint: {
        uint64_t ignored = 0;
        if (!ReadVarint(&at, end, &ignored)) return false;
        break;
      }
      case kFixed64:
        if (end - at < 8) return false;
        at += 8;
        break;
      case kFixed32:
        if (end - at < 4) return false;
        at += 4;
        break;
      case kLengthDelimited: {
        uint64_t length = 0;
        if (!ReadVarint(&at, end, &length)) return false;
        if (length > static_cast<uint64_t>(end - at)) return false;
        value_start = at;
        at += length;
        break;
      }
      default:  // groups are not used by any equilink message
        return false;
    }
    if (number == v1::PseudonymisedRecord::kNhsNumberTokenFieldNumber &&
        (tag & 7) == kLengthDelimited) {
      *nhs_number_token = absl::string_view(value_start, at - value_start);
    }
    if (released != nullptr && number < released_.size() && released_[number]) {
      released->append(field_start, at - field_start);
    }
  }
  return true;
}

}  // namespace equilink::extract
