#include "tests/integration/raw_http2_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace equilink::testing {
namespace {

constexpr char kConnectionPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr size_t kFrameHeaderBytes = 9;
// Frames larger than SETTINGS_MAX_FRAME_SIZE's default are never sent to us:
// we advertise no larger size.
constexpr uint32_t kMaxFramePayload = 1 << 14;

// An HPACK integer with an N-bit prefix (RFC 7541 section 5.1), first byte's
// high bits taken from `first_byte_flags`.
void AppendHpackInteger(uint32_t value, int prefix_bits,
                        uint8_t first_byte_flags, std::string* out) {
  const uint32_t max_prefix = (1u << prefix_bits) - 1;
  if (value < max_prefix) {
    out->push_back(static_cast<char>(first_byte_flags | value));
    return;
  }
  out->push_back(static_cast<char>(first_byte_flags | max_prefix));
  value -= max_prefix;
  while (value >= 128) {
    out->push_back(static_cast<char>((value % 128) + 128));
    value /= 128;
  }
  out->push_back(static_cast<char>(value));
}

// "Literal Header Field without Indexing, New Name", neither string Huffman
// coded: the encoding every HPACK decoder must accept and the simplest.
void AppendLiteralHeader(const std::string& name, const std::string& value,
                         std::string* block) {
  block->push_back('\0');
  AppendHpackInteger(static_cast<uint32_t>(name.size()), 7, 0, block);
  block->append(name);
  AppendHpackInteger(static_cast<uint32_t>(value.size()), 7, 0, block);
  block->append(value);
}

void AppendBigEndian(uint32_t value, int bytes, std::string* out) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

std::string SslError(absl::string_view what) {
  const unsigned long error = ERR_get_error();
  char text[256] = "no OpenSSL error queued";
  if (error != 0) ERR_error_string_n(error, text, sizeof(text));
  return absl::StrCat(what, ": ", text);
}

}  // namespace

std::string GrpcMessageFrame(uint32_t declared_length,
                             const std::string& body) {
  std::string message(1, '\0');  // not compressed
  AppendBigEndian(declared_length, 4, &message);
  message.append(body);
  return message;
}

absl::StatusOr<std::unique_ptr<RawHttp2Client>> RawHttp2Client::Connect(
    int port, const v1::TlsFiles& client) {
  std::unique_ptr<RawHttp2Client> connection(new RawHttp2Client());
  connection->ctx_.reset(SSL_CTX_new(TLS_client_method()));
  SSL_CTX* ctx = connection->ctx_.get();
  if (ctx == nullptr) return absl::InternalError(SslError("SSL_CTX_new"));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  static const unsigned char kAlpn[] = {2, 'h', '2'};
  if (SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof(kAlpn)) != 0 ||
      SSL_CTX_use_certificate_chain_file(
          ctx, client.certificate_file().c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, client.private_key_file().c_str(),
                                  SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_load_verify_locations(ctx, client.ca_file().c_str(), nullptr) !=
          1) {
    return absl::InternalError(SslError("loading the client's TLS files"));
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);

  connection->fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connection->fd_ < 0) return absl::InternalError("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(connection->fd_, reinterpret_cast<sockaddr*>(&address),
              sizeof(address)) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to port ", port));
  }
  connection->ssl_.reset(SSL_new(ctx));
  SSL_set_fd(connection->ssl_.get(), connection->fd_);
  if (SSL_connect(connection->ssl_.get()) != 1) {
    return absl::UnavailableError(SslError("TLS handshake"));
  }
  const unsigned char* protocol = nullptr;
  unsigned int protocol_length = 0;
  SSL_get0_alpn_selected(connection->ssl_.get(), &protocol, &protocol_length);
  if (protocol_length != 2 || std::memcmp(protocol, "h2", 2) != 0) {
    return absl::FailedPreconditionError("the server did not select ALPN h2");
  }
  const std::string preface(kConnectionPreface, sizeof(kConnectionPreface) - 1);
  if (SSL_write(connection->ssl_.get(), preface.data(),
                static_cast<int>(preface.size())) <= 0) {
    return absl::UnavailableError(SslError("writing the preface"));
  }
  if (absl::Status sent =
          connection->WriteFrame(Http2FrameType::kSettings, 0, 0, "");
      !sent.ok()) {
    return sent;
  }
  return connection;
}

RawHttp2Client::~RawHttp2Client() { DropConnection(); }

void RawHttp2Client::DropConnection() {
  if (fd_ < 0) return;
  // SO_LINGER 0: the kernel sends RST, the way a vanished peer looks.
  linger abort_on_close{.l_onoff = 1, .l_linger = 0};
  setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort_on_close,
             sizeof(abort_on_close));
  close(fd_);
  fd_ = -1;
}

absl::Status RawHttp2Client::WriteFrame(Http2FrameType type, uint8_t flags,
                                        uint32_t stream_id,
                                        const std::string& payload) {
  if (fd_ < 0) return absl::FailedPreconditionError("connection dropped");
  if (payload.size() > kMaxFramePayload) {
    return absl::InvalidArgumentError("frame payload over 16 KiB");
  }
  std::string frame;
  AppendBigEndian(static_cast<uint32_t>(payload.size()), 3, &frame);
  frame.push_back(static_cast<char>(type));
  frame.push_back(static_cast<char>(flags));
  AppendBigEndian(stream_id & 0x7fffffff, 4, &frame);
  frame.append(payload);
  if (SSL_write(ssl_.get(), frame.data(), static_cast<int>(frame.size())) <=
      0) {
    return absl::UnavailableError(SslError("writing a frame"));
  }
  return absl::OkStatus();
}

absl::Status RawHttp2Client::OpenGrpcStream(uint32_t stream_id,
                                            const std::string& method) {
  std::string block;
  AppendLiteralHeader(":method", "POST", &block);
  AppendLiteralHeader(":scheme", "https", &block);
  AppendLiteralHeader(":path", method, &block);
  AppendLiteralHeader(":authority", "localhost", &block);
  AppendLiteralHeader("content-type", "application/grpc", &block);
  AppendLiteralHeader("te", "trailers", &block);
  return WriteFrame(Http2FrameType::kHeaders, kHttp2EndHeaders, stream_id,
                    block);
}

absl::Status RawHttp2Client::SendData(uint32_t stream_id,
                                      const std::string& bytes,
                                      bool end_stream) {
  size_t offset = 0;
  do {
    const std::string chunk = bytes.substr(offset, kMaxFramePayload);
    offset += chunk.size();
    const bool last = offset >= bytes.size();
    if (absl::Status sent = WriteFrame(Http2FrameType::kData,
                                       last && end_stream ? kHttp2EndStream : 0,
                                       stream_id, chunk);
        !sent.ok()) {
      return sent;
    }
  } while (offset < bytes.size());
  return absl::OkStatus();
}

absl::Status RawHttp2Client::SendRstStream(uint32_t stream_id,
                                           uint32_t error_code) {
  std::string payload;
  AppendBigEndian(error_code, 4, &payload);
  return WriteFrame(Http2FrameType::kRstStream, 0, stream_id, payload);
}

absl::Status RawHttp2Client::ReadExactly(char* out, size_t size) {
  size_t done = 0;
  while (done < size) {
    const int got =
        SSL_read(ssl_.get(), out + done, static_cast<int>(size - done));
    if (got <= 0) {
      return SSL_get_error(ssl_.get(), got) == SSL_ERROR_ZERO_RETURN
                 ? absl::NotFoundError("the server closed the connection")
                 : absl::UnavailableError(SslError("reading"));
    }
    done += static_cast<size_t>(got);
  }
  return absl::OkStatus();
}

absl::StatusOr<Http2Frame> RawHttp2Client::ReadFrame() {
  unsigned char header[kFrameHeaderBytes];
  if (absl::Status read =
          ReadExactly(reinterpret_cast<char*>(header), sizeof(header));
      !read.ok()) {
    return read;
  }
  const uint32_t length = (uint32_t{header[0]} << 16) |
                          (uint32_t{header[1]} << 8) | uint32_t{header[2]};
  Http2Frame frame;
  frame.type = header[3];
  frame.flags = header[4];
  frame.stream_id = ((uint32_t{header[5]} << 24) | (uint32_t{header[6]} << 16) |
                     (uint32_t{header[7]} << 8) | uint32_t{header[8]}) &
                    0x7fffffff;
  if (length > kMaxFramePayload) {
    return absl::DataLossError("the server sent a frame over 16 KiB");
  }
  frame.payload.resize(length);
  if (absl::Status read = ReadExactly(frame.payload.data(), length);
      !read.ok()) {
    return read;
  }
  return frame;
}

absl::StatusOr<Http2Frame> RawHttp2Client::NextFrameOn(uint32_t stream_id,
                                                       absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    if (SSL_pending(ssl_.get()) == 0) {
      pollfd readable{.fd = fd_, .events = POLLIN, .revents = 0};
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration() ||
          poll(&readable, 1,
               static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) == 0) {
        return absl::DeadlineExceededError("no frame on the stream in time");
      }
    }
    absl::StatusOr<Http2Frame> frame = ReadFrame();
    if (!frame.ok()) return frame.status();
    const auto type = static_cast<Http2FrameType>(frame->type);
    if (type == Http2FrameType::kSettings && (frame->flags & kHttp2Ack) == 0) {
      if (absl::Status acked =
              WriteFrame(Http2FrameType::kSettings, kHttp2Ack, 0, "");
          !acked.ok()) {
        return acked;
      }
    } else if (type == Http2FrameType::kPing &&
               (frame->flags & kHttp2Ack) == 0) {
      if (absl::Status answered =
              WriteFrame(Http2FrameType::kPing, kHttp2Ack, 0, frame->payload);
          !answered.ok()) {
        return answered;
      }
    } else if (type == Http2FrameType::kGoAway) {
      return absl::NotFoundError("the server sent GOAWAY");
    } else if (type == Http2FrameType::kWindowUpdate) {
      // Flow-control credit; the tests send far less than any window.
    } else if (frame->stream_id == stream_id) {
      return frame;
    }
  }
}

absl::StatusOr<Http2Frame> RawHttp2Client::AwaitStreamEnd(
    uint32_t stream_id, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    absl::StatusOr<Http2Frame> frame =
        NextFrameOn(stream_id, deadline - absl::Now());
    if (!frame.ok()) return frame.status();
    const auto type = static_cast<Http2FrameType>(frame->type);
    if (type == Http2FrameType::kRstStream ||
        (frame->flags & kHttp2EndStream) != 0) {
      return frame;
    }
  }
}

}  // namespace equilink::testing
