// Hostile transport and hostile messages against a real gateway on 127.0.0.1
// (issue 6). Each case is refused with a documented status, and nothing
// stored changes: the store's rows and the audit chain are compared before
// and after, allowing only the AUDIT_DENY entries the refusal itself adds.
//
// Connections refused before any handler runs are audited as counted
// summaries (server/api/handshake_auditor.h); the gateway here writes them
// every 50 ms so a test can wait for its entry.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/commands/submit_command.h"
#include "common/rpc/channel_options.h"
#include "equilink/v1/submission.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "server/audit/audit_reader.h"
#include "tests/integration/gateway_harness.h"
#include "tests/integration/raw_http2_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kSubmitMethod[] = "/equilink.v1.SubmissionService/Submit";
constexpr char kStatusMethod[] =
    "/equilink.v1.SubmissionService/GetSubmissionStatus";
// The smallest limit the configuration accepts, so an oversized message is
// cheap to make.
constexpr int kMaxMessageBytes = 64 << 10;

std::chrono::system_clock::time_point In(std::chrono::milliseconds delay) {
  return std::chrono::system_clock::now() + delay;
}

// A TCP connection to 127.0.0.1:port, or -1.
int ConnectTcp(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    close(fd);
    return -1;
  }
  timeval timeout{.tv_sec = 5, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  return fd;
}

// A channel presenting `client` exactly as its files are, without the
// project's own checks (MakeChannelCredentials refuses an expired
// certificate before it could ever be sent).
std::shared_ptr<grpc::Channel> UncheckedChannel(int port,
                                                const v1::TlsFiles& client) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadFileOrEmpty(client.ca_file());
  options.pem_cert_chain = ReadFileOrEmpty(client.certificate_file());
  options.pem_private_key = ReadFileOrEmpty(client.private_key_file());
  return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::SslCredentials(options),
                                   ClientChannelArguments(0));
}

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};

// The outcome of a TLS handshake made with OpenSSL directly, offering only
// versions min..max and allowing every cipher, so that the server alone
// decides.
struct HandshakeResult {
  bool completed = false;
  unsigned long error = 0;  // the first OpenSSL error when not completed
};
HandshakeResult OpensslHandshake(int port, int min_version, int max_version,
                                 const v1::TlsFiles& client) {
  HandshakeResult result;
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  EXPECT_NE(ctx, nullptr);
  if (ctx == nullptr) return result;
  // Security level 0: OpenSSL 3's client would otherwise refuse to offer
  // TLS 1.0/1.1 itself, and the test would prove nothing about the server.
  SSL_CTX_set_security_level(ctx.get(), 0);
  EXPECT_EQ(SSL_CTX_set_cipher_list(ctx.get(), "ALL:@SECLEVEL=0"), 1);
  EXPECT_EQ(SSL_CTX_set_min_proto_version(ctx.get(), min_version), 1);
  EXPECT_EQ(SSL_CTX_set_max_proto_version(ctx.get(), max_version), 1);
  static const unsigned char kAlpn[] = {2, 'h', '2'};
  SSL_CTX_set_alpn_protos(ctx.get(), kAlpn, sizeof(kAlpn));
  EXPECT_EQ(SSL_CTX_use_certificate_chain_file(
                ctx.get(), client.certificate_file().c_str()),
            1);
  EXPECT_EQ(SSL_CTX_use_PrivateKey_file(
                ctx.get(), client.private_key_file().c_str(), SSL_FILETYPE_PEM),
            1);
  EXPECT_EQ(SSL_CTX_load_verify_locations(ctx.get(), client.ca_file().c_str(),
                                          nullptr),
            1);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  const int fd = ConnectTcp(port);
  EXPECT_GE(fd, 0);
  if (fd < 0) return result;
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
  SSL_set_fd(ssl.get(), fd);
  ERR_clear_error();
  result.completed = SSL_connect(ssl.get()) == 1;
  if (!result.completed) result.error = ERR_peek_error();
  ERR_clear_error();
  close(fd);
  return result;
}

class HostileTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = MakeGatewayConfig(dir_.path());
    config_.set_max_message_bytes(kMaxMessageBytes);
    const absl::Status installed = InstallActiveAgreement(
        store_path(), ExampleSubmissionAgreement(kCharitylogOrg));
    ASSERT_TRUE(installed.ok()) << installed;
    api::GatewayServer::StartOptions options;
    options.handshake_audit_interval = absl::Milliseconds(50);
    absl::StatusOr<std::unique_ptr<api::GatewayServer>> gateway =
        api::GatewayServer::Start(config_, options);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);
  }

  const std::string& store_path() { return config_.store().sqlite_path(); }
  int port() { return gateway_->port(); }

  StoredCounts StoreSnapshot() {
    // Index whatever is appended first, so a background index pass between
    // two snapshots cannot make them differ.
    EXPECT_TRUE(gateway_->store().Summarise().ok());
    return CountStored(store_path());
  }

  std::vector<v1::AuditEntry> AuditEntries() {
    absl::StatusOr<audit::StoredAuditLog> log =
        audit::ReadStoredAuditLog(config_.audit().sqlite_path(), 0, 0);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? log->entries : std::vector<v1::AuditEntry>();
  }

  // The audit entries added since `before`, after checking that the entries
  // in `before` are still there unchanged (the chain was only appended to).
  std::vector<v1::AuditEntry> AddedSince(
      const std::vector<v1::AuditEntry>& before) {
    const std::vector<v1::AuditEntry> now = AuditEntries();
    EXPECT_GE(now.size(), before.size());
    for (size_t i = 0; i < before.size() && i < now.size(); ++i) {
      EXPECT_EQ(now[i].entry_hash(), before[i].entry_hash()) << "entry " << i;
    }
    if (now.size() <= before.size()) return {};
    return {now.begin() + static_cast<std::ptrdiff_t>(before.size()),
            now.end()};
  }

  // Waits up to 5 s for a transport.handshake denial with `rule_id` after
  // `before`, and returns it. Every entry added meanwhile must be a denial.
  v1::AuditEntry AwaitHandshakeDenial(const std::vector<v1::AuditEntry>& before,
                                      const std::string& rule_id) {
    for (int i = 0; i < 500; ++i) {
      for (const v1::AuditEntry& entry : AddedSince(before)) {
        EXPECT_EQ(entry.decision(), v1::AUDIT_DENY);
        if (entry.action() == "transport.handshake" &&
            entry.rule_id() == rule_id) {
          return entry;
        }
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    ADD_FAILURE() << "no transport.handshake entry with rule " << rule_id;
    return v1::AuditEntry();
  }

  // Submits the Charitylog sample through the real client (so something is
  // stored before each hostile case) and returns its first batch as sent.
  v1::SubmissionBatch SubmitGoodSample() {
    client::SubmitOptions options;
    options.export_options.input_path =
        SourcePath("client/samples/charitylog_export.csv");
    options.export_options.profile_path =
        SourcePath("client/profiles/charitylog.textproto");
    options.export_options.postcode_lookup_path =
        SourcePath("deploy/data/postcode_lookup_demo.csv");
    options.export_options.rejects_path = dir_.File("rejects.csv");
    options.export_options.rows_per_batch = 7;
    options.linkage_key_path = TestLinkageKeyPath();
    options.gateway_address = absl::StrCat("127.0.0.1:", port());
    options.tls = TestPki::Get().ClientFiles(kCharitylogOrg);
    options.purpose_id = kExamplePurpose;
    std::string first;
    options.wire_observer = [&](const std::string& bytes) {
      if (first.empty()) first = bytes;
    };
    absl::StatusOr<client::RunReport> report = client::RunSubmit(options);
    EXPECT_TRUE(report.ok()) << report.status();
    v1::SubmissionBatch batch;
    EXPECT_TRUE(batch.ParseFromString(first));
    return batch;
  }

  // GetSubmissionStatus over `channel`: the cheapest call that needs an
  // authorised submitter.
  grpc::Status CallStatus(const std::shared_ptr<grpc::Channel>& channel) {
    auto stub = v1::SubmissionService::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(In(std::chrono::seconds(10)));
    v1::GetSubmissionStatusRequest request;
    request.set_submission_id("hostile-1");
    v1::SubmissionStatus response;
    return stub->GetSubmissionStatus(&context, request, &response);
  }

  grpc::Status SubmitOne(const v1::TlsFiles& client,
                         const v1::SubmissionBatch& batch) {
    v1::BatchAck ack;
    return SubmitOneBatch(port(), client, batch, &ack);
  }

  // A gRPC call of `method` whose request messages are `payloads`, whatever
  // they hold, through the generic (untyped) stub. For a stream, `responses`
  // counts the messages that came back.
  grpc::Status CallRaw(const std::string& method,
                       const std::vector<std::string>& payloads, bool streaming,
                       int* responses = nullptr) {
    grpc::GenericStub stub(
        MakeChannel(port(), TestPki::Get().ClientFiles(kCharitylogOrg)));
    grpc::ClientContext context;
    context.set_deadline(In(std::chrono::seconds(10)));
    grpc::CompletionQueue cq;
    grpc::ByteBuffer response;
    grpc::Status status;
    void* tag = nullptr;
    bool ok = false;
    auto buffer = [](const std::string& payload) {
      grpc::Slice slice(payload);
      return grpc::ByteBuffer(&slice, 1);
    };
    if (!streaming) {
      EXPECT_EQ(payloads.size(), 1u);
      std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
          stub.PrepareUnaryCall(&context, method, buffer(payloads.front()),
                                &cq);
      call->StartCall();
      call->Finish(&response, &status, reinterpret_cast<void*>(1));
      EXPECT_TRUE(cq.Next(&tag, &ok));
      return status;
    }
    std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
        stub.PrepareCall(&context, method, &cq);
    call->StartCall(reinterpret_cast<void*>(1));
    EXPECT_TRUE(cq.Next(&tag, &ok));
    for (const std::string& payload : payloads) {
      call->Write(buffer(payload), reinterpret_cast<void*>(2));
      EXPECT_TRUE(cq.Next(&tag, &ok));
    }
    call->WritesDone(reinterpret_cast<void*>(3));
    EXPECT_TRUE(cq.Next(&tag, &ok));
    int received = 0;
    for (;;) {
      call->Read(&response, reinterpret_cast<void*>(4));
      EXPECT_TRUE(cq.Next(&tag, &ok));
      if (!ok) break;
      ++received;
    }
    if (responses != nullptr) *responses = received;
    call->Finish(&status, reinterpret_cast<void*>(5));
    EXPECT_TRUE(cq.Next(&tag, &ok));
    return status;
  }

  TempDir dir_;
  v1::GatewayConfig config_;
  std::unique_ptr<api::GatewayServer> gateway_;
};

// --- Hostile transport: refused before any handler, audited as a summary.

TEST_F(HostileTransportTest, PlaintextGrpcIsRefusedAndAudited) {
  SubmitGoodSample();
  const StoredCounts stored = StoreSnapshot();
  const std::vector<v1::AuditEntry> audit = AuditEntries();
  const grpc::Status status = CallStatus(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port()), grpc::InsecureChannelCredentials()));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  const v1::AuditEntry entry = AwaitHandshakeDenial(audit, "TLS-NOT-TLS");
  EXPECT_EQ(entry.principal().organisation_code(), "unauthenticated");
  EXPECT_THAT(entry.reason(), HasSubstr("not a TLS client"));
  EXPECT_EQ(StoreSnapshot(), stored);
}

TEST_F(HostileTransportTest, GarbageBytesOnTheSocketAreRefusedAndAudited) {
  const std::vector<v1::AuditEntry> audit = AuditEntries();
  const StoredCounts stored = StoreSnapshot();
  const int fd = ConnectTcp(port());
  ASSERT_GE(fd, 0);
  std::string garbage(512, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) {
    garbage[i] = static_cast<char>((i * 131 + 7) & 0xff);
  }
  ASSERT_EQ(send(fd, garbage.data(), garbage.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(garbage.size()));
  // The server closes the connection; at most a TLS alert comes back, never
  // an HTTP/2 frame.
  char reply[64];
  ssize_t n = 0;
  ssize_t total = 0;
  while ((n = recv(fd, reply, sizeof(reply), 0)) > 0) total += n;
  close(fd);
  EXPECT_EQ(n, 0) << "the gateway kept the connection open";
  EXPECT_LE(total, 7);  // one TLS alert record
  AwaitHandshakeDenial(audit, "TLS-NOT-TLS");
  EXPECT_EQ(StoreSnapshot(), stored);
}

TEST_F(HostileTransportTest, NoClientCertificateIsRefusedAndAudited) {
  SubmitGoodSample();
  const StoredCounts stored = StoreSnapshot();
  const std::vector<v1::AuditEntry> audit = AuditEntries();
  v1::TlsFiles anonymous;
  anonymous.set_ca_file(TestPki::Get().ServerFiles().ca_file());
  EXPECT_EQ(CallStatus(MakeChannel(port(), anonymous)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  const v1::AuditEntry entry =
      AwaitHandshakeDenial(audit, "TLS-NO-CERTIFICATE");
  EXPECT_THAT(entry.reason(), HasSubstr("no client certificate"));
  EXPECT_EQ(StoreSnapshot(), stored);
}

TEST_F(HostileTransportTest, ExpiredCertificateIsRefusedAndAudited) {
  const v1::SubmissionBatch batch = SubmitGoodSample();
  const StoredCounts stored = StoreSnapshot();
  const std::vector<v1::AuditEntry> audit = AuditEntries();
  auto stub = v1::SubmissionService::NewStub(
      UncheckedChannel(port(), TestPki::Get().TestClientFiles("test/expired")));
  grpc::ClientContext context;
  context.set_deadline(In(std::chrono::seconds(10)));
  auto stream = stub->Submit(&context);
  stream->Write(batch);
  stream->WritesDone();
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  const v1::AuditEntry entry = AwaitHandshakeDenial(audit, "TLS-EXPIRED");
  EXPECT_THAT(entry.reason(), HasSubstr("expired"));
  EXPECT_EQ(StoreSnapshot(), stored);
}

TEST_F(HostileTransportTest, CertificateFromAnotherCaIsRefusedAndAudited) {
  const v1::SubmissionBatch batch = SubmitGoodSample();
  const StoredCounts stored = StoreSnapshot();
  const std::vector<v1::AuditEntry> audit = AuditEntries();
  EXPECT_EQ(SubmitOne(TestPki::Get().OtherCaClientFiles(), batch).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  const v1::AuditEntry entry = AwaitHandshakeDenial(audit, "TLS-UNTRUSTED-CA");
  EXPECT_THAT(entry.reason(), HasSubstr("not issued by the gateway's CA"));
  EXPECT_EQ(StoreSnapshot(), stored);
}

// The control for the version tests: the same client, allowed TLS 1.2,
// completes the handshake.
TEST_F(HostileTransportTest, OpensslClientCompletesTls12) {
  EXPECT_TRUE(OpensslHandshake(port(), TLS1_2_VERSION, TLS1_2_VERSION,
                               TestPki::Get().ClientFiles(kCharitylogOrg))
                  .completed);
}

TEST_F(HostileTransportTest, Tls10AndTls11AreRefusedAndAudited) {
  const std::vector<v1::AuditEntry> audit = AuditEntries();
  const StoredCounts stored = StoreSnapshot();
  for (const int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    SCOPED_TRACE(version);
    // Offering everything up to 1.1: a server that accepted 1.1 or 1.0 would
    // complete this handshake.
    const HandshakeResult result =
        OpensslHandshake(port(), TLS1_VERSION, version,
                         TestPki::Get().ClientFiles(kCharitylogOrg));
    // gRPC closes the connection without flushing OpenSSL's alert, so the
    // client sees only the end of the stream; the audit entry below shows the
    // server's reason.
    EXPECT_FALSE(result.completed);
  }
  const v1::AuditEntry entry = AwaitHandshakeDenial(audit, "TLS-VERSION");
  EXPECT_THAT(entry.reason(), HasSubstr("older than 1.2"));
  EXPECT_EQ(StoreSnapshot(), stored);
}

// --- Hostile identities: past the handshake, refused by CallAuthoriser.

TEST_F(HostileTransportTest, SuspendedOrganisationIsRefusedAndAudited) {
  const v1::SubmissionBatch batch = SubmitGoodSample();
  EQ_ASSERT_OK_AND_ASSIGN(std::optional<store::Organisation> org,
                          gateway_->store().FindOrganisation(kCharitylogOrg));
  org->active = false;
  ASSERT_TRUE(gateway_->store().UpsertOrganisation(*org).ok());
  const StoredCounts stored = StoreSnapshot();
  const std::vector<v1::AuditEntry> audit = AuditEntries();
  const grpc::Status status =
      SubmitOne(TestPki::Get().ClientFiles(kCharitylogOrg), batch);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("suspended"));
  const std::vector<v1::AuditEntry> added = AddedSince(audit);
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0].decision(), v1::AUDIT_DENY);
  EXPECT_EQ(added[0].rule_id(), "AUTHZ-ACTIVE");
  EXPECT_EQ(added[0].principal().organisation_code(), kCharitylogOrg);
  EXPECT_EQ(StoreSnapshot(), stored);
}

TEST_F(HostileTransportTest, UnregisteredOrganisationIsRefusedAndAudited) {
  const v1::SubmissionBatch batch = SubmitGoodSample();
  const StoredCounts stored = StoreSnapshot();
  const std::vector<v1::AuditEntry> audit = AuditEntries();
  const grpc::Status status =
      SubmitOne(TestPki::Get().ClientFiles(kUnregisteredOrg), batch);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("not registered"));
  const std::vector<v1::AuditEntry> added = AddedSince(audit);
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0].decision(), v1::AUDIT_DENY);
  EXPECT_EQ(added[0].rule_id(), "AUTHZ-REGISTERED");
  EXPECT_EQ(StoreSnapshot(), stored);
}

// --- Hostile messages from an authenticated submitter.

TEST_F(HostileTransportTest, OversizedMessageIsResourceExhausted) {
  const StoredCounts stored = StoreSnapshot();
  const std::vector<v1::AuditEntry> audit = AuditEntries();
  v1::SubmissionBatch batch;
  batch.set_submission_id("oversized-1");
  batch.add_records()->set_record_pseudonym(
      std::string(kMaxMessageBytes + 1024, 'a'));
  const grpc::Status status =
      SubmitOne(TestPki::Get().ClientFiles(kCharitylogOrg), batch);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
  EXPECT_EQ(StoreSnapshot(), stored);
  // Refused by gRPC before the handler: the handler's authorisation may or
  // may not have run, so allow only denials.
  for (const v1::AuditEntry& entry : AddedSince(audit)) {
    EXPECT_EQ(entry.decision(), v1::AUDIT_DENY);
  }
}

TEST_F(HostileTransportTest, StreamCancelledMidwayKeepsOnlyWholeBatches) {
  v1::SubmissionBatch batch = SubmitGoodSample();
  ASSERT_GT(batch.records_size(), 0);
  const StoredCounts stored = StoreSnapshot();
  auto stub = v1::SubmissionService::NewStub(
      MakeChannel(port(), TestPki::Get().ClientFiles(kCharitylogOrg)));
  grpc::ClientContext context;
  context.set_deadline(In(std::chrono::seconds(20)));
  auto stream = stub->Submit(&context);
  batch.set_submission_id("truncated-1");
  batch.set_sequence(0);
  ASSERT_TRUE(stream->Write(batch));
  const std::string durable =
      "SELECT count(*) FROM batches WHERE submission_id = 'truncated-1'";
  for (int i = 0; i < 500 && CountRows(store_path(), durable) == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(CountRows(store_path(), durable), 1);
  // The second batch goes out and the client vanishes at once: it may or may
  // not have been read, but it is stored whole or not at all.
  batch.set_sequence(1);
  stream->Write(batch);
  context.TryCancel();
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  absl::SleepFor(absl::Milliseconds(200));
  const int64_t batches = CountRows(store_path(), durable);
  EXPECT_THAT(batches, ::testing::AnyOf(1, 2));
  // Re-sent records update in place, so the record count never moves; a
  // batch row appears only with all of its records.
  const StoredCounts after = StoreSnapshot();
  EXPECT_EQ(after.records, stored.records);
  EXPECT_EQ(after.batches, stored.batches + batches);
  // The gateway still serves.
  EXPECT_TRUE(CallStatus(MakeChannel(port(), TestPki::Get().ClientFiles(
                                                 kCharitylogOrg)))
                  .ok());
}

// Field 1 (submission_id) claims 16 bytes and carries 3: not a message of
// any schema.
const std::string kNotAProtobuf(
    "\x0a\x10"
    "abc",
    5);

TEST_F(HostileTransportTest, GarbageUnaryRequestIsInternal) {
  const StoredCounts stored = StoreSnapshot();
  // gRPC's own answer for a request it cannot parse, before the handler.
  const grpc::Status status = CallRaw(kStatusMethod, {kNotAProtobuf}, false);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL)
      << status.error_message();
  EXPECT_EQ(StoreSnapshot(), stored);
}

TEST_F(HostileTransportTest, GarbageOnSubmitStreamIsInvalidArgument) {
  v1::SubmissionBatch batch = SubmitGoodSample();
  const StoredCounts stored = StoreSnapshot();
  const grpc::Status status = CallRaw(kSubmitMethod, {kNotAProtobuf}, true);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("not a SubmissionBatch"));
  EXPECT_EQ(StoreSnapshot(), stored);

  // A good batch before the garbage is stored and acknowledged; nothing
  // after it is read.
  batch.set_submission_id("garbage-after-1");
  batch.set_sequence(0);
  v1::SubmissionBatch after = batch;
  after.set_sequence(1);
  int acks = 0;
  const grpc::Status mixed = CallRaw(
      kSubmitMethod,
      {batch.SerializeAsString(), kNotAProtobuf, after.SerializeAsString()},
      true, &acks);
  EXPECT_EQ(mixed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(acks, 1);
  EXPECT_EQ(CountRows(store_path(),
                      "SELECT count(*) FROM batches WHERE submission_id = "
                      "'garbage-after-1'"),
            1);
}

TEST_F(HostileTransportTest, UnknownFieldsAreDroppedNeverStored) {
  v1::SubmissionBatch batch = SubmitGoodSample();
  ASSERT_GT(batch.records_size(), 0);
  batch.set_submission_id("unknown-fields-1");
  // Field 1000, length-delimited, in every record and in the batch: what a
  // client could use to smuggle data past validation and the agreement's
  // field whitelist.
  const std::string smuggled = "SMUGGLED-FREE-TEXT";
  std::string extra;
  constexpr int kTag = 1000 << 3 | 2;  // a two-byte varint
  extra.push_back(static_cast<char>((kTag & 0x7f) | 0x80));
  extra.push_back(static_cast<char>(kTag >> 7));
  extra.push_back(static_cast<char>(smuggled.size()));
  extra += smuggled;
  for (v1::PseudonymisedRecord& record : *batch.mutable_records()) {
    std::string bytes = record.SerializeAsString() + extra;
    ASSERT_TRUE(record.ParseFromString(bytes));
  }
  std::string batch_bytes = batch.SerializeAsString() + extra;
  ASSERT_TRUE(batch.ParseFromString(batch_bytes));
  ASSERT_THAT(batch.SerializeAsString(), HasSubstr(smuggled));

  v1::BatchAck ack;
  ASSERT_TRUE(SubmitOneBatch(port(), TestPki::Get().ClientFiles(kCharitylogOrg),
                             batch, &ack)
                  .ok());
  // Ignored, consistently: the records are accepted as if the field were
  // absent, and the stored payloads do not hold it.
  EXPECT_EQ(ack.records_accepted(),
            static_cast<uint32_t>(batch.records_size()));
  EXPECT_EQ(CountRows(store_path(),
                      "SELECT count(*) FROM records WHERE instr(payload, "
                      "CAST('SMUGGLED' AS BLOB)) > 0"),
            0);
  EXPECT_EQ(CountRows(store_path(),
                      "SELECT count(*) FROM batches WHERE submission_id = "
                      "'unknown-fields-1'"),
            1);
}

TEST_F(HostileTransportTest, ZeroAndExpiredDeadlinesAreDeadlineExceeded) {
  const v1::SubmissionBatch good = SubmitGoodSample();
  const StoredCounts stored = StoreSnapshot();
  auto stub = v1::SubmissionService::NewStub(
      MakeChannel(port(), TestPki::Get().ClientFiles(kCharitylogOrg)));
  // Zero itself (the epoch) and one just passed. A deadline of exactly "now"
  // is a race gRPC may win: it sees the deadline in whole milliseconds.
  for (const auto deadline :
       {std::chrono::system_clock::time_point(),
        std::chrono::system_clock::now() - std::chrono::seconds(5)}) {
    grpc::ClientContext context;
    context.set_deadline(deadline);
    auto stream = stub->Submit(&context);
    v1::SubmissionBatch batch = good;
    batch.set_submission_id("deadline-1");
    stream->Write(batch);
    stream->WritesDone();
    v1::BatchAck ack;
    EXPECT_FALSE(stream->Read(&ack));
    EXPECT_EQ(stream->Finish().error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::time_point());
    v1::GetSubmissionStatusRequest request;
    request.set_submission_id("deadline-1");
    v1::SubmissionStatus response;
    EXPECT_EQ(
        stub->GetSubmissionStatus(&context, request, &response).error_code(),
        grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  EXPECT_EQ(StoreSnapshot(), stored);
}

// --- Truncated streams, written frame by frame: a gRPC message whose prefix
// promises more bytes than ever arrive, ended three ways. Only whole batches
// may be stored, the ingest budget must be handed back, and the gateway must
// go on serving.

class TruncatedStreamTest : public HostileTransportTest {
 protected:
  void SetUp() override {
    HostileTransportTest::SetUp();
    if (HasFatalFailure()) return;
    sample_ = SubmitGoodSample();
    ASSERT_GT(sample_.records_size(), 0);
    stored_ = StoreSnapshot();
    absl::StatusOr<std::unique_ptr<RawHttp2Client>> connection =
        RawHttp2Client::Connect(port(),
                                TestPki::Get().ClientFiles(kCharitylogOrg));
    ASSERT_TRUE(connection.ok()) << connection.status();
    connection_ = *std::move(connection);
  }

  // The sample's first batch as batch `sequence` of `submission_id`, as a
  // whole gRPC message and as one cut off halfway through its body.
  std::string WholeBatch(const std::string& submission_id, int sequence) {
    const std::string bytes = Batch(submission_id, sequence);
    return GrpcMessageFrame(static_cast<uint32_t>(bytes.size()), bytes);
  }
  std::string TruncatedBatch(const std::string& submission_id, int sequence) {
    const std::string bytes = Batch(submission_id, sequence);
    return GrpcMessageFrame(static_cast<uint32_t>(bytes.size()),
                            bytes.substr(0, bytes.size() / 2));
  }

  // Waits for the gateway to let go of every batch it was holding: the
  // stream's end must release its share of the ingest budget.
  void ExpectBudgetReleased() {
    for (int i = 0; i < 500 && gateway_->ingest_budget().in_use() != 0; ++i) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    EXPECT_EQ(gateway_->ingest_budget().in_use(), 0);
  }

  int64_t BatchesOf(const std::string& submission_id) {
    return CountRows(store_path(),
                     absl::StrCat("SELECT count(*) FROM batches WHERE "
                                  "submission_id = '",
                                  submission_id, "'"));
  }

  // GetSubmissionStatus for the sample on a new stream of the same
  // connection: a DATA frame back means the connection still serves.
  void ExpectConnectionStillServes(uint32_t stream_id) {
    ASSERT_TRUE(connection_->OpenGrpcStream(stream_id, kStatusMethod).ok());
    v1::GetSubmissionStatusRequest request;
    request.set_submission_id(sample_.submission_id());
    const std::string bytes = request.SerializeAsString();
    ASSERT_TRUE(connection_
                    ->SendData(stream_id,
                               GrpcMessageFrame(
                                   static_cast<uint32_t>(bytes.size()), bytes),
                               /*end_stream=*/true)
                    .ok());
    absl::StatusOr<Http2Frame> frame =
        connection_->NextFrameOn(stream_id, absl::Seconds(10));
    while (frame.ok() &&
           frame->type == static_cast<uint8_t>(Http2FrameType::kHeaders)) {
      frame = connection_->NextFrameOn(stream_id, absl::Seconds(10));
    }
    ASSERT_TRUE(frame.ok()) << frame.status();
    ASSERT_EQ(frame->type, static_cast<uint8_t>(Http2FrameType::kData));
    ASSERT_GT(frame->payload.size(), 5u);
    v1::SubmissionStatus status;
    ASSERT_TRUE(status.ParseFromString(frame->payload.substr(5)));
    EXPECT_EQ(status.submission_id(), sample_.submission_id());
    EXPECT_GT(status.records_stored(), 0u);
  }

  void ExpectNothingStoredAndStillServing(const std::string& submission_id) {
    ExpectBudgetReleased();
    EXPECT_EQ(BatchesOf(submission_id), 0);
    EXPECT_EQ(StoreSnapshot(), stored_);
    EXPECT_TRUE(CallStatus(MakeChannel(port(), TestPki::Get().ClientFiles(
                                                   kCharitylogOrg)))
                    .ok());
  }

  v1::SubmissionBatch sample_;
  StoredCounts stored_;
  std::unique_ptr<RawHttp2Client> connection_;

 private:
  std::string Batch(const std::string& submission_id, int sequence) {
    v1::SubmissionBatch batch = sample_;
    batch.set_submission_id(submission_id);
    batch.set_sequence(sequence);
    return batch.SerializeAsString();
  }
};

TEST_F(TruncatedStreamTest, MessageCutOffByEndOfStreamIsNeverAcknowledged) {
  ASSERT_TRUE(connection_->OpenGrpcStream(1, kSubmitMethod).ok());
  ASSERT_TRUE(connection_
                  ->SendData(1, TruncatedBatch("raw-end", 0),
                             /*end_stream=*/true)
                  .ok());
  // The gateway ends the call rather than waiting for bytes that cannot
  // come, and acknowledges nothing: an ack (a DATA frame) would tell the
  // client the batch was stored. gRPC C++ hands the handler no partial
  // message, so the call ends as if no batch was sent (grpc-java instead
  // fails it with "end-of-stream mid-frame"); the equilink client counts
  // acks and reports the batch as unacknowledged
  // (tests/unit/client/pipeline/submission_client_test.cc).
  for (;;) {
    absl::StatusOr<Http2Frame> frame =
        connection_->NextFrameOn(1, absl::Seconds(10));
    ASSERT_TRUE(frame.ok()) << frame.status();
    EXPECT_NE(frame->type, static_cast<uint8_t>(Http2FrameType::kData))
        << "the gateway acknowledged a truncated batch";
    if (frame->type == static_cast<uint8_t>(Http2FrameType::kRstStream) ||
        (frame->flags & kHttp2EndStream) != 0) {
      break;
    }
  }
  ExpectNothingStoredAndStillServing("raw-end");
  ExpectConnectionStillServes(3);
}

TEST_F(TruncatedStreamTest, WholeBatchIsKeptAndTheTruncatedOneIsNot) {
  ASSERT_TRUE(connection_->OpenGrpcStream(1, kSubmitMethod).ok());
  ASSERT_TRUE(connection_->SendData(1, WholeBatch("raw-half", 0), false).ok());
  // The ack for batch 0 is the first message back: DATA after the
  // response headers.
  absl::StatusOr<Http2Frame> frame =
      connection_->NextFrameOn(1, absl::Seconds(10));
  while (frame.ok() &&
         frame->type == static_cast<uint8_t>(Http2FrameType::kHeaders) &&
         (frame->flags & kHttp2EndStream) == 0) {
    frame = connection_->NextFrameOn(1, absl::Seconds(10));
  }
  ASSERT_TRUE(frame.ok()) << frame.status();
  ASSERT_EQ(frame->type, static_cast<uint8_t>(Http2FrameType::kData));
  v1::BatchAck ack;
  ASSERT_TRUE(ack.ParseFromString(frame->payload.substr(5)));
  EXPECT_EQ(ack.sequence(), 0u);

  ASSERT_TRUE(
      connection_->SendData(1, TruncatedBatch("raw-half", 1), true).ok());
  ASSERT_TRUE(connection_->AwaitStreamEnd(1, absl::Seconds(10)).ok());
  ExpectBudgetReleased();
  EXPECT_EQ(BatchesOf("raw-half"), 1);
  // The acknowledged batch's records were the sample's, updated in place.
  const StoredCounts after = StoreSnapshot();
  EXPECT_EQ(after.records, stored_.records);
  EXPECT_EQ(after.batches, stored_.batches + 1);
  ExpectConnectionStillServes(3);
}

TEST_F(TruncatedStreamTest, StreamResetMidMessageStoresNothing) {
  ASSERT_TRUE(connection_->OpenGrpcStream(1, kSubmitMethod).ok());
  ASSERT_TRUE(
      connection_->SendData(1, TruncatedBatch("raw-reset", 0), false).ok());
  ASSERT_TRUE(connection_->SendRstStream(1, kHttp2Cancel).ok());
  ExpectNothingStoredAndStillServing("raw-reset");
  // A reset ends one stream, not the connection.
  ExpectConnectionStillServes(3);
}

TEST_F(TruncatedStreamTest, ConnectionDroppedMidMessageStoresNothing) {
  ASSERT_TRUE(connection_->OpenGrpcStream(1, kSubmitMethod).ok());
  ASSERT_TRUE(
      connection_->SendData(1, TruncatedBatch("raw-drop", 0), false).ok());
  connection_->DropConnection();
  ExpectNothingStoredAndStillServing("raw-drop");
}

}  // namespace
}  // namespace equilink::testing
