// `triplex_loadgen --self-test`: checks the load generator's own parsers the way the server's
// are checked (habit 2): every input split at every byte, so a measurement never rests on a
// parser that mishandles a read boundary. Prints one line per check; returns non-zero on a
// failure. Needs no server.
#include "self_test.hpp"

#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "histogram.hpp"
#include "http_head.hpp"
#include "marker_scanner.hpp"
#include "seq_window.hpp"
#include "ws_client.hpp"

namespace loadgen {

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  if (!ok) {
    ++failures;
    std::printf("FAIL %s\n", what);
  }
}

using marker_list = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

// Scans `text` cut into pieces at the given points.
marker_list scan_split(const std::string& text, const std::vector<std::size_t>& cuts) {
  marker_list found;
  marker_scanner scanner;
  std::vector<char> buf(marker_scanner::carry_capacity + text.size() + 1);
  std::size_t from = 0;
  auto piece = [&](std::size_t to) {
    char* data = buf.data() + marker_scanner::carry_capacity;
    std::memcpy(data, text.data() + from, to - from);
    scanner.scan_piece(data, to - from,
                       [&](std::uint64_t s, std::uint64_t t) { found.emplace_back(s, t); });
    from = to;
  };
  for (std::size_t c : cuts)
    piece(c);
  piece(text.size());
  return found;
}

void test_marker_scanner() {
  const std::string text =
      "id: q\"seq\ndata: {\"type\":\"message\",\"data\":{\"seq\":12,\"ts\":345}}\n\n"
      "\"se\"seq\":7x{\"seq\":13,\"ts\":18446744073709551615,\"pad\":\"qq\"}";
  const marker_list want = {{12, 345}, {13, 18446744073709551615ull}};
  check(scan_split(text, {}) == want, "marker scan, whole");
  for (std::size_t i = 0; i <= text.size(); ++i)
    check(scan_split(text, {i}) == want, "marker scan, split in two");
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < text.size(); ++i)
    every.push_back(i);
  check(scan_split(text, every) == want, "marker scan, byte by byte");
  marker_list whole;
  marker_scanner::scan_whole(text.data(), text.size(),
                             [&](std::uint64_t s, std::uint64_t t) { whole.emplace_back(s, t); });
  check(whole == want, "marker scan_whole");
}

void test_chunk_decoder() {
  const std::string body = "5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\n";
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    chunk_decoder d;
    std::string out, a = body.substr(0, cut), b = body.substr(cut);
    out.append(a.data(), d.decode(a.data(), a.size()));
    out.append(b.data(), d.decode(b.data(), b.size()));
    check(out == "helloabc" && d.done() && !d.failed(), "chunked body split in two");
  }
  chunk_decoder bad;
  std::string junk = "zz\r\n";
  bad.decode(junk.data(), junk.size());
  check(bad.failed(), "chunked body: bad size fails");
}

void test_ws_decoder() {
  std::string stream;
  auto frame = [&](std::uint8_t op, const std::string& payload) {
    stream.push_back(static_cast<char>(0x80 | op));
    if (payload.size() < 126) {
      stream.push_back(static_cast<char>(payload.size()));
    } else {
      stream.push_back(static_cast<char>(126));
      stream.push_back(static_cast<char>(payload.size() >> 8));
      stream.push_back(static_cast<char>(payload.size() & 0xFF));
    }
    stream += payload;
  };
  std::string big(300, 'b');
  frame(0x1, "hello");
  frame(0x9, "pi");
  frame(0x1, big);
  frame(0x1, "");
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    ws_decoder d;
    std::string data, pings;
    for (std::string part : {stream.substr(0, cut), stream.substr(cut)}) {
      std::size_t n = d.decode(part.data(), part.size(), [&](std::uint8_t op, std::string_view p) {
        if (op == 0x9) pings.append(p);
      });
      data.append(part.data(), n);
    }
    check(data == "hello" + big && pings == "pi" && !d.failed(), "ws frames split in two");
  }
  std::string masked =
      "\x81\x85"
      "abcd"
      "12345";
  ws_decoder d;
  d.decode(masked.data(), masked.size(), [](std::uint8_t, std::string_view) {});
  check(d.failed(), "ws: a masked server frame fails");
  std::string out;
  std::uint64_t seed = 42;
  append_client_frame(out, 0x1, "hi", seed);
  check(out.size() == 8 && static_cast<std::uint8_t>(out[1]) == 0x82 &&
            static_cast<char>(out[6] ^ out[2]) == 'h' && static_cast<char>(out[7] ^ out[3]) == 'i',
        "ws: client frame is masked");
}

void test_http_head() {
  response_head h;
  std::string r =
      "HTTP/1.1 200 OK\r\nContent-Length: 12\r\ntransfer-encoding: Chunked\r\n"
      "Last-Modified: Sat, 28 Nov 2026 00:00:00 GMT\r\nEtag: 3\r\nConnection: close\r\n\r\nrest";
  check(parse_response_head(r, h) == head_result::ok && h.status == 200 && h.content_length == 12 &&
            h.chunked && h.close && h.etag == "3" &&
            h.last_modified == "Sat, 28 Nov 2026 00:00:00 GMT" && h.size == r.size() - 4,
        "http head: fields");
  check(parse_response_head("HTTP/1.1 101 Switching", h) == head_result::more, "http head: more");
  check(parse_response_head("garbage\r\n\r\n", h) == head_result::bad, "http head: bad");
}

void test_seq_window() {
  seq_window w;
  std::uint64_t dups = 0;
  for (std::uint64_t base = 0; base < 10000; base += 8)
    for (std::uint64_t s : {3, 1, 0, 2, 7, 5, 6, 4, 5})
      if (!w.record(base + s)) ++dups;
  check(w.unique() == 10000 && dups == 1250, "seq window: reordered and duplicated");
  seq_window gap;
  gap.record(0);
  gap.record(5000);  // far ahead: the window slides, nothing is counted twice
  check(!gap.record(5000) && gap.record(4999) && gap.unique() == 3, "seq window: slide");
}

void test_histogram() {
  log_histogram h;
  for (std::uint64_t v = 1; v <= 1'000'000; ++v)
    h.record(v);
  auto near = [](std::uint64_t got, double want) {
    return got >= want * 0.97 && got <= want * 1.04;
  };
  check(h.total() == 1'000'000 && h.max() == 1'000'000, "histogram: count and max");
  check(near(h.quantile(0.5), 500'000) && near(h.quantile(0.99), 990'000) &&
            near(h.quantile(0.999), 999'000),
        "histogram: quantiles within a bucket");
}

}  // namespace

int run_self_test() {
  test_marker_scanner();
  test_chunk_decoder();
  test_ws_decoder();
  test_http_head();
  test_seq_window();
  test_histogram();
  std::printf("self-test: %s (%d failure%s)\n", failures ? "FAILED" : "ok", failures,
              failures == 1 ? "" : "s");
  return failures ? 1 : 0;
}

}  // namespace loadgen
