#pragma once
// Wire framings the profiles share: TLS 1.3 records (RFC 8446), WebSocket frames (RFC 6455),
// random hex/base64-like text for job blobs and nonces.
#include <cstddef>
#include <string>

#include "lab/rng.h"

namespace xmr::lab {

// TLS 1.3 application_data record(s) carrying `plaintext_len` bytes: 5-byte header + ciphertext of
// plaintext + 1 (inner content type) + 16 (AEAD tag), RFC 8446 section 5.2; split at 2^14 bytes
// (section 5.1). Ciphertext is random bytes of the right length.
std::string tls_application_record(Rng& rng, std::size_t plaintext_len);
// A well-formed TLS 1.3 ClientHello record (RFC 8446 section 4.1.2) with SNI `server_name`.
std::string tls_client_hello(Rng& rng, const std::string& server_name);
// ServerHello + ChangeCipherSpec + encrypted flight (EncryptedExtensions, Certificate,
// CertificateVerify, Finished) of about `cert_bytes` as application_data records.
std::string tls_server_flight(Rng& rng, std::size_t cert_bytes);
// Client ChangeCipherSpec + encrypted Finished (RFC 8446 section 4.4.4, 32-byte SHA-256 verify data).
std::string tls_client_finished(Rng& rng);

// One WebSocket frame, FIN set; client frames are masked (RFC 6455 section 5.3).
std::string websocket_frame(Rng& rng, std::uint8_t opcode, const std::string& payload, bool masked);

std::string random_hex(Rng& rng, std::size_t chars);
std::string random_bytes(Rng& rng, std::size_t n);
// A Monero address-like string: '4' + 94 base58 characters (95 in all, Monero standard address).
std::string random_monero_address(Rng& rng);

}  // namespace xmr::lab
