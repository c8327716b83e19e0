// Connection strings made safe to show: a DSN masked for messages, the secrets to redact from any
// text, and libpq's syntax error without echoing the string.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace acme::config {

// `dsn` as libpq parses it (PQconninfoParse), shown as key=value words with every secret option
// (dispchar "*": password, sslpassword, ...) as "***". A string libpq cannot parse, or a URI
// whose written password libpq reads as host, port or database, is never shown: a sentence
// saying so instead.
std::string mask_dsn(const std::string& dsn);

// Every text of `dsn` to redact from messages: libpq's secret option values, the password of a
// URI's user info as written (and its pieces), values written after a secret keyword (a second
// password= in a query), and the whole string if libpq cannot parse it. Longest first.
std::vector<std::string> dsn_secrets(const std::string& dsn);

// Why libpq cannot parse `dsn` as a connection string (an unknown keyword, a malformed URI):
// libpq's reason with every quoted fragment that is not a libpq keyword hidden, so no part of
// the string is echoed; nullopt when it can. Values are checked only when connecting.
std::optional<std::string> dsn_syntax_error(const std::string& dsn);

// Replaces every occurrence of each secret in `text` with "***".
std::string redact(std::string text, const std::vector<std::string>& secrets);

} // namespace acme::config
