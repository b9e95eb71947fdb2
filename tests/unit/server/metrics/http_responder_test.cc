#include "server/metrics/http_responder.h"

#include <atomic>
#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/http_client.h"
#include "tests/testing/status_matchers.h"

namespace equilink::metrics {
namespace {

using ::equilink::testing::HttpExchange;
using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::equilink::testing::TcpConnection;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kBody[] = "# HELP equilink_x_total X.\nequilink_x_total 1\n";

class HttpResponderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpResponderOptions options;
    options.listen_address = "127.0.0.1:0";
    options.request_timeout = absl::Milliseconds(300);
    options.max_request_bytes = 1024;
    options.render = [this] {
      ++renders_;
      return std::string(kBody);
    };
    absl::StatusOr<std::unique_ptr<HttpResponder>> responder =
        HttpResponder::Start(std::move(options));
    ASSERT_THAT(responder, IsOk());
    responder_ = *std::move(responder);
    ASSERT_GT(responder_->port(), 0);
  }

  std::string Exchange(absl::string_view request) {
    absl::StatusOr<std::string> response =
        HttpExchange(responder_->port(), request);
    EXPECT_THAT(response, IsOk());
    return response.value_or("");
  }

  std::atomic<int> renders_{0};
  std::unique_ptr<HttpResponder> responder_;
};

TEST_F(HttpResponderTest, AnswersGetMetricsWithTheTextFormat) {
  const std::string response =
      Exchange("GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n");
  EXPECT_THAT(response, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(response, HasSubstr("\r\nContent-Type: text/plain; "
                                  "version=0.0.4; charset=utf-8\r\n"));
  EXPECT_THAT(response, HasSubstr("\r\nConnection: close\r\n"));
  EXPECT_THAT(response, HasSubstr(absl::StrCat("\r\nContent-Length: ",
                                               std::strlen(kBody), "\r\n")));
  EXPECT_TRUE(absl::EndsWith(response, absl::StrCat("\r\n\r\n", kBody)));
  EXPECT_EQ(renders_.load(), 1);
}

TEST_F(HttpResponderTest, AcceptsHttp10AndBareLineFeeds) {
  EXPECT_THAT(Exchange("GET /metrics HTTP/1.0\n\n"),
              StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(Exchange("GET /metrics?x=1 HTTP/1.1\r\n\r\n"),
              StartsWith("HTTP/1.1 200 OK\r\n"));
}

TEST_F(HttpResponderTest, AnswersEverythingElseWith404WithoutRendering) {
  EXPECT_THAT(Exchange("GET / HTTP/1.1\r\n\r\n"),
              StartsWith("HTTP/1.1 404 Not Found\r\n"));
  EXPECT_THAT(Exchange("GET /metrics/../etc HTTP/1.1\r\n\r\n"),
              StartsWith("HTTP/1.1 404 "));
  EXPECT_THAT(Exchange("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
              StartsWith("HTTP/1.1 404 "));
  EXPECT_THAT(Exchange("HEAD /metrics HTTP/1.1\r\n\r\n"),
              StartsWith("HTTP/1.1 404 "));
  EXPECT_EQ(renders_.load(), 0);
}

TEST_F(HttpResponderTest, AnswersMalformedRequestsWith400) {
  for (const char* request :
       {"hello\r\n\r\n", "GET /metrics\r\n\r\n",
        "GET  /metrics HTTP/1.1\r\n\r\n", "get /metrics HTTP/1.1\r\n\r\n",
        "GET metrics HTTP/1.1\r\n\r\n", "GET /metrics HTTP/2.0\r\n\r\n",
        "\r\n\r\n", "GET /metrics HTTP/1.1 extra\r\n\r\n"}) {
    EXPECT_THAT(Exchange(request), StartsWith("HTTP/1.1 400 Bad Request\r\n"))
        << request;
  }
  EXPECT_EQ(renders_.load(), 0);
}

TEST_F(HttpResponderTest, AnswersOversizedRequestsWith431) {
  const std::string huge = absl::StrCat(
      "GET /metrics HTTP/1.1\r\nX-Pad: ", std::string(4096, 'a'), "\r\n\r\n");
  EXPECT_THAT(Exchange(huge), StartsWith("HTTP/1.1 431 "));
  // A request line that never ends.
  EXPECT_THAT(Exchange(std::string(64 * 1024, 'G')),
              StartsWith("HTTP/1.1 431 "));
  EXPECT_EQ(renders_.load(), 0);
}

TEST_F(HttpResponderTest, SlowClientTimesOutAndOthersAreServedAfter) {
  absl::StatusOr<TcpConnection> slow =
      TcpConnection::Connect(responder_->port());
  ASSERT_THAT(slow, IsOk());
  ASSERT_THAT(slow->Send("GET /met"), IsOk());
  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> answer = slow->ReadUntilClosed(absl::Seconds(5));
  ASSERT_THAT(answer, IsOk());
  EXPECT_THAT(*answer, StartsWith("HTTP/1.1 408 "));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_THAT(Exchange("GET /metrics HTTP/1.1\r\n\r\n"),
              StartsWith("HTTP/1.1 200 "));
}

TEST_F(HttpResponderTest, ClientThatConnectsAndLeavesDoesNotStopTheServer) {
  {
    absl::StatusOr<TcpConnection> gone =
        TcpConnection::Connect(responder_->port());
    ASSERT_THAT(gone, IsOk());
  }
  {
    absl::StatusOr<TcpConnection> half =
        TcpConnection::Connect(responder_->port());
    ASSERT_THAT(half, IsOk());
    ASSERT_THAT(half->Send("GET /metrics HTTP/1.1\r\n"), IsOk());
  }
  EXPECT_THAT(Exchange("GET /metrics HTTP/1.1\r\n\r\n"),
              StartsWith("HTTP/1.1 200 "));
}

TEST_F(HttpResponderTest, StopReturnsPromptlyWhileAClientStalls) {
  absl::StatusOr<TcpConnection> slow =
      TcpConnection::Connect(responder_->port());
  ASSERT_THAT(slow, IsOk());
  ASSERT_THAT(slow->Send("GET"), IsOk());
  absl::SleepFor(absl::Milliseconds(50));
  const absl::Time start = absl::Now();
  responder_->Stop();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(250));
  responder_->Stop();  // idempotent
}

TEST(HttpResponderStartTest, RefusesNonLoopbackUnlessAllowed) {
  for (const char* address : {"0.0.0.0:0", "[::]:0"}) {
    HttpResponderOptions options;
    options.listen_address = address;
    EXPECT_THAT(HttpResponder::Start(options),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << address;
  }
  HttpResponderOptions allowed;
  allowed.listen_address = "0.0.0.0:0";
  allowed.allow_non_loopback = true;
  EXPECT_THAT(HttpResponder::Start(allowed), IsOk());
}

TEST(HttpResponderStartTest, RefusesMalformedAddresses) {
  for (const char* address : {"", "127.0.0.1", ":9464", "127.0.0.1:70000",
                              "127.0.0.1:x", "[::1:9464", "not a host:1"}) {
    HttpResponderOptions options;
    options.listen_address = address;
    EXPECT_THAT(HttpResponder::Start(options),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << address;
  }
}

TEST(HttpResponderStartTest, ListensOnLocalhostAndIpv6Loopback) {
  HttpResponderOptions options;
  options.listen_address = "localhost:0";
  EXPECT_THAT(HttpResponder::Start(options), IsOk());
}

TEST(RespondToRequestTest, RendersOnlyForGetMetrics) {
  int renders = 0;
  auto render = [&renders] {
    ++renders;
    return std::string("x 1\n");
  };
  EXPECT_THAT(RespondToRequest("GET /metrics HTTP/1.1\r\n\r\n", render),
              HasSubstr("\r\n\r\nx 1\n"));
  EXPECT_THAT(RespondToRequest("GET /metricsx HTTP/1.1\r\n\r\n", render),
              StartsWith("HTTP/1.1 404 "));
  EXPECT_EQ(renders, 1);
  EXPECT_THAT(ErrorResponse(408), StartsWith("HTTP/1.1 408 Request Timeout"));
}

}  // namespace
}  // namespace equilink::metrics
