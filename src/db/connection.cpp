#include "acme/db/connection.hpp"

#include "acme/config/dsn.hpp"
#include "acme/error.hpp"
#include "acme/sql/embedded.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <fmt/format.h>
#include <libpq-fe.h>
#include <optional>
#include <poll.h>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <utility>

namespace acme::db {
namespace {

template <class T> bool is_a(const std::exception& e) {
  return dynamic_cast<const T*>(&e) != nullptr;
}

// Repeats a failed connection attempt with libpq directly, asking for verbose errors, so that
// the failure can be classified by the server's SQLSTATE instead of its (translated) message
// text. libpqxx 6.4 only reports connection failures as text. Only runs on the failure path.
struct ConnectDiagnosis {
  bool connected = false;      // the second attempt succeeded: the failure was transient
  bool needs_password = false; // the server asked for a password and none was given
  std::optional<std::string> sqlstate;
  std::string message;
};

ConnectDiagnosis diagnose_connect(const std::string& dsn) {
  ConnectDiagnosis d;
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectStart(dsn.c_str()), &PQfinish);
  if (!conn) {
    d.message = "out of memory";
    return d;
  }
  PQsetErrorVerbosity(conn.get(), PQERRORS_VERBOSE);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  while (PQstatus(conn.get()) != CONNECTION_BAD && st != PGRES_POLLING_OK &&
         st != PGRES_POLLING_FAILED) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      d.message = "timeout expired";
      return d;
    }
    pollfd pfd{PQsocket(conn.get()),
               static_cast<short>(st == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    if (pfd.fd >= 0 && ::poll(&pfd, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) {
      break;
    }
    st = PQconnectPoll(conn.get());
  }
  d.connected = PQstatus(conn.get()) == CONNECTION_OK;
  d.needs_password = PQconnectionNeedsPassword(conn.get()) != 0;
  d.message = PQerrorMessage(conn.get());
  d.sqlstate = sqlstate_in_message(d.message);
  return d;
}

} // namespace

std::optional<std::string> sqlstate_in_message(std::string_view message) {
  // libpq's verbose layout is "<severity>:  <SQLSTATE>: <text>" whatever the language.
  for (std::size_t pos = message.find(":  "); pos != std::string_view::npos;
       pos = message.find(":  ", pos + 1)) {
    const auto code = message.substr(pos + 3, 6);
    if (code.size() == 6 && code[5] == ':' && std::all_of(code.begin(), code.end() - 1, [](char c) {
          return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
        })) {
      return std::string(code.substr(0, 5));
    }
  }
  return std::nullopt;
}

bool retryable_connect_failure(const std::optional<std::string>& sqlstate, bool needs_password) {
  if (needs_password) {
    return false;
  }
  // No SQLSTATE: the server was not reached (refused, unreachable, name lookup, timeout).
  return !sqlstate || retryable_sqlstate(*sqlstate);
}

std::string quote_ident(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') {
      out += '"';
    }
    out += c;
  }
  out += '"';
  return out;
}

std::string qualify(std::string_view schema, std::string_view name) {
  return quote_ident(schema) + "." + quote_ident(name);
}

std::string text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const auto& v : values) {
    out += out.size() > 1 ? ",\"" : "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') {
        out += '\\';
      }
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string render(std::string_view sql, const std::map<std::string, std::string>& values) {
  // One pass over the template (values are inserted as given, never expanded again), knowing
  // whether it is in SQL text, a '...' literal or a comment: a {name} with no value in SQL text
  // is a bug (a misspelt or forgotten placeholder) and throws; in literals and comments it stays.
  enum class In { code, literal, line_comment, block_comment };
  In in = In::code;
  std::string out;
  out.reserve(sql.size() + 64);
  for (std::size_t i = 0; i < sql.size();) {
    const char c = sql[i];
    const char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
    if (in == In::code && c == '\'') {
      in = In::literal;
    } else if (in == In::literal && c == '\'') {
      in = In::code; // a doubled '' leaves and re-enters at once
    } else if (in == In::code && c == '-' && next == '-') {
      in = In::line_comment;
    } else if (in == In::line_comment && c == '\n') {
      in = In::code;
    } else if (in == In::code && c == '/' && next == '*') {
      in = In::block_comment;
    } else if (in == In::block_comment && c == '*' && next == '/') {
      out += "*/";
      i += 2;
      in = In::code;
      continue;
    } else if (c == '{') {
      const auto close = sql.find('}', i + 1);
      const auto name =
          close == std::string_view::npos ? std::string_view() : sql.substr(i + 1, close - i - 1);
      const auto it = values.find(std::string(name));
      if (it != values.end()) {
        out += it->second;
        i = close + 1;
        continue;
      }
      const bool placeholder = !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
      }) && !std::isdigit(static_cast<unsigned char>(name.front()));
      if (placeholder && in == In::code) {
        throw Fatal(fmt::format("SQL template: {{{}}} has no value (a bug in acme)", name));
      }
    }
    out += c;
    ++i;
  }
  return out;
}

std::string with_schema(std::string_view sql, std::string_view schema) {
  return render(sql, {{"schema", quote_ident(schema)}});
}

bool retryable_sqlstate(std::string_view s) {
  return s.rfind("08", 0) == 0 || s == "57P01" || s == "57P02" || s == "57P03" || s == "53300" ||
         s == "40001" || s == "40P01" || s == "55P03" || s == "57014";
}

std::string sqlstate_of(const std::exception& e) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
      sql != nullptr && !sql->sqlstate().empty()) {
    return sql->sqlstate();
  }
  // The most specific class first: deadlock_detected is a transaction_rollback too.
  using Probe = bool (*)(const std::exception&);
  static const std::pair<Probe, const char*> k_classes[] = {
      {&is_a<pqxx::serialization_failure>, "40001"},
      {&is_a<pqxx::deadlock_detected>, "40P01"},
      {&is_a<pqxx::statement_completion_unknown>, "40003"},
      {&is_a<pqxx::transaction_rollback>, "40000"},
      {&is_a<pqxx::insufficient_privilege>, "42501"},
      {&is_a<pqxx::undefined_table>, "42P01"},
      {&is_a<pqxx::undefined_column>, "42703"},
      {&is_a<pqxx::undefined_function>, "42883"},
      {&is_a<pqxx::syntax_error>, "42601"},
      {&is_a<pqxx::disk_full>, "53100"},
      {&is_a<pqxx::out_of_memory>, "53200"},
  };
  for (const auto& [probe, code] : k_classes) {
    if (probe(e)) {
      return code;
    }
  }
  return "";
}

std::unique_ptr<pqxx::connection> connect(const std::string& dsn, std::string_view which,
                                          std::string_view application_name) {
  const auto secrets = config::dsn_secrets(dsn);
  try {
    auto conn = std::make_unique<pqxx::connection>(dsn);
    // libpqxx 6.4 silently reconnects a broken connection by default, which would drop acme's
    // session state (the writer lock, temp tables) behind its back: a lost connection must
    // surface as an error instead. The API is deprecated in 6.4 but has no replacement there.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    conn->inhibit_reactivation(true);
#pragma GCC diagnostic pop
    pqxx::nontransaction tx(*conn);
    tx.exec("SET application_name = " + tx.quote(std::string(application_name)) + "; " +
            std::string(sql::db_session));
    tx.commit();
    return conn;
  } catch (const pqxx::broken_connection& e) {
    const std::string msg = config::redact(one_line(e.what()), secrets);
    const std::string text = fmt::format("cannot connect to the {} database ({}): {}", which,
                                         config::mask_dsn(dsn), msg);
    char* parse_error = nullptr;
    PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &parse_error);
    PQconninfoFree(options);
    if (options == nullptr) {
      PQfreemem(parse_error);
      throw Fatal(text); // a malformed connection string cannot get better by retrying
    }
    const auto d = diagnose_connect(dsn);
    if (d.connected || retryable_connect_failure(d.sqlstate, d.needs_password)) {
      throw Error(text);
    }
    throw Fatal(d.sqlstate ? fmt::format("{} [SQLSTATE {}]", text, *d.sqlstate) : text);
  } catch (const pqxx::sql_error& e) {
    const std::string text =
        fmt::format("cannot set up the {} connection ({}): {}", which, config::mask_dsn(dsn),
                    config::redact(one_line(e.what()), secrets));
    if (retryable_sqlstate(sqlstate_of(e))) {
      throw Error(text);
    }
    throw Fatal(text);
  } catch (const std::exception& e) {
    // libpq rejects malformed connection strings before any network I/O.
    throw Fatal(fmt::format("cannot connect to the {} database ({}): {}", which,
                            config::mask_dsn(dsn), config::redact(one_line(e.what()), secrets)));
  }
}

void rethrow_classified(std::string_view context) {
  try {
    throw;
  } catch (const Fatal&) {
    throw;
  } catch (const Error&) {
    throw;
  } catch (const pqxx::broken_connection& e) {
    throw Error(fmt::format("{}: connection lost: {}", context, one_line(e.what())));
  } catch (const pqxx::in_doubt_error& e) {
    throw Error(fmt::format("{}: commit outcome unknown, the next cycle redoes the work: {}",
                            context, one_line(e.what())));
  } catch (const pqxx::transaction_rollback& e) {
    // Not an sql_error in libpqxx 6.4: a serialization failure or deadlock, worth a retry.
    throw Error(fmt::format("{}: {} [SQLSTATE {}]", context, one_line(e.what()), sqlstate_of(e)));
  } catch (const pqxx::sql_error& e) {
    const std::string state = sqlstate_of(e);
    std::string text = fmt::format("{}: {} [SQLSTATE {}]", context, one_line(e.what()), state);
    if (retryable_sqlstate(state)) {
      throw Error(text);
    }
    if (state == "42501") {
      text += " (the role lacks a privilege: see docs/operations.md \"Least privilege\")";
    } else if (state == "42P01" || state == "42703" || state == "3F000") {
      text += " (a table, column or schema is missing: check ACME_SOURCE_SCHEMA / "
              "ACME_TARGET_SCHEMA and the source contract)";
    }
    throw Fatal(text);
  } catch (const pqxx::usage_error& e) {
    throw Fatal(fmt::format("{}: {}", context, e.what()));
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    // Not a database condition acme knows to be transient: a bug or an unexpected state, so
    // retrying would only repeat it forever.
    throw Fatal(fmt::format("{}: unexpected error: {}", context, e.what()));
  }
}

} // namespace acme::db
