// permessage-deflate negotiation, inflater and deflater: see permessage_deflate.hpp.
#include "protocol/permessage_deflate.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <new>

namespace triplex::protocol::ws {

namespace {

// ---- Sec-WebSocket-Extensions syntax ---------------------------------------------------------

bool is_tchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

// A position in a header value, with the few grammar pieces the extension list needs.
class header_cursor {
 public:
  explicit header_cursor(std::string_view s) : s_(s) {}

  bool at_end() const { return i_ == s_.size(); }

  void skip_ows() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t'))
      ++i_;
  }

  bool eat(char c) {
    if (i_ == s_.size() || s_[i_] != c) return false;
    ++i_;
    return true;
  }

  // The longest run of tchars here (empty when there is none).
  std::string_view token() {
    const std::size_t start = i_;
    while (i_ < s_.size() && is_tchar(s_[i_]))
      ++i_;
    return s_.substr(start, i_ - start);
  }

  // A quoted-string (RFC 9110 5.6.4), unescaped; nullopt when it is not one.
  std::optional<std::string> quoted() {
    if (!eat('"')) return std::nullopt;
    std::string out;
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return out;
      if (c == '\\') {
        if (i_ == s_.size()) return std::nullopt;
        const auto e = static_cast<unsigned char>(s_[i_++]);
        if (e < 0x20 ? e != '\t' : e == 0x7f) return std::nullopt;
        out += static_cast<char>(e);
      } else if (c < 0x20 ? c != '\t' : c == 0x7f) {
        return std::nullopt;
      } else {
        out += static_cast<char>(c);
      }
    }
    return std::nullopt;  // no closing quote
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

// One `; name[=value]` after an extension name; false when malformed.
bool parse_param(header_cursor& in, extension_offer& offer) {
  in.skip_ows();
  extension_param p;
  p.name = in.token();
  if (p.name.empty()) return false;
  in.skip_ows();
  if (in.eat('=')) {
    in.skip_ows();
    p.value = in.quoted();
    if (!p.value) {
      std::string_view t = in.token();
      if (t.empty()) return false;
      p.value = std::string(t);
    } else if (!is_token(*p.value)) {
      return false;  // RFC 6455 9.1: a quoted value must be a token once unescaped
    }
  }
  offer.params.push_back(std::move(p));
  return true;
}

// ---- the permessage-deflate offer ------------------------------------------------------------

enum class deflate_param : std::uint8_t {
  server_no_context_takeover,
  client_no_context_takeover,
  server_max_window_bits,
  client_max_window_bits,
  unknown,
};

deflate_param param_kind(std::string_view name) {
  if (name == "server_no_context_takeover") return deflate_param::server_no_context_takeover;
  if (name == "client_no_context_takeover") return deflate_param::client_no_context_takeover;
  if (name == "server_max_window_bits") return deflate_param::server_max_window_bits;
  if (name == "client_max_window_bits") return deflate_param::client_max_window_bits;
  return deflate_param::unknown;
}

// A window size of RFC 7692 7.1.2: 8-15, decimal, without leading zeros; 0 when invalid.
int window_bits(std::string_view v) {
  if (v.size() == 1 && (v[0] == '8' || v[0] == '9')) return v[0] - '0';
  if (v.size() == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5') return 10 + (v[1] - '0');
  return 0;
}

// True when parameter `p` of kind `k` is one the server can honour.
bool acceptable(deflate_param k, const extension_param& p) {
  switch (k) {
    case deflate_param::server_no_context_takeover:
    case deflate_param::client_no_context_takeover:
      return !p.value;
    case deflate_param::server_max_window_bits:
      return p.value && window_bits(*p.value) == 15;
    case deflate_param::client_max_window_bits:
      return !p.value || window_bits(*p.value) != 0;
    case deflate_param::unknown:
      return false;
  }
  return false;
}

// The response to `offer`, or nullopt when the server declines it.
std::optional<std::string> accept_offer(const extension_offer& offer) {
  std::array<bool, 4> seen{};
  for (const extension_param& p : offer.params) {
    const deflate_param k = param_kind(p.name);
    if (!acceptable(k, p)) return std::nullopt;
    bool& s = seen[static_cast<std::size_t>(k)];
    if (s) return std::nullopt;  // duplicate parameter (RFC 7692 7.1)
    s = true;
  }
  std::string response(deflate_response);
  if (seen[static_cast<std::size_t>(deflate_param::server_max_window_bits)])
    response += "; server_max_window_bits=15";
  return response;
}

// ---- zlib ------------------------------------------------------------------------------------

constexpr int window = 15;  // 32 KiB, the largest window: raw streams use -window
constexpr std::array<unsigned char, 4> flush_tail{0x00, 0x00, 0xff, 0xff};

// The deflate stream of the calling thread, created on first use and reset for every message.
class thread_deflater {
 public:
  thread_deflater() = default;
  thread_deflater(const thread_deflater&) = delete;
  thread_deflater& operator=(const thread_deflater&) = delete;
  ~thread_deflater() {
    if (ready_) deflateEnd(&z_);
  }

  // The stream, ready for a new message; null when zlib failed.
  z_stream* get() {
    if (ready_) return deflateReset(&z_) == Z_OK ? &z_ : nullptr;
    ready_ = deflateInit2(&z_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -window, 8, Z_DEFAULT_STRATEGY) ==
             Z_OK;
    return ready_ ? &z_ : nullptr;
  }

 private:
  z_stream z_{};
  bool ready_ = false;
};

}  // namespace

// ---- negotiation -----------------------------------------------------------------------------

std::optional<std::vector<extension_offer>> parse_extension_offers(std::string_view value) {
  std::vector<extension_offer> offers;
  header_cursor in(value);
  for (;;) {
    in.skip_ows();
    if (in.at_end()) return offers;
    if (in.eat(',')) continue;  // an empty list element
    extension_offer offer;
    offer.name = in.token();
    if (offer.name.empty()) return std::nullopt;
    in.skip_ows();
    while (in.eat(';')) {
      if (!parse_param(in, offer)) return std::nullopt;
      in.skip_ows();
    }
    if (!in.at_end() && !in.eat(',')) return std::nullopt;
    offers.push_back(std::move(offer));
  }
}

std::optional<std::string> negotiate_permessage_deflate(std::string_view value) {
  const auto offers = parse_extension_offers(value);
  if (!offers) return std::nullopt;
  for (const extension_offer& offer : *offers) {
    if (offer.name != "permessage-deflate") continue;
    if (auto response = accept_offer(offer)) return response;
  }
  return std::nullopt;
}

// ---- inflater --------------------------------------------------------------------------------

struct inflater::stream {
  z_stream z{};
};

inflater::inflater(std::size_t max_size) : max_size_(max_size) {}

inflater::~inflater() {
  release();
}

void inflater::release() {
  if (!stream_) return;
  inflateEnd(&stream_->z);
  stream_.reset();
}

void inflater::release_if_unused() {
  if (!used_) release();
  used_ = false;
}

// Makes the stream ready for a new message: created on first use, reset afterwards.
bool inflater::open() {
  if (stream_) return inflateReset(&stream_->z) == Z_OK;
  std::unique_ptr<stream> s(new (std::nothrow) stream);
  if (!s || inflateInit2(&s->z, -window) != Z_OK) return false;
  stream_ = std::move(s);
  return true;
}

inflate_status inflater::inflate(std::string_view compressed, std::string& out) {
  out.clear();
  used_ = true;
  if (!open()) return inflate_status::no_memory;
  std::size_t produced = 0;
  bool ended = false;
  inflate_status st = run(compressed, out, produced, ended);
  if (st == inflate_status::ok && !ended) {
    const std::string_view tail(reinterpret_cast<const char*>(flush_tail.data()), 4);
    st = run(tail, out, produced, ended);
  }
  // Without a final block, the data must end on a block boundary once the tail is added;
  // otherwise the message was cut inside a block. zlib sets bit 128 of data_type there.
  if (st == inflate_status::ok && !ended && (stream_->z.data_type & 128) == 0)
    st = inflate_status::corrupt;
  out.resize(st == inflate_status::ok ? produced : 0);
  return st;
}

// Inflates all of `in` (or up to the end of the DEFLATE stream) into out[produced, ...),
// growing `out` up to max_size_ + 1 bytes so that one byte too many is detected.
inflate_status inflater::run(std::string_view in, std::string& out, std::size_t& produced,
                             bool& ended) {
  constexpr std::size_t uint_max = std::numeric_limits<uInt>::max();
  if (in.size() > uint_max) return inflate_status::too_big;
  z_stream& z = stream_->z;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  for (;;) {
    if (produced == out.size()) {
      if (out.size() > max_size_) return inflate_status::too_big;
      const std::size_t want = std::max<std::size_t>({4096, in.size() * 4, out.size() * 2});
      out.resize(std::min({want, max_size_ + 1, produced + uint_max}));
    }
    z.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    z.avail_out = static_cast<uInt>(out.size() - produced);
    const int rc = ::inflate(&z, Z_SYNC_FLUSH);
    produced = out.size() - z.avail_out;
    if (produced > max_size_) return inflate_status::too_big;
    if (rc == Z_STREAM_END) {
      ended = true;
      return inflate_status::ok;
    }
    if (rc == Z_MEM_ERROR) return inflate_status::no_memory;
    if (rc != Z_OK && rc != Z_BUF_ERROR) return inflate_status::corrupt;
    // Input used up with room left in `out`: everything available has been written.
    if (rc == Z_BUF_ERROR || (z.avail_in == 0 && z.avail_out > 0)) return inflate_status::ok;
  }
}

// ---- deflate ---------------------------------------------------------------------------------

std::string deflate_message(std::string_view payload) {
  thread_local thread_deflater deflater;
  if (payload.size() > std::numeric_limits<uInt>::max()) return {};
  z_stream* z = deflater.get();
  if (z == nullptr) return {};
  z->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(payload.data()));
  z->avail_in = static_cast<uInt>(payload.size());
  // deflateBound covers Z_FINISH; a sync flush may add a few bytes, hence the margin (zlib asks
  // for more than six free bytes on every flushing call).
  std::string out(deflateBound(z, static_cast<uLong>(payload.size())) + 16, '\0');
  std::size_t produced = 0;
  for (;;) {
    z->next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    z->avail_out = static_cast<uInt>(out.size() - produced);
    const int rc = ::deflate(z, Z_SYNC_FLUSH);
    produced = out.size() - z->avail_out;
    if (rc != Z_OK && rc != Z_BUF_ERROR) return {};
    if (z->avail_in == 0 && z->avail_out > 0) break;  // the flush is complete
    out.resize(out.size() * 2);
  }
  if (produced < flush_tail.size() || std::memcmp(out.data() + produced - flush_tail.size(),
                                                  flush_tail.data(), flush_tail.size()) != 0)
    return {};
  out.resize(produced - flush_tail.size());
  return out;
}

}  // namespace triplex::protocol::ws
