#ifndef EQUILINK_TESTS_INTEGRATION_RAW_HTTP2_CLIENT_H_
#define EQUILINK_TESTS_INTEGRATION_RAW_HTTP2_CLIENT_H_

// An HTTP/2 client that writes frames by hand over mutual TLS, so a test can
// send what no gRPC client library ever would: a message cut off inside its
// length prefix's promise, a stream reset mid-message, a connection dropped
// without a goodbye. It speaks just enough HTTP/2 (RFC 9113) to open gRPC
// streams: the preface, SETTINGS and its ACK, HEADERS with uncompressed HPACK
// literals (RFC 7541 section 6.2.2), DATA and RST_STREAM. It reads the
// server's frames but decodes no HPACK: the tests judge the server by which
// frames end a stream and by what it stored, not by header text.

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "equilink/v1/gateway_config.pb.h"

namespace equilink::testing {

enum class Http2FrameType : uint8_t {
  kData = 0x0,
  kHeaders = 0x1,
  kRstStream = 0x3,
  kSettings = 0x4,
  kPing = 0x6,
  kGoAway = 0x7,
  kWindowUpdate = 0x8,
};

inline constexpr uint8_t kHttp2EndStream = 0x1;
inline constexpr uint8_t kHttp2Ack = 0x1;  // on SETTINGS and PING
inline constexpr uint8_t kHttp2EndHeaders = 0x4;
inline constexpr uint32_t kHttp2Cancel = 0x8;  // RST_STREAM error code

struct Http2Frame {
  uint8_t type = 0;
  uint8_t flags = 0;
  uint32_t stream_id = 0;
  std::string payload;
};

// The 5-byte gRPC message prefix (uncompressed) claiming `declared_length`
// bytes follow, then `body`, which may be shorter: that is the point.
std::string GrpcMessageFrame(uint32_t declared_length, const std::string& body);

class RawHttp2Client {
 public:
  // Connects to 127.0.0.1:port, completes TLS (1.2 or later, ALPN h2) with
  // `client`'s certificate and sends the connection preface and SETTINGS.
  static absl::StatusOr<std::unique_ptr<RawHttp2Client>> Connect(
      int port, const v1::TlsFiles& client);
  ~RawHttp2Client();

  // HEADERS (END_HEADERS) opening a gRPC call of `method` on `stream_id`.
  absl::Status OpenGrpcStream(uint32_t stream_id, const std::string& method);
  absl::Status SendData(uint32_t stream_id, const std::string& bytes,
                        bool end_stream);
  absl::Status SendRstStream(uint32_t stream_id, uint32_t error_code);

  // Reads frames, answering SETTINGS and PING as a peer must and skipping
  // WINDOW_UPDATE, until one for `stream_id` arrives, the connection ends or
  // `timeout` passes. NotFound when the connection ended (GOAWAY or EOF),
  // DeadlineExceeded on timeout.
  absl::StatusOr<Http2Frame> NextFrameOn(uint32_t stream_id,
                                         absl::Duration timeout);
  // As NextFrameOn, skipping frames until one ends the stream: HEADERS or
  // DATA with END_STREAM, or RST_STREAM.
  absl::StatusOr<Http2Frame> AwaitStreamEnd(uint32_t stream_id,
                                            absl::Duration timeout);

  // Closes the TCP connection at once: no RST_STREAM, no GOAWAY, no TLS
  // close_notify, as when a laptop loses its network.
  void DropConnection();

 private:
  RawHttp2Client() = default;
  absl::Status WriteFrame(Http2FrameType type, uint8_t flags,
                          uint32_t stream_id, const std::string& payload);
  absl::StatusOr<Http2Frame> ReadFrame();
  absl::Status ReadExactly(char* out, size_t size);

  struct SslCtxFree {
    void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
  };
  struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
  };
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx_;
  std::unique_ptr<SSL, SslFree> ssl_;
  int fd_ = -1;
};

}  // namespace equilink::testing

#endif  // EQUILINK_TESTS_INTEGRATION_RAW_HTTP2_CLIENT_H_
