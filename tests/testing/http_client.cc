#include "tests/testing/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace equilink::testing {

absl::StatusOr<TcpConnection> TcpConnection::Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot connect to ", port));
  }
  return TcpConnection(fd);
}

TcpConnection::TcpConnection(TcpConnection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)) {}

TcpConnection::~TcpConnection() {
  if (fd_ >= 0) close(fd_);
}

absl::Status TcpConnection::Send(absl::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError("send failed");
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> TcpConnection::ReadUntilClosed(
    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string out;
  char buffer[4096];
  for (;;) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError("server did not close in time");
    }
    pollfd fds = {fd_, POLLIN, 0};
    const int ready =
        poll(&fds, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      // A reset after the answer still leaves the answer.
      if (!out.empty()) return out;
      return absl::UnavailableError("recv failed");
    }
    if (n == 0) return out;
    out.append(buffer, static_cast<size_t>(n));
  }
}

absl::StatusOr<std::string> HttpExchange(int port, absl::string_view request,
                                         absl::Duration timeout) {
  absl::StatusOr<TcpConnection> connection = TcpConnection::Connect(port);
  if (!connection.ok()) return connection.status();
  if (absl::Status sent = connection->Send(request); !sent.ok()) return sent;
  return connection->ReadUntilClosed(timeout);
}

absl::StatusOr<std::string> ScrapeMetrics(int port) {
  absl::StatusOr<std::string> response =
      HttpExchange(port, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  if (!response.ok()) return response.status();
  if (!absl::StartsWith(*response, "HTTP/1.1 200 ")) {
    return absl::InternalError("metrics scrape was not answered with 200");
  }
  const size_t body = response->find("\r\n\r\n");
  if (body == std::string::npos) {
    return absl::InternalError("metrics answer has no header end");
  }
  return response->substr(body + 4);
}

}  // namespace equilink::testing
