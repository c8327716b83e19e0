// acme serve's TLS: an OpenSSL server context loaded from a PEM certificate (chain) and its
// private key, checked against each other, with an error in words when either cannot be used.
#pragma once

#include <memory>
#include <string>

using SSL_CTX = struct ssl_ctx_st;

namespace acme::api {

struct TlsContextFree {
  void operator()(SSL_CTX* ctx) const;
};
using TlsContext = std::unique_ptr<SSL_CTX, TlsContextFree>;

// A TLS 1.2+ server context serving `cert_path` with `key_path`. Throws acme::UsageError naming
// the file and the reason (unreadable, not PEM, encrypted key, key and certificate do not match);
// never the files' contents.
TlsContext load_tls_context(const std::string& cert_path, const std::string& key_path);

} // namespace acme::api
