#include "acme/cdc/replication_connection.hpp"

#include "acme/config/dsn.hpp"
#include "acme/db/connection.hpp"
#include "acme/error.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <libpq-fe.h>
#include <poll.h>

namespace acme::cdc {
namespace {

using Clock = std::chrono::steady_clock;

// Without trailing blanks, and on one line (libpq's messages end in newlines, hints follow tabs).
std::string trim(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\t') {
      c = ' ';
    }
  }
  while (!text.empty() && text.back() == ' ') {
    text.pop_back();
  }
  return text;
}

// Whether libpq would parse `dsn` as a connection string rather than a database name.
bool is_connection_string(std::string_view dsn) {
  return dsn.rfind("postgresql://", 0) == 0 || dsn.rfind("postgres://", 0) == 0 ||
         dsn.find('=') != std::string_view::npos;
}

bool valid_slot_name(std::string_view name) {
  if (name.empty() || name.size() > 63) {
    return false;
  }
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

// Waits for the socket to become readable (or writable); false on deadline or signal.
bool wait_socket(PGconn* conn, bool for_write, Clock::time_point deadline) {
  const int fd = PQsocket(conn);
  if (fd < 0) {
    throw Error("replication connection lost (no socket)");
  }
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  const int timeout_ms =
      left.count() <= 0 ? 0 : static_cast<int>(std::min<std::int64_t>(left.count(), 3'600'000));
  pollfd p{fd, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
  const int rc = ::poll(&p, 1, timeout_ms);
  if (rc < 0 && errno != EINTR) {
    throw Error(fmt::format("waiting on the replication connection: {}", std::strerror(errno)));
  }
  return rc > 0;
}

// Connection failures carry no result to ask for PG_DIAG_SQLSTATE: in verbose mode libpq puts
// the server's SQLSTATE right after the severity ("FATAL:  28P01: ..."). Empty if the failure
// happened on the client side (unreachable host, refused connection).
std::string connect_sqlstate(std::string_view message) {
  for (std::string_view severity : {"FATAL:  ", "ERROR:  ", "PANIC:  "}) {
    const auto at = message.find(severity);
    if (at == std::string_view::npos) {
      continue;
    }
    const auto code = message.substr(at + severity.size(), 6);
    if (code.size() == 6 && code[5] == ':') {
      bool ok = true;
      for (std::size_t i = 0; i < 5; ++i) {
        const char c = code[i];
        ok = ok && ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'));
      }
      if (ok) {
        return std::string(code.substr(0, 5));
      }
    }
  }
  return {};
}

// The verbose message without libpq's LOCATION detail lines.
std::string without_location(const std::string& message) {
  std::string out;
  std::size_t pos = 0;
  while (pos < message.size()) {
    auto end = message.find('\n', pos);
    if (end == std::string::npos) {
      end = message.size();
    }
    const std::string_view line(message.data() + pos, end - pos);
    if (line.rfind("LOCATION:", 0) != 0 && !line.empty()) {
      if (!out.empty()) {
        out += ' ';
      }
      out.append(line);
    }
    pos = end + 1;
  }
  return out;
}

// Throws the acme exception a SQLSTATE calls for, with `text` as the message.
[[noreturn]] void throw_for_sqlstate(const std::string& sqlstate, std::string text) {
  if (sqlstate.empty()) {
    throw Error(text); // no server verdict: a network or protocol failure, worth a retry
  }
  text += fmt::format(" [SQLSTATE {}]", sqlstate);
  if (sqlstate == "55006") {
    throw LockedError(text + " (the replication slot is in use by another process)");
  }
  if (db::retryable_sqlstate(sqlstate)) {
    throw Error(text);
  }
  if (sqlstate == "42501" || sqlstate.rfind("28", 0) == 0) {
    text += " (the source role needs LOGIN and REPLICATION, and a pg_hba.conf entry for the "
            "database: see docs/operations.md \"Least privilege\")";
  } else if (sqlstate == "42704") {
    text += " (a replication slot or publication is missing)";
  }
  throw Fatal(text);
}

} // namespace

std::string replication_session_options(std::string_view user_options) {
  std::string out(user_options);
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) {
    out.pop_back();
  }
  if (!out.empty()) {
    out += ' ';
  }
  return out + std::string(k_replication_pinned_options);
}

ReplicationConnection::ReplicationConnection(const std::string& dsn,
                                             std::string_view application_name,
                                             std::chrono::milliseconds timeout)
    : m_secrets(config::dsn_secrets(dsn)), m_timeout(timeout) {
  const std::string masked = config::mask_dsn(dsn);
  // The user's own server options (the DSN's, else PGOPTIONS, as libpq would take them): the
  // pinned ones are appended, so they survive and ours win where both set a parameter.
  std::optional<std::string> user_options;
  if (is_connection_string(dsn)) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
    if (options == nullptr) {
      const std::string msg = error != nullptr ? trim(error) : "out of memory";
      PQfreemem(error);
      throw Fatal(fmt::format("invalid source connection string ({}): {}", masked,
                              config::redact(msg, m_secrets)));
    }
    for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
      if (std::strcmp(o->keyword, "options") == 0 && o->val != nullptr) {
        user_options = o->val;
      }
    }
    PQconninfoFree(options);
  }
  if (!user_options) {
    if (const char* env = std::getenv("PGOPTIONS")) {
      user_options = env;
    }
  }
  const std::string session_options = replication_session_options(user_options.value_or(""));
  // expand_dbname: the first dbname is the user's whole DSN; later keywords override it.
  const std::string app(application_name);
  const char* const keywords[] = {"dbname", "replication", "application_name", "options", nullptr};
  const char* const values[] = {dsn.c_str(), "database", app.c_str(), session_options.c_str(),
                                nullptr};
  m_conn = PQconnectStartParams(keywords, values, 1);
  if (m_conn == nullptr) {
    throw std::bad_alloc();
  }
  PQsetErrorVerbosity(m_conn, PQERRORS_VERBOSE);
  try {
    await_connection(masked);
  } catch (...) {
    close();
    throw;
  }
  PQsetErrorVerbosity(m_conn, PQERRORS_DEFAULT);
  m_pid = PQbackendPID(m_conn);
}

void ReplicationConnection::await_connection(const std::string& masked) {
  const auto deadline = Clock::now() + m_timeout;
  auto status = PGRES_POLLING_WRITING;
  while (status != PGRES_POLLING_OK && PQstatus(m_conn) != CONNECTION_BAD) {
    if (!wait_socket(m_conn, status == PGRES_POLLING_WRITING, deadline) &&
        Clock::now() >= deadline) {
      close();
      throw Error(fmt::format("cannot connect to the source database for replication ({}): "
                              "timed out after {} ms",
                              masked, m_timeout.count()));
    }
    status = PQconnectPoll(m_conn);
  }
  if (PQstatus(m_conn) == CONNECTION_BAD) {
    const std::string raw = PQerrorMessage(m_conn);
    const bool needs_password = PQconnectionNeedsPassword(m_conn) != 0;
    close();
    const std::string text =
        fmt::format("cannot connect to the source database for replication ({}): {}", masked,
                    config::redact(trim(without_location(raw)), m_secrets));
    if (needs_password) {
      throw Fatal(text + " (no password supplied)");
    }
    throw_for_sqlstate(connect_sqlstate(raw), text);
  }
}

void ReplicationConnection::close() noexcept {
  if (m_conn != nullptr) {
    PQfinish(m_conn);
    m_conn = nullptr;
  }
  m_pid = 0;
  m_streaming = false;
}

ReplicationConnection::~ReplicationConnection() {
  close();
}

pg_conn* ReplicationConnection::live(std::string_view what) const {
  if (m_conn == nullptr) {
    throw Error(
        fmt::format("{}: the replication connection was closed after an earlier failure", what));
  }
  return m_conn;
}

void ReplicationConnection::fail(std::string_view what, const pg_result* result) const {
  std::string sqlstate;
  std::string message;
  if (result != nullptr) {
    const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    sqlstate = state != nullptr ? state : "";
    const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
    message = primary != nullptr ? primary : trim(PQresultErrorMessage(result));
    if (detail != nullptr) {
      message += fmt::format(" ({})", trim(detail));
    }
  }
  if (message.empty() && m_conn != nullptr) {
    message = trim(PQerrorMessage(m_conn));
  }
  if (sqlstate.empty() && m_conn != nullptr && PQstatus(m_conn) == CONNECTION_BAD) {
    message = "connection lost: " + message;
  }
  throw_for_sqlstate(sqlstate, fmt::format("{}: {}", what, config::redact(message, m_secrets)));
}

void ReplicationConnection::wait_not_busy(std::string_view what, Deadline deadline,
                                          const WaitReport& report) {
  constexpr auto k_report_every = std::chrono::seconds(5);
  const auto started = Clock::now();
  auto next_report = started + k_report_every;
  while (PQisBusy(m_conn) != 0) {
    const auto until = report ? std::min(deadline, next_report) : deadline;
    if (!wait_socket(m_conn, false, until) && Clock::now() >= until) {
      if (Clock::now() < deadline) {
        report(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started));
        next_report += k_report_every;
        continue;
      }
      // The command may still run on the server: the connection is unusable now.
      const auto waited =
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
      close();
      throw Error(fmt::format("{}: no answer from the source within {} ms", what, waited.count()));
    }
    if (PQconsumeInput(m_conn) == 0) {
      fail(what, nullptr);
    }
  }
}

ReplicationConnection::ResultPtr
ReplicationConnection::exec(std::string_view what, const std::string& command,
                            std::optional<std::chrono::milliseconds> timeout,
                            const WaitReport& report) {
  PGconn* conn = live(what);
  if (m_streaming) {
    throw Fatal(fmt::format("{}: the connection is streaming (end_streaming first)", what));
  }
  if (PQsendQuery(conn, command.c_str()) == 0) {
    fail(what, nullptr);
  }
  const auto deadline = Clock::now() + timeout.value_or(m_timeout);
  ResultPtr last(nullptr, PQclear);
  ResultPtr error(nullptr, PQclear);
  for (;;) {
    wait_not_busy(what, deadline, report);
    ResultPtr r(PQgetResult(m_conn), PQclear);
    if (!r) {
      break;
    }
    const auto status = PQresultStatus(r.get());
    if (status == PGRES_COPY_BOTH) {
      return r; // START_REPLICATION: the stream follows, no further result
    }
    if (status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE ||
        status == PGRES_NONFATAL_ERROR) {
      if (!error) {
        error = std::move(r);
      }
    } else {
      last = std::move(r);
    }
  }
  if (error) {
    fail(what, error.get());
  }
  if (!last) {
    throw Error(fmt::format("{}: no result from the server", what));
  }
  return last;
}

SystemIdentity ReplicationConnection::identify_system() {
  const auto r = exec("IDENTIFY_SYSTEM", "IDENTIFY_SYSTEM");
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1 ||
      PQnfields(r.get()) < 4) {
    throw Fatal("IDENTIFY_SYSTEM: unexpected result (not a replication connection?)");
  }
  SystemIdentity id;
  id.system_id = PQgetvalue(r.get(), 0, 0);
  id.timeline = std::atoi(PQgetvalue(r.get(), 0, 1));
  id.wal_flush = cdc::Lsn::parse(PQgetvalue(r.get(), 0, 2));
  if (PQgetisnull(r.get(), 0, 3) == 0) {
    id.database = PQgetvalue(r.get(), 0, 3);
  }
  return id;
}

CreatedSlot ReplicationConnection::create_slot(std::string_view name, SlotSnapshot snapshot,
                                               std::optional<std::chrono::milliseconds> timeout,
                                               const WaitReport& report) {
  if (!valid_slot_name(name)) {
    throw UsageError(fmt::format("invalid replication slot name \"{}\" (use 1-63 lowercase "
                                 "letters, digits and underscores)",
                                 name));
  }
  const std::string what = fmt::format("creating replication slot \"{}\"", name);
  const auto r = exec(
      what,
      fmt::format("CREATE_REPLICATION_SLOT {} LOGICAL pgoutput {}", db::quote_ident(name),
                  snapshot == SlotSnapshot::exported ? "EXPORT_SNAPSHOT" : "NOEXPORT_SNAPSHOT"),
      timeout, report);
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1 ||
      PQnfields(r.get()) < 4) {
    throw Fatal(what + ": unexpected result (not a replication connection?)");
  }
  CreatedSlot slot;
  slot.name = PQgetvalue(r.get(), 0, 0);
  slot.consistent_point = cdc::Lsn::parse(PQgetvalue(r.get(), 0, 1));
  if (PQgetisnull(r.get(), 0, 2) == 0) {
    slot.snapshot_name = PQgetvalue(r.get(), 0, 2);
  }
  slot.output_plugin = PQgetvalue(r.get(), 0, 3);
  return slot;
}

void ReplicationConnection::drop_slot(std::string_view name) {
  if (!valid_slot_name(name)) {
    throw UsageError(fmt::format("invalid replication slot name \"{}\"", name));
  }
  (void)exec(fmt::format("dropping replication slot \"{}\"", name),
             "DROP_REPLICATION_SLOT " + db::quote_ident(name));
}

void ReplicationConnection::start_replication(std::string_view slot, cdc::Lsn start,
                                              const std::vector<std::string>& publications) {
  if (!valid_slot_name(slot)) {
    throw UsageError(fmt::format("invalid replication slot name \"{}\"", slot));
  }
  if (publications.empty()) {
    throw UsageError("logical replication needs at least one publication");
  }
  // publication_names is a string literal holding a comma-separated list of identifiers.
  std::string names;
  for (const auto& p : publications) {
    if (!names.empty()) {
      names += ',';
    }
    names += db::quote_ident(p);
  }
  std::string literal = "'";
  for (char c : names) {
    if (c == '\'') {
      literal += '\'';
    }
    literal += c;
  }
  literal += '\'';
  const std::string what = fmt::format("starting replication from slot \"{}\"", slot);
  const auto r = exec(what, fmt::format("START_REPLICATION SLOT {} LOGICAL {} (proto_version '1', "
                                        "publication_names {})",
                                        db::quote_ident(slot), start.to_string(), literal));
  if (PQresultStatus(r.get()) != PGRES_COPY_BOTH) {
    throw Error(what + ": the server did not start streaming");
  }
  m_streaming = true;
}

std::optional<std::string> ReplicationConnection::receive(std::chrono::milliseconds timeout) {
  constexpr std::string_view what = "receiving from the replication stream";
  PGconn* conn = live(what);
  if (!m_streaming) {
    throw Fatal("receive: the connection is not streaming");
  }
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    char* buffer = nullptr;
    const int n = PQgetCopyData(conn, &buffer, 1);
    if (n > 0) {
      std::string out(buffer, static_cast<std::size_t>(n));
      PQfreemem(buffer);
      return out;
    }
    if (n == 0) {
      if (!wait_socket(conn, false, deadline)) {
        return std::nullopt;
      }
      if (PQconsumeInput(conn) == 0) {
        m_streaming = false;
        fail(what, nullptr);
      }
      continue;
    }
    m_streaming = false;
    if (n == -2) {
      fail(what, nullptr);
    }
    // -1: the server ended the COPY; its reason (an error, or a clean end) is the next result.
    wait_not_busy(what, Clock::now() + m_timeout);
    ResultPtr r(PQgetResult(conn), PQclear);
    while (r && PQresultStatus(r.get()) != PGRES_FATAL_ERROR) {
      wait_not_busy(what, Clock::now() + m_timeout);
      r.reset(PQgetResult(conn));
    }
    if (r) {
      fail(what, r.get());
    }
    throw Error(fmt::format("{}: the server ended the replication stream", what));
  }
}

void ReplicationConnection::send_status(const cdc::StandbyStatus& status) {
  constexpr std::string_view what = "sending a standby status update";
  PGconn* conn = live(what);
  if (!m_streaming) {
    throw Fatal("send_status: the connection is not streaming");
  }
  const std::string message = cdc::encode_standby_status(status);
  if (PQputCopyData(conn, message.data(), static_cast<int>(message.size())) != 1 ||
      PQflush(conn) != 0) {
    m_streaming = false;
    fail(what, nullptr);
  }
}

void ReplicationConnection::end_streaming() {
  constexpr std::string_view what = "ending the replication stream";
  PGconn* conn = live(what);
  if (!m_streaming) {
    return;
  }
  m_streaming = false;
  if (PQputCopyEnd(conn, nullptr) != 1 || PQflush(conn) != 0) {
    fail(what, nullptr);
  }
  // The server may still send data before its own CopyDone: discard it.
  const auto deadline = Clock::now() + m_timeout;
  for (;;) {
    char* buffer = nullptr;
    const int n = PQgetCopyData(conn, &buffer, 1);
    if (n > 0) {
      PQfreemem(buffer);
      continue;
    }
    if (n == -1) {
      break;
    }
    if (n == -2) {
      fail(what, nullptr);
    }
    if (!wait_socket(conn, false, deadline) && Clock::now() >= deadline) {
      close();
      throw Error(
          fmt::format("{}: no answer from the source within {} ms", what, m_timeout.count()));
    }
    if (PQconsumeInput(conn) == 0) {
      fail(what, nullptr);
    }
  }
  ResultPtr error(nullptr, PQclear);
  for (;;) {
    wait_not_busy(what, deadline);
    ResultPtr r(PQgetResult(m_conn), PQclear);
    if (!r) {
      break;
    }
    if (PQresultStatus(r.get()) == PGRES_FATAL_ERROR && !error) {
      error = std::move(r);
    }
  }
  if (error) {
    fail(what, error.get());
  }
}

} // namespace acme::cdc
