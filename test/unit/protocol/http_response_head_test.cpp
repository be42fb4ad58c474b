#include "protocol/http_response_head.hpp"

#include <gtest/gtest.h>

namespace triplex::protocol {
namespace {

std::string head(const http_response& res, bool keep_alive, std::string_view origin = {}) {
  std::string out;
  append_response_head(res, keep_alive, origin, out);
  return out;
}

TEST(HttpResponseHead, KeepAliveJsonAnswer) {
  http_response res;
  res.body = R"({"epoch":"x","offset":1})";
  EXPECT_EQ(head(res, true),
            "HTTP/1.1 200 OK\r\nServer: triplex\r\nContent-Type: application/json\r\n"
            "Content-Length: 24\r\n\r\n");
}

TEST(HttpResponseHead, CloseWithHeadersAndCors) {
  http_response res;
  res.status = 426;
  res.body = "{}";
  res.headers.emplace_back("Sec-WebSocket-Version", "13");
  EXPECT_EQ(head(res, false, "https://app.example"),
            "HTTP/1.1 426 Upgrade Required\r\nServer: triplex\r\n"
            "Content-Type: application/json\r\nContent-Length: 2\r\n"
            "Sec-WebSocket-Version: 13\r\nAccess-Control-Allow-Origin: https://app.example\r\n"
            "Vary: Origin\r\nConnection: close\r\n\r\n");
}

TEST(HttpResponseHead, NoContentLengthWithoutBody) {
  http_response res;
  res.status = 204;
  res.content_type = "text/plain";
  EXPECT_EQ(head(res, true),
            "HTTP/1.1 204 No Content\r\nServer: triplex\r\nContent-Type: text/plain\r\n\r\n");
}

TEST(HttpResponseHead, EmptyBodyStillHasLength) {
  http_response res;
  res.status = 404;
  EXPECT_NE(head(res, true).find("HTTP/1.1 404 Not Found\r\n"), std::string::npos);
  res.body.clear();
  EXPECT_NE(head(res, true).find("Content-Length: 0\r\n"), std::string::npos);
}

TEST(HttpResponseHead, EveryStatusTheServerSendsHasAPhrase) {
  for (unsigned s :
       {200u, 204u, 400u, 401u, 403u, 404u, 405u, 408u, 413u, 426u, 429u, 431u, 500u, 503u})
    EXPECT_FALSE(reason_phrase(s).empty()) << s;
  EXPECT_TRUE(reason_phrase(299).empty());
}

}  // namespace
}  // namespace triplex::protocol
