#ifndef EQUILINK_SERVER_METRICS_HTTP_RESPONDER_H_
#define EQUILINK_SERVER_METRICS_HTTP_RESPONDER_H_

// A deliberately small HTTP/1.1 responder for the metrics scrape: one thread,
// one connection at a time, one request per connection. It answers
// `GET /metrics` with 200 and the rendered text (text/plain; version=0.0.4),
// any other well-formed request with 404, a malformed one with 400, a request
// head larger than the limit with 431 and a client that does not finish its
// request in time with 408, then closes the connection.
//
// A bad client can only delay other scrapes, by at most the request and
// write timeouts: the responder runs on its own thread, never holds a lock
// the gateway takes, and sockets are non-blocking with every wait bounded.
//
// Plaintext, no authentication: it binds to a loopback address unless the
// caller explicitly allows otherwise (SECURITY.md says why that is the
// default), and the metrics it serves carry no personal data.

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace equilink::metrics {

struct HttpResponderOptions {
  // host:port or [ipv6]:port; port 0 picks a free port (see port()).
  std::string listen_address;
  // Without it, an address that is not loopback (127.0.0.0/8, ::1) is
  // refused.
  bool allow_non_loopback = false;
  // Largest request head (request line and headers) read.
  size_t max_request_bytes = 8192;
  // Time a client has to send its whole request head.
  absl::Duration request_timeout = absl::Seconds(2);
  // Time a client has to take the whole response.
  absl::Duration write_timeout = absl::Seconds(5);
  // The body of a 200 answer; called on the responder's thread.
  std::function<std::string()> render;
};

class HttpResponder {
 public:
  // Binds, listens and starts the thread. InvalidArgument for a malformed
  // address or a non-loopback one that is not allowed; Unavailable when the
  // address cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpResponder>> Start(
      HttpResponderOptions options);

  // Stop().
  ~HttpResponder();
  HttpResponder(const HttpResponder&) = delete;
  HttpResponder& operator=(const HttpResponder&) = delete;

  // The bound port.
  int port() const { return port_; }

  // Abandons the connection being served, stops the thread and closes the
  // socket. Idempotent.
  void Stop();

 private:
  HttpResponder(HttpResponderOptions options, int listen_fd, int wake_read,
                int wake_write, int port);
  void Run();
  void Serve(int fd);

  const HttpResponderOptions options_;
  const int listen_fd_;
  // A pipe written by Stop() so every poll of the thread wakes at once.
  const int wake_read_;
  const int wake_write_;
  const int port_;
  std::thread thread_;
};

// The response to one request head (everything up to the blank line),
// status line to body. `render` is called only for GET /metrics.
std::string RespondToRequest(absl::string_view head,
                             const std::function<std::string()>& render);

// The response for `status_code` with a short plain-text body, for answers
// given without parsing a request (408, 431).
std::string ErrorResponse(int status_code);

}  // namespace equilink::metrics

#endif  // EQUILINK_SERVER_METRICS_HTTP_RESPONDER_H_
