#include "tls.hpp"

#include "acme/error.hpp"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace acme::api {

void TlsContextFree::operator()(SSL_CTX* ctx) const {
  SSL_CTX_free(ctx);
}

namespace {

// OpenSSL's queued errors in words ("no start line", "key values mismatch"), oldest first, and
// the queue emptied. Its texts name files and functions, never the keys' contents.
std::string openssl_errors() {
  std::string text;
  while (const unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    const std::string one = reason != nullptr ? reason : fmt::format("error {:#x}", e);
    if (text.find(one) == std::string::npos) { // each reason once
      text += (text.empty() ? "" : "; ") + one;
    }
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

// Throws when `path` cannot be opened for reading, with the system's reason.
void require_readable(const std::string& what, const std::string& setting,
                      const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw UsageError(fmt::format("acme serve: cannot read the TLS {} '{}' ({}): {}", what, path,
                                 setting, std::strerror(errno)));
  }
}

// No passphrase is ever asked for (OpenSSL would prompt on the terminal): an encrypted key fails.
int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) {
  return 0;
}

} // namespace

TlsContext load_tls_context(const std::string& cert_path, const std::string& key_path) {
  require_readable("certificate", "ACME_API_TLS_CERT", cert_path);
  require_readable("private key", "ACME_API_TLS_KEY", key_path);
  ERR_clear_error();
  TlsContext ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) {
    throw Fatal("acme serve: cannot create a TLS context: " + openssl_errors());
  }
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_default_passwd_cb(ctx.get(), &no_passphrase);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert_path.c_str()) != 1) {
    throw UsageError(
        fmt::format("acme serve: '{}' (ACME_API_TLS_CERT) is not a PEM certificate: {}", cert_path,
                    openssl_errors()));
  }
  const std::string mismatch =
      fmt::format("acme serve: the private key '{}' (ACME_API_TLS_KEY) does not match the "
                  "certificate '{}' (ACME_API_TLS_CERT)",
                  key_path, cert_path);
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), key_path.c_str(), SSL_FILETYPE_PEM) != 1) {
    const std::string why = openssl_errors();
    if (why.find("key values mismatch") != std::string::npos) { // a key of the same type
      throw UsageError(mismatch);
    }
    throw UsageError(fmt::format("acme serve: '{}' (ACME_API_TLS_KEY) is not an unencrypted PEM "
                                 "private key: {}",
                                 key_path, why));
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1) {
    // A key of another type: OpenSSL dropped the certificate, and says "no certificate
    // assigned", which would mislead.
    ERR_clear_error();
    throw UsageError(mismatch);
  }
  return ctx;
}

} // namespace acme::api
