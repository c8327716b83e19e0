#include "acme/db/copy_connection.hpp"

#include "acme/config/dsn.hpp"
#include "acme/db/connection.hpp"
#include "acme/error.hpp"
#include "acme/sql/embedded.hpp"

#include <array>
#include <cstddef>
#include <cstring>
#include <endian.h>
#include <fmt/format.h>
#include <libpq-fe.h>
#include <memory>
#include <pqxx/except>
#include <spdlog/spdlog.h>

namespace acme::db {
namespace {

using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

std::string trimmed(const char* text) {
  std::string out = text == nullptr ? "" : text;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
    out.pop_back();
  }
  return out;
}

// Throws the libpqxx exception libpqxx itself would throw for a failed statement.
[[noreturn]] void throw_failure(PGconn* conn, const PGresult* r, const std::string& sql) {
  if (PQstatus(conn) != CONNECTION_OK) {
    throw pqxx::broken_connection(trimmed(PQerrorMessage(conn)));
  }
  const char* state = r == nullptr ? nullptr : PQresultErrorField(r, PG_DIAG_SQLSTATE);
  const std::string message =
      r == nullptr ? trimmed(PQerrorMessage(conn)) : trimmed(PQresultErrorMessage(r));
  throw pqxx::sql_error(message, sql, state);
}

// Reads and drops the remaining results of the statement in progress: the session takes another
// statement only once every result of this one is read.
void discard_results(PGconn* conn) {
  for (Result r(PQgetResult(conn), &PQclear); r; r.reset(PQgetResult(conn))) {
  }
}

// Collects the results of the statement in progress; throws on the first error.
void finish(PGconn* conn, const std::string& sql, std::string* tuples = nullptr) {
  for (Result r(PQgetResult(conn), &PQclear); r; r.reset(PQgetResult(conn))) {
    const auto st = PQresultStatus(r.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      discard_results(conn);
      throw_failure(conn, r.get(), sql);
    }
    if (tuples != nullptr) {
      *tuples = PQcmdTuples(r.get());
    }
  }
}

// Runs `sql`, a COPY, and checks that the server entered the `expected` COPY state.
void start_copy(PGconn* conn, const std::string& sql, ExecStatusType expected) {
  Result r(PQexec(conn, sql.c_str()), &PQclear);
  if (PQresultStatus(r.get()) != expected) {
    throw_failure(conn, r.get(), sql);
  }
}

// Fails the COPY FROM STDIN in progress on `dst` with `reason` (nothing it sent is stored) and
// leaves the session ready for the next statement.
void abort_copy_in(PGconn* dst, const char* reason) {
  PQputCopyEnd(dst, reason);
  discard_results(dst);
}

// Ends the COPY FROM STDIN `in_sql` in progress on `dst`; returns the number of rows stored.
std::int64_t end_copy_in(PGconn* dst, const std::string& in_sql) {
  if (PQputCopyEnd(dst, nullptr) != 1) {
    throw_failure(dst, nullptr, in_sql);
  }
  std::string tuples;
  finish(dst, in_sql, &tuples);
  return tuples.empty() ? 0 : std::stoll(tuples);
}

std::uint32_t be32(const char* p) {
  std::uint32_t v = 0;
  std::memcpy(&v, p, 4);
  return be32toh(v);
}

std::uint16_t be16(const char* p) {
  std::uint16_t v = 0;
  std::memcpy(&v, p, 2);
  return be16toh(v);
}

// Splits the CopyData messages of a binary COPY into rows of fields for an observer. The server
// sends one row per message; the first also carries the 19-byte file header (plus extension
// area), and the trailer (field count -1) comes alone.
class BinaryRowSplitter {
public:
  explicit BinaryRowSplitter(const RowObserver& observe) : m_observe(observe) {}

  void feed(const char* data, std::size_t size) {
    std::size_t pos = 0;
    if (!m_header_seen) {
      m_header_seen = true;
      static const char k_signature[] = "PGCOPY\n\377\r\n";
      if (size < 19 || std::memcmp(data, k_signature, 11) != 0) {
        throw Error("binary COPY stream without its header");
      }
      pos = 19 + be32(data + 15);
    }
    while (pos + 2 <= size) {
      const auto count = static_cast<std::int16_t>(be16(data + pos));
      pos += 2;
      if (count < 0) {
        return; // trailer
      }
      m_row.clear();
      for (std::int16_t i = 0; i < count; ++i) {
        if (pos + 4 > size) {
          throw Error("binary COPY row split across messages");
        }
        const auto len = static_cast<std::int32_t>(be32(data + pos));
        pos += 4;
        if (len < 0) {
          m_row.push_back({nullptr, -1});
          continue;
        }
        if (pos + static_cast<std::size_t>(len) > size) {
          throw Error("binary COPY row split across messages");
        }
        m_row.push_back({data + pos, len});
        pos += static_cast<std::size_t>(len);
      }
      m_observe(m_row);
    }
  }

private:
  const RowObserver& m_observe;
  std::vector<BinaryField> m_row;
  bool m_header_seen = false;
};

} // namespace

std::int64_t binary_int(const BinaryField& field) {
  std::uint64_t v = 0;
  for (std::int32_t i = 0; i < field.size; ++i) {
    v = (v << 8) | static_cast<unsigned char>(field.data[i]);
  }
  // Sign-extend the narrower widths.
  const int bits = 8 * field.size;
  if (bits > 0 && bits < 64 && (v >> (bits - 1)) != 0) {
    v |= ~std::uint64_t{0} << bits;
  }
  return static_cast<std::int64_t>(v);
}

BinaryNumeric binary_numeric(const BinaryField& field) {
  if (field.data == nullptr || field.size < 8) {
    throw Error("malformed numeric in a binary COPY stream");
  }
  BinaryNumeric n;
  n.ndigits = static_cast<std::int16_t>(be16(field.data));
  n.weight = static_cast<std::int16_t>(be16(field.data + 2));
  const std::uint16_t sign = be16(field.data + 4);
  n.dscale = static_cast<std::int16_t>(be16(field.data + 6));
  if (n.ndigits < 0 || n.dscale < 0 || field.size != 8 + 2 * n.ndigits) {
    throw Error("malformed numeric in a binary COPY stream");
  }
  switch (sign) {
  case 0x0000:
    break;
  case 0x4000:
    n.negative = true;
    break;
  case 0xC000:
    n.kind = BinaryNumeric::Kind::nan;
    return n;
  case 0xD000:
    n.kind = BinaryNumeric::Kind::infinity;
    return n;
  case 0xF000:
    n.kind = BinaryNumeric::Kind::minus_infinity;
    return n;
  default:
    throw Error("malformed numeric in a binary COPY stream");
  }
  n.digit_data = field.data + 8;
  for (int i = 0; i < n.ndigits; ++i) {
    if (be16(n.digit_data + std::ptrdiff_t{2} * i) > 9999) {
      throw Error("malformed numeric in a binary COPY stream");
    }
  }
  return n;
}

int BinaryNumeric::digit(int i) const {
  return i >= 0 && i < ndigits ? be16(digit_data + std::ptrdiff_t{2} * i) : 0;
}

std::string numeric_text(const BinaryNumeric& n) {
  switch (n.kind) {
  case BinaryNumeric::Kind::nan:
    return "NaN";
  case BinaryNumeric::Kind::infinity:
    return "Infinity";
  case BinaryNumeric::Kind::minus_infinity:
    return "-Infinity";
  case BinaryNumeric::Kind::finite:
    break;
  }
  std::string out = n.negative && n.ndigits > 0 ? "-" : "";
  if (n.weight < 0) {
    out += '0';
  } else {
    out += std::to_string(n.digit(0));
    for (int i = 1; i <= n.weight; ++i) {
      out += fmt::format("{:04d}", n.digit(i));
    }
  }
  if (n.dscale > 0) {
    out += '.';
    std::string fraction;
    for (int i = n.weight + 1; static_cast<int>(fraction.size()) < n.dscale; ++i) {
      fraction += fmt::format("{:04d}", n.digit(i));
    }
    fraction.resize(static_cast<std::size_t>(n.dscale));
    out += fraction;
  }
  return out;
}

CopyConnection::CopyConnection(const std::string& dsn, std::string_view which,
                               std::string_view application_name) {
  m_conn = PQconnectdb(dsn.c_str());
  if (m_conn == nullptr || PQstatus(m_conn) != CONNECTION_OK) {
    PQfinish(m_conn);
    m_conn = nullptr;
    // The same attempt through db::connect classifies the failure (retryable or fatal) and
    // masks the password; should it succeed now, the failure was transient.
    db::connect(dsn, which, application_name);
    throw Error(
        fmt::format("cannot connect to the {} database ({})", which, config::mask_dsn(dsn)));
  }
  // Server notices (a DROP ... IF EXISTS that found nothing) go to the debug log, not stderr.
  PQsetNoticeProcessor(
      m_conn,
      [](void*, const char* message) { spdlog::debug("server notice: {}", trimmed(message)); },
      nullptr);
  m_cancel = PQgetCancel(m_conn);
  exec("SET application_name = " + quote(application_name) + "; " + std::string(sql::db_session));
}

CopyConnection::~CopyConnection() {
  if (m_cancel != nullptr) {
    PQfreeCancel(m_cancel);
  }
  PQfinish(m_conn);
}

void CopyConnection::cancel() const noexcept {
  if (m_cancel != nullptr) {
    std::array<char, 256> error{};
    PQcancel(m_cancel, error.data(), static_cast<int>(error.size()));
  }
}

std::string CopyConnection::quote(std::string_view text) const {
  std::unique_ptr<char, decltype(&PQfreemem)> q(PQescapeLiteral(m_conn, text.data(), text.size()),
                                                &PQfreemem);
  if (!q) {
    throw pqxx::broken_connection(trimmed(PQerrorMessage(m_conn)));
  }
  return q.get();
}

std::vector<std::vector<std::optional<std::string>>> CopyConnection::exec(const std::string& sql) {
  if (PQsendQuery(m_conn, sql.c_str()) == 0) {
    throw_failure(m_conn, nullptr, sql);
  }
  std::vector<std::vector<std::optional<std::string>>> rows;
  for (Result r(PQgetResult(m_conn), &PQclear); r; r.reset(PQgetResult(m_conn))) {
    const auto st = PQresultStatus(r.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      discard_results(m_conn);
      throw_failure(m_conn, r.get(), sql);
    }
    rows.clear();
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      auto& row = rows.emplace_back();
      for (int j = 0; j < PQnfields(r.get()); ++j) {
        row.push_back(PQgetisnull(r.get(), i, j) != 0
                          ? std::nullopt
                          : std::optional<std::string>(PQgetvalue(r.get(), i, j)));
      }
    }
  }
  return rows;
}

std::int64_t copy_binary(CopyConnection& from, const std::string& query, CopyConnection& to,
                         const std::string& table, const std::function<bool()>& should_stop,
                         const RowObserver& observe) {
  std::optional<BinaryRowSplitter> rows;
  if (observe) {
    rows.emplace(observe);
  }
  PGconn* src = from.raw();
  PGconn* dst = to.raw();
  const std::string out_sql = "COPY (" + query + ") TO STDOUT (FORMAT binary)";
  const std::string in_sql = "COPY " + table + " FROM STDIN (FORMAT binary)";
  start_copy(dst, in_sql, PGRES_COPY_IN);
  try {
    start_copy(src, out_sql, PGRES_COPY_OUT);
  } catch (...) {
    abort_copy_in(dst, "the source query failed");
    throw;
  }
  std::int64_t messages = 0;
  for (;;) {
    char* buffer = nullptr;
    const int n = PQgetCopyData(src, &buffer, 0);
    if (n == -1) {
      break;
    }
    if (n < 0) {
      abort_copy_in(dst, "the source COPY failed");
      finish(src, out_sql); // throws the source's error
      throw pqxx::broken_connection(trimmed(PQerrorMessage(src)));
    }
    const std::unique_ptr<char, decltype(&PQfreemem)> data(buffer, &PQfreemem);
    if (rows) {
      rows->feed(data.get(), static_cast<std::size_t>(n));
    }
    if (PQputCopyData(dst, data.get(), n) != 1) {
      throw_failure(dst, nullptr, in_sql);
    }
    if ((++messages & 0x3fff) == 0 && should_stop && should_stop()) {
      abort_copy_in(dst, "interrupted");
      throw Error("interrupted during COPY");
    }
  }
  finish(src, out_sql);
  return end_copy_in(dst, in_sql);
}

std::int64_t copy_text_in(CopyConnection& to, const std::string& table,
                          const std::function<std::string_view()>& next) {
  PGconn* dst = to.raw();
  const std::string in_sql = "COPY " + table + " FROM STDIN";
  start_copy(dst, in_sql, PGRES_COPY_IN);
  try {
    for (std::string_view chunk = next(); !chunk.empty(); chunk = next()) {
      if (PQputCopyData(dst, chunk.data(), static_cast<int>(chunk.size())) != 1) {
        throw_failure(dst, nullptr, in_sql);
      }
    }
  } catch (...) {
    abort_copy_in(dst, "the rows could not be read");
    throw;
  }
  return end_copy_in(dst, in_sql);
}

} // namespace acme::db
