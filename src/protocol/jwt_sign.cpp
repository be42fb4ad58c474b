// HS256 signing: see jwt_sign.hpp.
#include "protocol/jwt_sign.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "protocol/base64url.hpp"

namespace triplex::protocol {

std::string sign_hs256(std::string_view payload_json, std::string_view secret) {
  std::string out = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  out += '.';
  append_base64url(out, payload_json);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(out.data()), out.size(), mac, &mac_len);
  out += '.';
  append_base64url(out, std::string_view(reinterpret_cast<const char*>(mac), mac_len));
  return out;
}

}  // namespace triplex::protocol
