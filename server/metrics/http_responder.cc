#include "server/metrics/http_responder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/memory/memory.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/log/log.h"

namespace equilink::metrics {
namespace {

constexpr char kMetricsContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";

const char* ReasonPhrase(int status_code) {
  switch (status_code) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    default:
      return "Internal Server Error";
  }
}

std::string Response(int status_code, absl::string_view content_type,
                     absl::string_view body) {
  return absl::StrCat("HTTP/1.1 ", status_code, " ", ReasonPhrase(status_code),
                      "\r\nContent-Type: ", content_type,
                      "\r\nContent-Length: ", body.size(),
                      "\r\nCache-Control: no-store"
                      "\r\nX-Content-Type-Options: nosniff"
                      "\r\nConnection: close\r\n\r\n",
                      body);
}

bool IsToken(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isupper(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

struct HostPort {
  std::string host;
  std::string port;
};

absl::StatusOr<HostPort> SplitAddress(absl::string_view address) {
  HostPort out;
  size_t colon;
  if (!address.empty() && address.front() == '[') {
    const size_t close = address.find(']');
    if (close == absl::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return absl::InvalidArgumentError(
          "metrics listen address must be host:port or [ipv6]:port");
    }
    out.host = std::string(address.substr(1, close - 1));
    colon = close + 1;
  } else {
    colon = address.rfind(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          "metrics listen address must be host:port or [ipv6]:port");
    }
    out.host = std::string(address.substr(0, colon));
  }
  out.port = std::string(address.substr(colon + 1));
  int port_number = -1;
  if (out.host.empty() || !absl::SimpleAtoi(out.port, &port_number) ||
      port_number < 0 || port_number > 65535) {
    return absl::InvalidArgumentError(
        "metrics listen address needs a host and a port from 0 to 65535");
  }
  return out;
}

bool IsLoopback(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    if (IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr) &&
           v6->sin6_addr.s6_addr[12] == 127;
  }
  return false;
}

// A listening, non-blocking socket on `address` and its bound port.
absl::StatusOr<std::pair<int, int>> Listen(absl::string_view address,
                                           bool allow_non_loopback) {
  absl::StatusOr<HostPort> parts = SplitAddress(address);
  if (!parts.ok()) return parts.status();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* results = nullptr;
  if (getaddrinfo(parts->host.c_str(), parts->port.c_str(), &hints, &results) !=
          0 ||
      results == nullptr) {
    return absl::InvalidArgumentError(
        "metrics listen address does not resolve");
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(results,
                                                           &freeaddrinfo);
  // Every address the name resolves to must be loopback: "localhost" could
  // be made to name another interface in /etc/hosts.
  for (const addrinfo* ai = results; ai != nullptr; ai = ai->ai_next) {
    if (!allow_non_loopback && !IsLoopback(ai->ai_addr)) {
      return absl::InvalidArgumentError(
          "metrics listen address is not loopback; the endpoint is plaintext "
          "and unauthenticated, so set metrics.allow_non_loopback only behind "
          "a firewall or proxy that restricts who can reach it");
    }
  }
  const int fd =
      socket(results->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError("metrics socket cannot be made");
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, results->ai_addr, results->ai_addrlen) != 0 ||
      listen(fd, 16) != 0) {
    const int error = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat(
        "cannot listen for metrics on ", address, ": ", std::strerror(error)));
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  const int port =
      bound.ss_family == AF_INET6
          ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
          : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return std::make_pair(fd, port);
}

// What a wait on a connection ended with.
enum class Wait { kReady, kTimeout, kStop, kError };

Wait WaitFor(int fd, short events, int wake_fd, absl::Time deadline) {
  for (;;) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return Wait::kTimeout;
    pollfd fds[2] = {{fd, events, 0}, {wake_fd, POLLIN, 0}};
    const int timeout_ms =
        static_cast<int>(absl::ToInt64Milliseconds(left)) + 1;
    const int n = poll(fds, 2, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Wait::kError;
    }
    if (fds[1].revents != 0) return Wait::kStop;
    if (fds[0].revents & (events | POLLHUP | POLLERR)) return Wait::kReady;
  }
}

}  // namespace

std::string ErrorResponse(int status_code) {
  return Response(
      status_code, "text/plain; charset=utf-8",
      absl::StrCat(absl::AsciiStrToLower(ReasonPhrase(status_code)), "\n"));
}

std::string RespondToRequest(absl::string_view head,
                             const std::function<std::string()>& render) {
  size_t end = head.find('\n');
  if (end == absl::string_view::npos) return ErrorResponse(400);
  absl::string_view line = head.substr(0, end);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
  if (parts.size() != 3 || !IsToken(parts[0]) || parts[1].empty() ||
      parts[1].front() != '/' ||
      (parts[2] != "HTTP/1.1" && parts[2] != "HTTP/1.0")) {
    return ErrorResponse(400);
  }
  absl::string_view path = parts[1].substr(0, parts[1].find('?'));
  if (parts[0] != "GET" || path != "/metrics") return ErrorResponse(404);
  return Response(200, kMetricsContentType, render ? render() : "");
}

absl::StatusOr<std::unique_ptr<HttpResponder>> HttpResponder::Start(
    HttpResponderOptions options) {
  absl::StatusOr<std::pair<int, int>> listening =
      Listen(options.listen_address, options.allow_non_loopback);
  if (!listening.ok()) return listening.status();
  int wake[2];
  if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {
    close(listening->first);
    return absl::UnavailableError("metrics responder cannot make its pipe");
  }
  auto responder =
      absl::WrapUnique(new HttpResponder(std::move(options), listening->first,
                                         wake[0], wake[1], listening->second));
  HttpResponder* raw = responder.get();
  responder->thread_ = std::thread([raw] { raw->Run(); });
  return responder;
}

HttpResponder::HttpResponder(HttpResponderOptions options, int listen_fd,
                             int wake_read, int wake_write, int port)
    : options_(std::move(options)),
      listen_fd_(listen_fd),
      wake_read_(wake_read),
      wake_write_(wake_write),
      port_(port) {}

HttpResponder::~HttpResponder() {
  Stop();
  close(listen_fd_);
  close(wake_read_);
  close(wake_write_);
}

void HttpResponder::Stop() {
  if (!thread_.joinable()) return;
  const char byte = 0;
  // The pipe is non-blocking and only ever needs one byte in it.
  [[maybe_unused]] ssize_t written = write(wake_write_, &byte, 1);
  thread_.join();
}

void HttpResponder::Run() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_read_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      EQ_LOG(kError, "metrics responder poll failed: %s", std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int fd =
        accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
          errno == ENOMEM) {
        // Out of descriptors: back off instead of spinning on the ready
        // listening socket; the pending client waits in the backlog.
        EQ_LOG(kWarning, "metrics responder cannot accept: %s",
               std::strerror(errno));
        pollfd wake = {wake_read_, POLLIN, 0};
        if (poll(&wake, 1, 100) > 0) return;
      }
      continue;
    }
    Serve(fd);
    close(fd);
  }
}

void HttpResponder::Serve(int fd) {
  const absl::Time read_deadline = absl::Now() + options_.request_timeout;
  std::string head;
  std::string response;
  char buffer[1024];
  bool complete = false;
  while (!complete) {
    const Wait wait = WaitFor(fd, POLLIN, wake_read_, read_deadline);
    if (wait == Wait::kStop || wait == Wait::kError) return;
    if (wait == Wait::kTimeout) {
      response = ErrorResponse(408);
      break;
    }
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return;
    }
    if (n == 0) break;  // the client finished sending; answer what came
    head.append(buffer, static_cast<size_t>(n));
    const size_t end = head.find("\r\n\r\n");
    const size_t lf_end = head.find("\n\n");
    complete = end != std::string::npos || lf_end != std::string::npos;
    if (!complete && head.size() > options_.max_request_bytes) {
      response = ErrorResponse(431);
      break;
    }
  }
  if (response.empty()) {
    if (head.empty()) return;  // connected and went away: nothing to answer
    if (head.size() > options_.max_request_bytes) {
      response = ErrorResponse(431);
    } else {
      response = RespondToRequest(head, options_.render);
    }
  }
  const absl::Time write_deadline = absl::Now() + options_.write_timeout;
  size_t sent = 0;
  while (sent < response.size()) {
    const ssize_t n =
        send(fd, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return;
    }
    if (WaitFor(fd, POLLOUT, wake_read_, write_deadline) != Wait::kReady) {
      return;
    }
  }
  // Half-close, then drain briefly: closing with unread request bytes in the
  // socket makes the kernel send a reset, which can destroy the response
  // before the client reads it.
  shutdown(fd, SHUT_WR);
  const absl::Time drain_deadline = absl::Now() + absl::Milliseconds(200);
  size_t drained = 0;
  while (drained < 64 * 1024 &&
         WaitFor(fd, POLLIN, wake_read_, drain_deadline) == Wait::kReady) {
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    drained += static_cast<size_t>(n);
  }
}

}  // namespace equilink::metrics
