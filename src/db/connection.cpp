#include "acme/db/connection.hpp"

#include "acme/config/dsn.hpp"
#include "acme/error.hpp"

#include <fmt/format.h>
#include <pqxx/except>
#include <pqxx/nontransaction>

namespace acme::db {
namespace {

bool contains(std::string_view text, std::string_view needle) {
  return text.find(needle) != std::string_view::npos;
}

// Connection-time failures carry no SQLSTATE in libpqxx 6.4: classify by libpq's message.
bool fatal_connect_message(std::string_view msg) {
  return contains(msg, "password authentication failed") || contains(msg, "no pg_hba.conf entry") ||
         contains(msg, "does not exist") || contains(msg, "no password supplied") ||
         contains(msg, "permission denied") || contains(msg, "invalid connection option") ||
         contains(msg, "invalid URI") || contains(msg, "missing \"=\"") ||
         contains(msg, "unterminated quoted string") || contains(msg, "authentication");
}

std::string trim_message(std::string msg) {
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) {
    msg.pop_back();
  }
  return msg;
}

} // namespace

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

std::string with_schema(std::string_view sql, std::string_view schema) {
  const std::string quoted = quote_ident(schema);
  std::string out;
  out.reserve(sql.size() + 64);
  std::size_t pos = 0;
  for (;;) {
    const auto hit = sql.find("{schema}", pos);
    if (hit == std::string_view::npos) {
      out.append(sql.substr(pos));
      return out;
    }
    out.append(sql.substr(pos, hit - pos));
    out += quoted;
    pos = hit + 8;
  }
}

bool retryable_sqlstate(std::string_view s) {
  return s.rfind("08", 0) == 0 || s == "57P01" || s == "57P02" || s == "57P03" || s == "53300" ||
         s == "40001" || s == "40P01" || s == "55P03" || s == "57014";
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
    // COPY text travels verbatim between the two servers: pin the formats it depends on.
    tx.exec("SET application_name = " + tx.quote(std::string(application_name)) +
            "; SET DateStyle = 'ISO, YMD'; SET client_encoding = 'UTF8'; "
            "SET IntervalStyle = 'postgres'; "
            // acme's statements are small lookups or one-pass streams: JIT compilation would
            // only add latency (and CPU on the source).
            "SET jit = off");
    tx.commit();
    return conn;
  } catch (const pqxx::broken_connection& e) {
    const std::string msg = config::redact(trim_message(e.what()), secrets);
    const std::string text = fmt::format("cannot connect to the {} database ({}): {}", which,
                                         config::mask_dsn(dsn), msg);
    if (fatal_connect_message(msg)) {
      throw Fatal(text);
    }
    throw Error(text);
  } catch (const pqxx::sql_error& e) {
    const std::string text =
        fmt::format("cannot set up the {} connection ({}): {}", which, config::mask_dsn(dsn),
                    config::redact(trim_message(e.what()), secrets));
    if (retryable_sqlstate(e.sqlstate())) {
      throw Error(text);
    }
    throw Fatal(text);
  } catch (const std::exception& e) {
    // libpq rejects malformed connection strings before any network I/O.
    throw Fatal(fmt::format("cannot connect to the {} database ({}): {}", which,
                            config::mask_dsn(dsn),
                            config::redact(trim_message(e.what()), secrets)));
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
    throw Error(fmt::format("{}: connection lost: {}", context, trim_message(e.what())));
  } catch (const pqxx::in_doubt_error& e) {
    throw Error(fmt::format("{}: commit outcome unknown, the next cycle redoes the work: {}",
                            context, trim_message(e.what())));
  } catch (const pqxx::sql_error& e) {
    const std::string state = e.sqlstate();
    std::string text = fmt::format("{}: {} [SQLSTATE {}]", context, trim_message(e.what()), state);
    if (retryable_sqlstate(state)) {
      throw Error(text);
    }
    if (state == "42501") {
      text += " (the role lacks a privilege: see README \"Least privilege\")";
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
    throw Error(fmt::format("{}: {}", context, e.what()));
  }
}

} // namespace acme::db
