#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// libpq's connection and cancel handles, without including libpq-fe.h here.
struct pg_conn;
struct pg_cancel;

namespace acme::db {

// A plain libpq session for the full load's bulk COPYs in PostgreSQL's binary format, which
// libpqxx 6.4 cannot stream (its raw-line writer appends a newline to every chunk). Set up like
// db::connect's sessions (application name, jit off, dead-client check); errors are thrown as
// libpqxx's exception types, so db::rethrow_classified() classifies them the same way.
class CopyConnection {
public:
  CopyConnection(const std::string& dsn, std::string_view which, std::string_view application_name);
  ~CopyConnection();
  CopyConnection(const CopyConnection&) = delete;
  CopyConnection& operator=(const CopyConnection&) = delete;

  // Runs `sql` (one statement, or several without results); returns the rows of the result as
  // text (nullopt = NULL), for the small results acme reads this way.
  std::vector<std::vector<std::optional<std::string>>> exec(const std::string& sql);

  // Quotes a string literal for this session.
  std::string quote(std::string_view text) const;

  // Asks the server to cancel the statement this session is running, if any (the statement then
  // fails with SQLSTATE 57014). Safe to call from another thread while the session is in use.
  void cancel() const noexcept;

  pg_conn* raw() const { return m_conn; }

private:
  pg_conn* m_conn = nullptr;
  pg_cancel* m_cancel = nullptr; // made once: PQgetCancel reads the connection
};

// The fields of one row of a binary COPY stream, in PostgreSQL's binary send format (network
// byte order); `data` is null for a NULL field. Valid only during the observer's call.
struct BinaryField {
  const char* data = nullptr;
  std::int32_t size = 0;
};
using RowObserver = std::function<void(const std::vector<BinaryField>& row)>;

// Streams `COPY (query) TO STDOUT (FORMAT binary)` of `from` into `COPY table FROM STDIN (FORMAT
// binary)` of `to` message by message (bounded memory, no parsing). The column types of the
// query must equal those of the destination columns. `should_stop` is polled every few thousand
// rows; when it returns true the target COPY is aborted and acme::Error thrown. `observe`, if
// given, sees every row on its way (to gather a maximum without a second pass). Returns the
// number of rows the target stored.
std::int64_t copy_binary(CopyConnection& from, const std::string& query, CopyConnection& to,
                         const std::string& table, const std::function<bool()>& should_stop = {},
                         const RowObserver& observe = {});

// Streams rows in COPY's text format into `COPY table FROM STDIN` of `to`: `next` returns the
// next piece of the text (cut anywhere), and an empty view at the end. Returns the number of rows
// stored.
std::int64_t copy_text_in(CopyConnection& to, const std::string& table,
                          const std::function<std::string_view()>& next);

// Reads a big-endian integer of a binary COPY field (8, 4 or 2 bytes).
std::int64_t binary_int(const BinaryField& field);

// A numeric field of a binary COPY stream (PostgreSQL's numeric_send): base-10000 digits, the
// weight of the first, sign and display scale. It reads its digits in the field, so it is valid
// as long as the field is.
struct BinaryNumeric {
  enum class Kind { finite, nan, infinity, minus_infinity };
  Kind kind = Kind::finite;
  bool negative = false;
  int weight = 0;
  int dscale = 0;
  int ndigits = 0;
  const char* digit_data = nullptr; // ndigits big-endian int16, most significant first

  // The base-10000 digit at position `i` (0 = the first stored one; 0..9999), zero outside them.
  int digit(int i) const;
};
// Reads a numeric field without copying it; throws acme::Error on a malformed field.
BinaryNumeric binary_numeric(const BinaryField& field);
// The numeric's text, as PostgreSQL's numeric_out writes it (dscale digits after the point;
// NaN, Infinity, -Infinity).
std::string numeric_text(const BinaryNumeric& n);

} // namespace acme::db
