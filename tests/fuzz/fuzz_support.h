#ifndef EQUILINK_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define EQUILINK_TESTS_FUZZ_FUZZ_SUPPORT_H_

// Helpers the fuzz targets share: finding repository files from any working
// directory (ctest replays from the build tree, `make fuzz` from the repo),
// a scratch directory for the real SQLite store, and the check behind the
// promise that messages never echo what a caller sent.

#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "common/status/check.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/stubs/logging.h"

namespace equilink::fuzz {

// Protobuf logs every string field with invalid UTF-8 it refuses to parse;
// fuzzed requests hit that constantly, and writing the log line costs more
// than the parse. The refusal itself is what the targets check.
inline const bool kProtobufLogsSilenced =
    (google::protobuf::SetLogHandler(nullptr), true);

// The repository root, from this header's own path.
inline std::string RepoRoot() {
  std::string root = __FILE__;
  root.resize(root.size() - std::string("tests/fuzz/fuzz_support.h").size());
  return root;
}

inline std::string ReadRepoFile(const std::string& relative) {
  std::ifstream in(RepoRoot() + relative, std::ios::binary);
  EQ_CHECK(in.good());
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

// A fresh directory, removed at exit (libFuzzer exits normally at the end of
// -max_total_time; a crash leaves it, so scripts/fuzz.sh points
// EQUILINK_FUZZ_TMPDIR at a directory of its own and removes that). tmpfs
// otherwise, when there is one: SQLite's fsync on every commit would cap a
// store-backed target at a few hundred runs a second.
inline const std::string& ScratchDir() {
  static const std::string* const dir = [] {
    const char* chosen = getenv("EQUILINK_FUZZ_TMPDIR");
    const char* tmpdir = getenv("TMPDIR");
    const std::string base = chosen != nullptr ? chosen
                             : std::filesystem::is_directory("/dev/shm")
                                 ? "/dev/shm"
                                 : (tmpdir != nullptr ? tmpdir : "/tmp");
    std::string path = base + "/equilink-fuzz-XXXXXX";
    EQ_CHECK(mkdtemp(path.data()) != nullptr);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(ScratchDir(), ec);
    });
    return new std::string(path);
  }();
  return *dir;
}

// Collects the string values in `message` that could only have come from
// the caller: at least four bytes with one outside printable ASCII. Fixed
// message text is ASCII, so finding such a value inside a message is an echo
// of input, never a coincidence (libFuzzer feeds comparison operands back
// into inputs, which would make any looser test report false echoes).
inline void CallerOnlyValues(const google::protobuf::Message& message,
                             std::vector<std::string>* out) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  auto consider = [out](const std::string& value) {
    if (value.size() < 4) return;
    for (const char c : value) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20 || byte >= 0x7f) {
        out->push_back(value);
        return;
      }
    }
  };
  for (const google::protobuf::FieldDescriptor* field : fields) {
    using google::protobuf::FieldDescriptor;
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          consider(reflection->GetRepeatedString(message, field, i));
        }
      } else {
        consider(reflection->GetString(message, field));
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          CallerOnlyValues(reflection->GetRepeatedMessage(message, field, i),
                           out);
        }
      } else {
        CallerOnlyValues(reflection->GetMessage(message, field), out);
      }
    }
  }
}

// Aborts when `text` holds any caller-only value of `message`.
inline void CheckNoEcho(absl::string_view text,
                        const google::protobuf::Message& message) {
  std::vector<std::string> values;
  CallerOnlyValues(message, &values);
  for (const std::string& value : values) {
    if (text.find(value) != absl::string_view::npos) {
      std::fprintf(stderr, "echoed a caller's value: %s\n",
                   absl::CHexEscape(text).c_str());
      std::abort();
    }
  }
}

}  // namespace equilink::fuzz

#endif  // EQUILINK_TESTS_FUZZ_FUZZ_SUPPORT_H_
