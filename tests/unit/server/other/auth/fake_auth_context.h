#ifndef EQUILINK_TESTS_UNIT_SERVER_OTHER_AUTH_FAKE_AUTH_CONTEXT_H_
#define EQUILINK_TESTS_UNIT_SERVER_OTHER_AUTH_FAKE_AUTH_CONTEXT_H_

#include <map>
#include <string>
#include <vector>

#include "grpcpp/security/auth_context.h"

namespace equilink::testing {

// grpc::AuthPropertyIterator's constructors are protected; the fake never
// iterates, so an end iterator made through a subclass is enough.
class EmptyAuthPropertyIterator : public grpc::AuthPropertyIterator {};

// An AuthContext with chosen properties, standing in for what gRPC's TLS
// layer builds from a peer certificate (mtls_test.cc checks the real thing).
class FakeAuthContext : public grpc::AuthContext {
 public:
  explicit FakeAuthContext(bool authenticated)
      : authenticated_(authenticated) {}

  bool IsPeerAuthenticated() const override { return authenticated_; }
  std::vector<grpc::string_ref> GetPeerIdentity() const override {
    return FindPropertyValues("x509_subject_alternative_name");
  }
  std::string GetPeerIdentityPropertyName() const override {
    return "x509_subject_alternative_name";
  }
  std::vector<grpc::string_ref> FindPropertyValues(
      const std::string& name) const override {
    std::vector<grpc::string_ref> values;
    auto [begin, end] = properties_.equal_range(name);
    for (auto it = begin; it != end; ++it) values.emplace_back(it->second);
    return values;
  }
  grpc::AuthPropertyIterator begin() const override {
    return EmptyAuthPropertyIterator();
  }
  grpc::AuthPropertyIterator end() const override {
    return EmptyAuthPropertyIterator();
  }
  void AddProperty(const std::string& key,
                   const grpc::string_ref& value) override {
    properties_.emplace(key, std::string(value.data(), value.size()));
  }
  bool SetPeerIdentityPropertyName(const std::string&) override { return true; }

  // A URI SAN as gRPC 1.51 reports it: under both properties.
  void AddUriSan(const std::string& uri) {
    AddProperty("peer_uri", uri);
    AddProperty("x509_subject_alternative_name", uri);
  }

 private:
  bool authenticated_;
  std::multimap<std::string, std::string> properties_;
};

}  // namespace equilink::testing

#endif  // EQUILINK_TESTS_UNIT_SERVER_OTHER_AUTH_FAKE_AUTH_CONTEXT_H_
