#ifndef EQUILINK_TESTS_TESTING_DEV_PKI_H_
#define EQUILINK_TESTS_TESTING_DEV_PKI_H_

// A throwaway PKI for tests that talk mutual TLS, made by the same script
// developers use (deploy/pki/make-dev-pki.sh), so the certificates tests trust
// are the ones the script's documentation promises. Header-only so any test
// binary can use it without linking more than it already does.
//
//   TempDir dir;
//   ASSERT_THAT(MakeDevPki(dir.File("pki"), {"org:ABC1", "--test-certs"}),
//   IsOk()); v1::TlsFiles files = DevPkiClientFiles(dir.File("pki"), "ABC1");

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "equilink/v1/gateway_config.pb.h"

namespace equilink::testing {

// The script, found from the working directory upwards (ctest runs tests in
// the repository root; a developer may run a binary from the build tree).
// Empty when not found.
inline std::string DevPkiScriptPath() {
  constexpr char kScript[] = "deploy/pki/make-dev-pki.sh";
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::current_path(ec);
  if (ec) return "";
  while (true) {
    const std::filesystem::path candidate = dir / kScript;
    if (std::filesystem::exists(candidate, ec)) return candidate.string();
    if (!dir.has_parent_path() || dir.parent_path() == dir) return "";
    dir = dir.parent_path();
  }
}

// Single-quotes `arg` for /bin/sh.
inline std::string ShellQuote(const std::string& arg) {
  std::string out = "'";
  for (const char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs make-dev-pki.sh <out_dir> <args...>; `out_dir` must not exist yet (or
// be empty). The script's output goes to the test log.
inline absl::Status MakeDevPki(const std::string& out_dir,
                               std::initializer_list<std::string> args) {
  const std::string script = DevPkiScriptPath();
  if (script.empty()) {
    return absl::NotFoundError(
        "deploy/pki/make-dev-pki.sh not found above the working directory");
  }
  std::string command =
      absl::StrCat("bash ", ShellQuote(script), " ", ShellQuote(out_dir));
  for (const std::string& arg : args)
    absl::StrAppend(&command, " ", ShellQuote(arg));
  const int rc = std::system(command.c_str());
  if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
    return absl::InternalError(absl::StrCat("make-dev-pki.sh failed: ", rc));
  }
  return absl::OkStatus();
}

// TlsFiles for the gateway of a PKI made by MakeDevPki.
inline v1::TlsFiles DevPkiServerFiles(const std::string& pki) {
  v1::TlsFiles files;
  files.set_certificate_file(pki + "/gateway.pem");
  files.set_private_key_file(pki + "/gateway.key");
  files.set_ca_file(pki + "/ca.pem");
  return files;
}

// TlsFiles for a client whose certificate is <pki>/<base>.pem and key
// <base>.key, trusting the PKI's CA: "orgs/ABC1", "test/expired", ...
inline v1::TlsFiles DevPkiClientFilesAt(const std::string& pki,
                                        const std::string& base) {
  v1::TlsFiles files;
  files.set_certificate_file(absl::StrCat(pki, "/", base, ".pem"));
  files.set_private_key_file(absl::StrCat(pki, "/", base, ".key"));
  files.set_ca_file(pki + "/ca.pem");
  return files;
}

// TlsFiles for organisation `code`'s client certificate.
inline v1::TlsFiles DevPkiClientFiles(const std::string& pki,
                                      const std::string& code) {
  return DevPkiClientFilesAt(pki, "orgs/" + code);
}

// TlsFiles for the person certificate made by `person:CODE:<person_id>`.
inline v1::TlsFiles DevPkiPersonFiles(const std::string& pki,
                                      const std::string& person_id) {
  return DevPkiClientFilesAt(pki, "people/" + person_id);
}

}  // namespace equilink::testing

#endif  // EQUILINK_TESTS_TESTING_DEV_PKI_H_
