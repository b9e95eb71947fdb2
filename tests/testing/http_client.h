#ifndef EQUILINK_TESTS_TESTING_HTTP_CLIENT_H_
#define EQUILINK_TESTS_TESTING_HTTP_CLIENT_H_

// A raw TCP client for tests of the metrics endpoint: sends exactly the bytes
// given (well-formed or not) and reads the answer until the server closes.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace equilink::testing {

// A connected socket to 127.0.0.1:port (blocking); closed on destruction.
class TcpConnection {
 public:
  static absl::StatusOr<TcpConnection> Connect(int port);
  TcpConnection(TcpConnection&& other) noexcept;
  TcpConnection& operator=(TcpConnection&&) = delete;
  ~TcpConnection();

  absl::Status Send(absl::string_view bytes);
  // Everything the server sends until it closes the connection, at most
  // `timeout`; DeadlineExceeded when it does not close in time.
  absl::StatusOr<std::string> ReadUntilClosed(absl::Duration timeout);

 private:
  explicit TcpConnection(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Connect, send `request`, read until closed.
absl::StatusOr<std::string> HttpExchange(
    int port, absl::string_view request,
    absl::Duration timeout = absl::Seconds(5));

// The body of `GET /metrics` from 127.0.0.1:port; an error unless the
// answer is a 200.
absl::StatusOr<std::string> ScrapeMetrics(int port);

}  // namespace equilink::testing

#endif  // EQUILINK_TESTS_TESTING_HTTP_CLIENT_H_
