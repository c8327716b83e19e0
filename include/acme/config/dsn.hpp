#pragma once

#include <optional>
#include <string>
#include <vector>

namespace acme::config {

// Returns `dsn` with any password replaced by "***" (libpq URI or key=value form).
std::string mask_dsn(const std::string& dsn);

// The passwords a DSN carries (URI userinfo or the password keyword), to redact from messages.
std::vector<std::string> dsn_secrets(const std::string& dsn);

// Why libpq cannot parse `dsn` as a connection string (an unknown keyword, a malformed URI), with
// its passwords redacted; nullopt when it can. Values are checked only when connecting.
std::optional<std::string> dsn_syntax_error(const std::string& dsn);

// Replaces every occurrence of each secret in `text` with "***".
std::string redact(std::string text, const std::vector<std::string>& secrets);

} // namespace acme::config
