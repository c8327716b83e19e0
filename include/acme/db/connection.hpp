// Connections to the source and target databases and the helpers around them: errors classified
// by SQLSTATE, identifier quoting, and render(), the placeholder substitution of acme's SQL files.
#pragma once

#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <pqxx/connection>
#include <pqxx/transaction_base>
#include <string>
#include <string_view>
#include <vector>

namespace acme::db {

// Opens a connection to the `which` database ("source" or "target") and tags the session with
// `application_name`. Failures become acme::Fatal (bad credentials, unknown database or role)
// or acme::Error (unreachable, server starting or shutting down) with the password masked.
std::unique_ptr<pqxx::connection> connect(const std::string& dsn, std::string_view which,
                                          std::string_view application_name = "acme");

// Rethrows the current exception as acme::Error (retryable) or acme::Fatal, prefixed with
// `context`. Call from a catch block only.
[[noreturn]] void rethrow_classified(std::string_view context);

// Whether a SQLSTATE names a transient condition worth retrying.
bool retryable_sqlstate(std::string_view sqlstate);

// The SQLSTATE of a libpqxx exception. libpqxx 6.4 leaves sql_error::sqlstate() empty in some of
// its classes (insufficient_privilege, undefined_table, ...) and gives none to the
// transaction_rollback family (serialization failure, deadlock), which is not an sql_error
// there: the class then names the code. Empty for anything else.
std::string sqlstate_of(const std::exception& e);

// The SQLSTATE in a libpq error message formatted with PQERRORS_VERBOSE
// ("<severity>:  <SQLSTATE>: <text>"), whatever language the server speaks.
std::optional<std::string> sqlstate_in_message(std::string_view message);

// Whether a failed connection attempt is worth retrying: the server was not reached, or it
// answered with a transient SQLSTATE (starting up, too many connections). Authentication,
// unknown database or role, and missing privileges are not.
bool retryable_connect_failure(const std::optional<std::string>& sqlstate, bool needs_password);

// Double-quotes a PostgreSQL identifier (embedded quotes doubled).
std::string quote_ident(std::string_view name);

// The source/target schema names as quoted identifiers, ready to splice into SQL text.
std::string qualify(std::string_view schema, std::string_view name);

// A PostgreSQL text[] literal ('{"a","b"}') for a query parameter; elements quoted and escaped.
std::string text_array(const std::vector<std::string>& values);

// acme's one template mechanism for its SQL files: every "{name}" of `values` in `sql` becomes
// its value, inserted as given (values are acme's own identifiers and numbers, never user
// input). A {name} without a value throws acme::Fatal when it stands in SQL text (a misspelt or
// forgotten placeholder), and stays as it is inside a '...' literal or a comment; any other
// brace (array literals, JSON) is left alone.
std::string render(std::string_view sql, const std::map<std::string, std::string>& values);

// render() with {schema} = the quoted identifier `schema`.
std::string with_schema(std::string_view sql, std::string_view schema);

} // namespace acme::db
