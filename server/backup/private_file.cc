#include "server/backup/private_file.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status/posix_file.h"

namespace equilink::backup {
namespace {

absl::Status WriteAll(int fd, const std::string& path, const char* data,
                      size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(path, "write", errno);
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

// fsync, then close (which can report a deferred write error).
absl::Status SyncAndClose(ScopedFd& fd, const std::string& path) {
  if (::fsync(fd.get()) != 0) return ErrnoStatus(path, "fsync", errno);
  if (::close(fd.Release()) != 0) return ErrnoStatus(path, "close", errno);
  return absl::OkStatus();
}

absl::Status SyncDirectoryOf(const std::string& path) {
  const std::filesystem::path parent =
      std::filesystem::path(path).parent_path();
  const std::string dir = parent.empty() ? std::string(".") : parent.string();
  ScopedFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(dir, "open directory", errno);
  if (::fsync(fd.get()) != 0) return ErrnoStatus(dir, "fsync", errno);
  return absl::OkStatus();
}

absl::StatusOr<ScopedFd> CreateExclusive(const std::string& path) {
  // The mode is fixed at creation, so the file is never readable by others.
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus(path, "cannot create", errno);
  // The umask can only remove bits, but an inherited ACL default could add
  // some: set the mode explicitly.
  if (::fchmod(fd, 0600) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoStatus(path, "chmod", err);
  }
  return ScopedFd(fd);
}

}  // namespace

absl::Status MakePrivateDirectory(const std::string& dir) {
  std::error_code error;
  if (std::filesystem::exists(dir, error)) {
    if (!std::filesystem::is_directory(dir, error)) {
      return absl::FailedPreconditionError(
          absl::StrCat(dir, " exists and is not a directory"));
    }
    return absl::OkStatus();
  }
  const std::filesystem::path parent = std::filesystem::path(dir).parent_path();
  if (!parent.empty() && parent.string() != dir) {
    if (absl::Status status = MakePrivateDirectory(parent.string());
        !status.ok()) {
      return status;
    }
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoStatus(dir, "cannot create directory", errno);
  }
  return absl::OkStatus();
}

absl::Status CreatePrivateFile(const std::string& path) {
  absl::StatusOr<ScopedFd> fd = CreateExclusive(path);
  if (!fd.ok()) return fd.status();
  if (::close(fd->Release()) != 0) return ErrnoStatus(path, "close", errno);
  return absl::OkStatus();
}

absl::Status CopyToPrivateFile(const std::string& from, const std::string& to) {
  ScopedFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return ErrnoStatus(from, "cannot open", errno);
  absl::StatusOr<ScopedFd> out = CreateExclusive(to);
  if (!out.ok()) return out.status();
  absl::Status status = absl::OkStatus();
  std::vector<char> buffer(1 << 20);
  for (;;) {
    const ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      status = ErrnoStatus(from, "read", errno);
      break;
    }
    if (n == 0) break;
    status = WriteAll(out->get(), to, buffer.data(), static_cast<size_t>(n));
    if (!status.ok()) break;
  }
  if (status.ok()) status = SyncAndClose(*out, to);
  if (!status.ok()) ::unlink(to.c_str());
  return status;
}

absl::Status WritePrivateFileAtomically(const std::string& path,
                                        absl::string_view contents) {
  const std::string temporary = absl::StrCat(path, ".partial");
  if (absl::Status status = RemoveIfExists(temporary); !status.ok()) {
    return status;
  }
  absl::StatusOr<ScopedFd> out = CreateExclusive(temporary);
  if (!out.ok()) return out.status();
  absl::Status status =
      WriteAll(out->get(), temporary, contents.data(), contents.size());
  if (status.ok()) status = SyncAndClose(*out, temporary);
  if (status.ok()) status = RenameDurably(temporary, path);
  if (!status.ok()) ::unlink(temporary.c_str());
  return status;
}

absl::Status SyncFile(const std::string& path) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(path, "cannot open", errno);
  if (::fsync(fd.get()) != 0) return ErrnoStatus(path, "fsync", errno);
  return absl::OkStatus();
}

absl::Status RenameDurably(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return ErrnoStatus(to, absl::StrCat("cannot rename ", from, " to it"),
                       errno);
  }
  return SyncDirectoryOf(to);
}

absl::Status RemoveIfExists(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus(path, "cannot remove", errno);
  }
  return absl::OkStatus();
}

RemoveOnFailure::~RemoveOnFailure() {
  for (const std::string& path : paths_) {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
      ::unlink(absl::StrCat(path, suffix).c_str());
    }
  }
}

void RemoveOnFailure::Add(const std::string& path) { paths_.push_back(path); }

absl::StatusOr<FileDigest> DigestFile(const std::string& path) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(path, "cannot open", errno);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(
      EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (context == nullptr ||
      EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
    return absl::InternalError("SHA-256: OpenSSL could not initialise");
  }
  FileDigest digest;
  std::vector<char> buffer(1 << 20);
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(path, "read", errno);
    }
    if (n == 0) break;
    if (EVP_DigestUpdate(context.get(), buffer.data(),
                         static_cast<size_t>(n)) != 1) {
      return absl::InternalError("SHA-256: OpenSSL update failed");
    }
    digest.bytes += static_cast<uint64_t>(n);
  }
  unsigned char raw[EVP_MAX_MD_SIZE];
  unsigned int raw_size = 0;
  if (EVP_DigestFinal_ex(context.get(), raw, &raw_size) != 1) {
    return absl::InternalError("SHA-256: OpenSSL final failed");
  }
  digest.sha256_hex = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(raw), raw_size));
  return digest;
}

absl::StatusOr<std::string> ReadSmallFile(const std::string& path,
                                          size_t max_bytes) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(path, "cannot open", errno);
  std::string contents;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(path, "read", errno);
    }
    if (n == 0) break;
    contents.append(buffer, static_cast<size_t>(n));
    if (contents.size() > max_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, " is larger than ", max_bytes, " bytes"));
    }
  }
  return contents;
}

}  // namespace equilink::backup
