#ifndef EQUILINK_TESTS_TESTING_EQUILINK_SERVICES_H_
#define EQUILINK_TESTS_TESTING_EQUILINK_SERVICES_H_

// Every gRPC method the equilink.v1 package declares, read from the generated
// descriptors, for the tests that hold the access policy to the protos
// (tests/unit/server/other/auth/access_policy_test.cc and
// tests/integration/authorisation_integration_test.cc).
//
// Which proto files exist is read from the source tree (proto/equilink/v1/),
// not from a list here, so a new .proto file is found without anyone
// remembering to add it. Its generated code must be linked into the test
// binary for the descriptor pool to know it: ProtoFileNames() reports such a
// file, and EquilinkMethods() fails the calling test, until a message of it is
// named in LinkedEquilinkFiles() below.

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "equilink/v1/agreement.pb.h"
#include "equilink/v1/audit.pb.h"
#include "equilink/v1/extract.pb.h"
#include "equilink/v1/gateway_config.pb.h"
#include "equilink/v1/governance.pb.h"
#include "equilink/v1/indicators.pb.h"
#include "equilink/v1/mapping.pb.h"
#include "equilink/v1/record.pb.h"
#include "equilink/v1/submission.pb.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"

namespace equilink::testing {

// One file descriptor per generated file, which also forces the linker to
// keep each file's generated code (and so its descriptors) in the binary.
inline std::vector<const google::protobuf::FileDescriptor*>
LinkedEquilinkFiles() {
  return {v1::Party::descriptor()->file(),
          v1::AuditEntry::descriptor()->file(),
          v1::PullRequest::descriptor()->file(),
          v1::TlsFiles::descriptor()->file(),
          v1::AgreementView::descriptor()->file(),
          v1::ColumnMapping::descriptor()->file(),
          v1::IndicatorCatalogue::descriptor()->file(),
          v1::PseudonymisedRecord::descriptor()->file(),
          v1::SubmissionBatch::descriptor()->file()};
}

// "equilink/v1/<name>.proto" for every .proto file under proto/equilink/v1 of
// the source tree, found from the working directory upwards (ctest runs tests
// in the repository root). Empty when the directory is not found.
inline std::vector<std::string> ProtoFileNames() {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::current_path(ec);
  std::vector<std::string> names;
  while (!ec) {
    const std::filesystem::path protos = dir / "proto" / "equilink" / "v1";
    if (std::filesystem::is_directory(protos, ec)) {
      for (const auto& entry :
           std::filesystem::directory_iterator(protos, ec)) {
        if (entry.path().extension() == ".proto") {
          names.push_back(
              absl::StrCat("equilink/v1/", entry.path().filename().string()));
        }
      }
      std::sort(names.begin(), names.end());
      return names;
    }
    if (!dir.has_parent_path() || dir.parent_path() == dir) break;
    dir = dir.parent_path();
  }
  return names;
}

// Every method of every service in every equilink/v1 proto file. Adds a test
// failure (and leaves the file out) for a file whose descriptors are not
// linked in, and when no proto file is found at all.
inline std::vector<const google::protobuf::MethodDescriptor*>
EquilinkMethods() {
  LinkedEquilinkFiles();
  const std::vector<std::string> names = ProtoFileNames();
  EXPECT_FALSE(names.empty()) << "proto/equilink/v1 not found above the "
                                 "working directory";
  std::vector<const google::protobuf::MethodDescriptor*> methods;
  const google::protobuf::DescriptorPool* pool =
      google::protobuf::DescriptorPool::generated_pool();
  for (const std::string& name : names) {
    const google::protobuf::FileDescriptor* file = pool->FindFileByName(name);
    if (file == nullptr) {
      ADD_FAILURE() << name
                    << "'s generated code is not linked into this test: name "
                       "one of its messages in LinkedEquilinkFiles() "
                       "(tests/testing/equilink_services.h)";
      continue;
    }
    for (int s = 0; s < file->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        methods.push_back(service->method(m));
      }
    }
  }
  return methods;
}

// "/equilink.v1.Service/Method", as gRPC and the access policy name it.
inline std::string FullMethodName(
    const google::protobuf::MethodDescriptor& method) {
  return absl::StrCat("/", method.service()->full_name(), "/", method.name());
}

}  // namespace equilink::testing

#endif  // EQUILINK_TESTS_TESTING_EQUILINK_SERVICES_H_
