// A libpq connection in logical replication mode: IDENTIFY_SYSTEM, creating and dropping slots,
// and the COPY BOTH stream of pgoutput messages with standby status updates back.
#pragma once

#include "acme/cdc/lsn.hpp"
#include "acme/cdc/pgoutput.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;   // libpq's PGconn
struct pg_result; // libpq's PGresult

namespace acme::cdc {

// What IDENTIFY_SYSTEM reports about the server.
struct SystemIdentity {
  std::string system_id; // the cluster's unique identifier
  int timeline = 0;
  cdc::Lsn wal_flush;   // the server's current WAL flush position
  std::string database; // the database this connection decodes
};

// Server settings pinned on every replication session (libpq `options`): pgoutput sends column
// values as text made by the walsender's output functions, so the session's formats decide what
// the target's staging parses. ISO dates (the target parses them as 'ISO, YMD'), PostgreSQL
// interval syntax, and floats printed exactly, whatever the server's or the role's defaults.
inline constexpr std::string_view k_replication_pinned_options =
    "-c datestyle=ISO -c intervalstyle=postgres -c extra_float_digits=3";

// The `options` a replication session is opened with: the user's own (from the DSN, else
// PGOPTIONS) followed by the pinned settings, which win where both name a parameter.
std::string replication_session_options(std::string_view user_options);

// A logical replication slot just created.
struct CreatedSlot {
  std::string name;
  cdc::Lsn consistent_point; // the stream starts with the first commit after this position
  std::string snapshot_name; // for SET TRANSACTION SNAPSHOT; empty unless exported
  std::string output_plugin;
};

// Whether CREATE_REPLICATION_SLOT exports the snapshot the slot starts from.
enum class SlotSnapshot { exported, none };

// One libpq connection in logical replication mode (replication=database), which libpqxx 6.4
// cannot open: the replication commands, then the COPY BOTH stream of XLogData and keepalives
// with standby status updates back. Errors are acme::Error when retrying can help (connection
// lost, server shutting down, timeouts), acme::LockedError when the slot is in use by another
// process (SQLSTATE 55006, exit 3), acme::Fatal otherwise (authentication, permissions, missing
// slot or publication); passwords from the DSN never appear in them. Not thread-safe.
class ReplicationConnection {
public:
  // Connects to `dsn` (libpq URI or key=value; replication=database and the pinned session
  // options are added) within `timeout`; replication commands then get `timeout` each too.
  explicit ReplicationConnection(const std::string& dsn, std::string_view application_name = "acme",
                                 std::chrono::milliseconds timeout = std::chrono::seconds(60));
  ~ReplicationConnection();
  ReplicationConnection(const ReplicationConnection&) = delete;
  ReplicationConnection& operator=(const ReplicationConnection&) = delete;

  // IDENTIFY_SYSTEM.
  SystemIdentity identify_system();

  // Called every few seconds while a command waits, with the time waited so far.
  using WaitReport = std::function<void(std::chrono::milliseconds waited)>;

  // CREATE_REPLICATION_SLOT name LOGICAL pgoutput. An exported snapshot stays usable only while
  // this connection is open and runs no other command: import it first, then start streaming.
  // A name other than 1-63 of [a-z0-9_] is a UsageError. The server answers only once every
  // transaction open when creation began has ended: `timeout` (default: the connection's) bounds
  // the wait, and `report` hears about it every few seconds. After a timeout the connection is
  // closed, but the walsender may still wait with a half-made slot: terminate backend_pid().
  CreatedSlot create_slot(std::string_view name, SlotSnapshot snapshot = SlotSnapshot::exported,
                          std::optional<std::chrono::milliseconds> timeout = std::nullopt,
                          const WaitReport& report = {});

  // The walsender serving this connection (0 once closed).
  int backend_pid() const { return m_pid; }

  // DROP_REPLICATION_SLOT name (without WAIT: a slot in use is a LockedError).
  void drop_slot(std::string_view name);

  // START_REPLICATION SLOT name LOGICAL start with pgoutput protocol version 1 and
  // `publications`. A start of 0/0 means "from the slot's confirmed flush position".
  void start_replication(std::string_view slot, cdc::Lsn start,
                         const std::vector<std::string>& publications);

  // Waits up to `timeout` for the next CopyData message of the stream (decode it with
  // cdc::decode_server_message). nullopt when nothing arrived in time or a signal interrupted
  // the wait, so the caller can send feedback or check for a stop request.
  std::optional<std::string> receive(std::chrono::milliseconds timeout);

  // Sends a standby status update.
  void send_status(const cdc::StandbyStatus& status);

  // Ends the stream cleanly (CopyDone both ways); the connection can run commands again.
  void end_streaming();

  // Whether start_replication() succeeded and the stream has not ended.
  bool streaming() const { return m_streaming; }

private:
  using ResultPtr = std::unique_ptr<pg_result, void (*)(pg_result*)>;
  using Deadline = std::chrono::steady_clock::time_point;

  // Sends one command and collects its result within `timeout` (the connection's by default),
  // calling `report` every few seconds while it waits; failures throw.
  ResultPtr exec(std::string_view what, const std::string& command,
                 std::optional<std::chrono::milliseconds> timeout = std::nullopt,
                 const WaitReport& report = {});
  // Throws the classified error for `result` (or the connection's error when null).
  [[noreturn]] void fail(std::string_view what, const pg_result* result) const;
  // Reads input until a result is ready; a timeout closes the connection and throws.
  void wait_not_busy(std::string_view what, Deadline deadline, const WaitReport& report = {});
  // Polls the connection started by the constructor to completion; failures throw.
  void await_connection(const std::string& masked_dsn);
  // Closes the connection (after a timeout its state is unknown); later calls throw.
  void close() noexcept;
  // The live connection, or an acme::Error if it was closed after a failure.
  pg_conn* live(std::string_view what) const;

  pg_conn* m_conn = nullptr;
  int m_pid = 0;
  std::vector<std::string> m_secrets;
  std::chrono::milliseconds m_timeout;
  bool m_streaming = false;
};

} // namespace acme::cdc
