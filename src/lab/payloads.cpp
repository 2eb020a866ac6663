#include "lab/payloads.h"

#include <algorithm>

namespace xmr::lab {

namespace {

void put_u16(std::string& s, std::size_t v) {
  s.push_back(static_cast<char>((v >> 8) & 0xff));
  s.push_back(static_cast<char>(v & 0xff));
}
void put_u24(std::string& s, std::size_t v) {
  s.push_back(static_cast<char>((v >> 16) & 0xff));
  put_u16(s, v & 0xffff);
}
std::string record(std::uint8_t type, const std::string& body) {
  std::string r;
  r.push_back(static_cast<char>(type));
  r.push_back(3);
  r.push_back(3);
  put_u16(r, body.size());
  return r + body;
}

}  // namespace

std::string random_bytes(Rng& rng, std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; i += 8) {
    const std::uint64_t x = rng();
    for (std::size_t k = 0; k < 8 && i + k < n; ++k) s[i + k] = static_cast<char>((x >> (8 * k)) & 0xff);
  }
  return s;
}

std::string random_hex(Rng& rng, std::size_t chars) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s(chars, '0');
  for (std::size_t i = 0; i < chars; ++i) s[i] = digits[rng() & 0xf];
  return s;
}

std::string random_monero_address(Rng& rng) {
  // Base58 alphabet (Bitcoin/Monero base58, no 0 O I l).
  static constexpr char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  std::string s = "4";
  for (int i = 0; i < 94; ++i) s.push_back(alphabet[rng() % 58]);
  return s;
}

std::string tls_application_record(Rng& rng, std::size_t plaintext_len) {
  constexpr std::size_t max_fragment = 16384;  // RFC 8446 section 5.1
  std::string out;
  std::size_t left = plaintext_len;
  do {
    const std::size_t chunk = std::min(left, max_fragment);
    // 23 = application_data; +1 inner content type, +16 AEAD tag (AES-GCM / ChaCha20-Poly1305).
    out += record(23, random_bytes(rng, chunk + 17));
    left -= chunk;
  } while (left > 0);
  return out;
}

std::string tls_client_hello(Rng& rng, const std::string& server_name) {
  std::string ext;
  // server_name (0), RFC 6066 section 3
  put_u16(ext, 0x0000);
  put_u16(ext, server_name.size() + 5);
  put_u16(ext, server_name.size() + 3);
  ext.push_back(0);
  put_u16(ext, server_name.size());
  ext += server_name;
  // supported_groups (10): x25519
  put_u16(ext, 0x000a);
  put_u16(ext, 4);
  put_u16(ext, 2);
  put_u16(ext, 0x001d);
  // signature_algorithms (13): rsa_pss_rsae_sha256, ecdsa_secp256r1_sha256
  put_u16(ext, 0x000d);
  put_u16(ext, 6);
  put_u16(ext, 4);
  put_u16(ext, 0x0804);
  put_u16(ext, 0x0403);
  // supported_versions (43): TLS 1.3 only
  put_u16(ext, 0x002b);
  put_u16(ext, 3);
  ext.push_back(2);
  put_u16(ext, 0x0304);
  // key_share (51): one x25519 share
  put_u16(ext, 0x0033);
  put_u16(ext, 38);
  put_u16(ext, 36);
  put_u16(ext, 0x001d);
  put_u16(ext, 32);
  ext += random_bytes(rng, 32);
  std::string body;
  put_u16(body, 0x0303);  // legacy_version
  body += random_bytes(rng, 32);
  body.push_back(32);
  body += random_bytes(rng, 32);
  put_u16(body, 6);
  put_u16(body, 0x1301);
  put_u16(body, 0x1302);
  put_u16(body, 0x1303);
  body.push_back(1);
  body.push_back(0);
  // padding (21), RFC 7685: browsers and OpenSSL pad the hello towards 512 bytes.
  const std::size_t so_far = 4 + body.size() + 2 + ext.size();
  if (so_far + 4 < 512) {
    const std::size_t pad = 512 - so_far - 4;
    put_u16(ext, 0x0015);
    put_u16(ext, pad);
    ext += std::string(pad, '\0');
  }
  put_u16(body, ext.size());
  body += ext;
  std::string hs;
  hs.push_back(1);  // client_hello
  put_u24(hs, body.size());
  hs += body;
  // The first record says TLS 1.0 (0x0301) for middlebox compatibility, RFC 8446 section 5.1.
  std::string r;
  r.push_back(22);
  r.push_back(3);
  r.push_back(1);
  put_u16(r, hs.size());
  return r + hs;
}

std::string tls_server_flight(Rng& rng, std::size_t cert_bytes) {
  std::string ext;
  put_u16(ext, 0x002b);
  put_u16(ext, 2);
  put_u16(ext, 0x0304);
  put_u16(ext, 0x0033);
  put_u16(ext, 36);
  put_u16(ext, 0x001d);
  put_u16(ext, 32);
  ext += random_bytes(rng, 32);
  std::string body;
  put_u16(body, 0x0303);
  body += random_bytes(rng, 32);
  body.push_back(32);
  body += random_bytes(rng, 32);
  put_u16(body, 0x1301);
  body.push_back(0);
  put_u16(body, ext.size());
  body += ext;
  std::string hs;
  hs.push_back(2);  // server_hello
  put_u24(hs, body.size());
  hs += body;
  std::string out = record(22, hs);
  out += record(20, std::string(1, '\1'));  // change_cipher_spec (compatibility mode, RFC 8446 D.4)
  // EncryptedExtensions ~ 10-30 B, Certificate ~ cert_bytes, CertificateVerify ~ 80-260 B, Finished 36 B.
  out += tls_application_record(rng, 20);
  out += tls_application_record(rng, cert_bytes);
  out += tls_application_record(rng, 264);
  out += tls_application_record(rng, 36);
  return out;
}

std::string tls_client_finished(Rng& rng) {
  return record(20, std::string(1, '\1')) + tls_application_record(rng, 36);
}

std::string websocket_frame(Rng& rng, std::uint8_t opcode, const std::string& payload, bool masked) {
  std::string f;
  f.push_back(static_cast<char>(0x80 | (opcode & 0x0f)));
  const std::uint8_t mask_bit = masked ? 0x80 : 0;
  const std::size_t n = payload.size();
  if (n < 126) {
    f.push_back(static_cast<char>(mask_bit | n));
  } else if (n < 65536) {
    f.push_back(static_cast<char>(mask_bit | 126));
    put_u16(f, n);
  } else {
    f.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xff));
  }
  if (!masked) return f + payload;
  const std::string key = random_bytes(rng, 4);
  f += key;
  for (std::size_t i = 0; i < n; ++i) f.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
  return f;
}

}  // namespace xmr::lab
