#include "acme/db/copy_connection.hpp"

#include "acme/config/dsn.hpp"
#include "acme/db/connection.hpp"
#include "acme/error.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <memory>
#include <pqxx/except>

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

// Collects the results of the statement in progress; throws on the first error.
void finish(PGconn* conn, const std::string& sql, std::string* tuples = nullptr) {
  for (Result r(PQgetResult(conn), &PQclear); r; r.reset(PQgetResult(conn))) {
    const auto st = PQresultStatus(r.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      throw_failure(conn, r.get(), sql);
    }
    if (tuples != nullptr) {
      *tuples = PQcmdTuples(r.get());
    }
  }
}

} // namespace

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
  exec("SET application_name = " + quote(application_name) +
       "; SET client_encoding = 'UTF8'; SET jit = off; "
       "SELECT set_config('client_connection_check_interval', '1000', false) "
       "WHERE current_setting('server_version_num')::int >= 140000");
}

CopyConnection::~CopyConnection() {
  PQfinish(m_conn);
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
                         const std::string& table, const std::function<bool()>& should_stop) {
  PGconn* src = from.raw();
  PGconn* dst = to.raw();
  const std::string out_sql = "COPY (" + query + ") TO STDOUT (FORMAT binary)";
  const std::string in_sql = "COPY " + table + " FROM STDIN (FORMAT binary)";
  const auto start = [](PGconn* conn, const std::string& sql, ExecStatusType expected) {
    Result r(PQexec(conn, sql.c_str()), &PQclear);
    if (PQresultStatus(r.get()) != expected) {
      throw_failure(conn, r.get(), sql);
    }
  };
  start(dst, in_sql, PGRES_COPY_IN);
  try {
    start(src, out_sql, PGRES_COPY_OUT);
  } catch (...) {
    PQputCopyEnd(dst, "the source query failed");
    for (Result r(PQgetResult(dst), &PQclear); r; r.reset(PQgetResult(dst))) {
    }
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
      PQputCopyEnd(dst, "the source COPY failed");
      for (Result r(PQgetResult(dst), &PQclear); r; r.reset(PQgetResult(dst))) {
      }
      finish(src, out_sql); // throws the source's error
      throw pqxx::broken_connection(trimmed(PQerrorMessage(src)));
    }
    const std::unique_ptr<char, decltype(&PQfreemem)> data(buffer, &PQfreemem);
    if (PQputCopyData(dst, data.get(), n) != 1) {
      throw_failure(dst, nullptr, in_sql);
    }
    if ((++messages & 0x3fff) == 0 && should_stop && should_stop()) {
      PQputCopyEnd(dst, "interrupted");
      throw Error("interrupted during COPY");
    }
  }
  finish(src, out_sql);
  if (PQputCopyEnd(dst, nullptr) != 1) {
    throw_failure(dst, nullptr, in_sql);
  }
  std::string tuples;
  finish(dst, in_sql, &tuples);
  return tuples.empty() ? 0 : std::stoll(tuples);
}

} // namespace acme::db
