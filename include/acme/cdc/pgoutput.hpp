#pragma once

// Pure decoders (no I/O) for what a logical replication connection receives: the CopyData
// envelopes of the streaming replication protocol (XLogData, primary keepalive), the pgoutput
// plugin's protocol version 1 messages inside XLogData, and the standby status update the client
// sends back. Every integer is big-endian. Malformed or truncated input throws DecodeError; no
// decoder reads outside the buffer it is given.

#include "acme/cdc/lsn.hpp"
#include "acme/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace acme::cdc {

// Bytes that do not form a valid message: a protocol mismatch that retrying cannot fix.
class DecodeError : public Fatal {
public:
  using Fatal::Fatal;
};

// --- Streaming replication protocol (CopyData payloads) -----------------------------------------

// 'w': a chunk of the replication stream. `payload` points into the decoded buffer.
struct XLogData {
  Lsn start;                // WAL position this data starts at
  Lsn wal_end;              // the server's current end of WAL
  PgTimestamp server_clock; // the server's clock when it sent the message
  std::string_view payload; // one pgoutput message
};

// 'k': the server's heartbeat; answer at once when `reply_requested`.
struct PrimaryKeepalive {
  Lsn wal_end;
  PgTimestamp server_clock;
  bool reply_requested = false;
};

// One message from the server inside COPY BOTH.
using ServerMessage = std::variant<XLogData, PrimaryKeepalive>;

// Decodes one CopyData payload from the server; the result may point into `data`.
ServerMessage decode_server_message(std::string_view data);

// 'r': the client's progress report. The slot may discard WAL before `flushed`.
struct StandbyStatus {
  Lsn written; // last WAL byte + 1 received
  Lsn flushed; // last WAL byte + 1 made durable by the client
  Lsn applied; // last WAL byte + 1 applied by the client
  PgTimestamp client_clock = 0;
  bool reply_requested = false;
};

// Encodes a standby status update as a CopyData payload (34 bytes).
std::string encode_standby_status(const StandbyStatus& status);

// --- pgoutput protocol version 1 ---------------------------------------------------------------

// 'B': a transaction starts; its changes follow, then its Commit.
struct Begin {
  Lsn final_lsn;           // LSN of the transaction's commit record
  PgTimestamp commit_time; // commit timestamp
  std::uint32_t xid = 0;
};

// 'C': the transaction of the preceding Begin committed.
struct Commit {
  std::uint8_t flags = 0; // currently always 0
  Lsn commit_lsn;         // LSN of the commit record
  Lsn end_lsn;            // end of the commit record: the position to confirm once applied
  PgTimestamp commit_time;
};

// 'O': the transaction came from another node (logical replication origin). Ignorable.
struct Origin {
  Lsn commit_lsn;
  std::string name;
};

// One column of a Relation message.
struct RelationColumn {
  std::uint8_t flags = 0; // 1: part of the replica identity key
  std::string name;
  std::uint32_t type_oid = 0;
  std::int32_t type_modifier = -1;

  // Whether the column is part of the replica identity key.
  bool is_key() const { return (flags & 1U) != 0; }
};

// 'R': describes a relation before its first change in the session (and after it changes).
struct Relation {
  std::uint32_t id = 0; // the relation's OID; Change::relation_id refers to it
  std::string schema;   // empty for pg_catalog
  std::string name;
  char replica_identity = 'd'; // pg_class.relreplident: d, n, f, i
  std::vector<RelationColumn> columns;
};

// 'Y': describes a non-built-in data type. Ignorable: acme reads every value as text.
struct Type {
  std::uint32_t oid = 0;
  std::string schema;
  std::string name;
};

// The column values of one row, in the Relation's column order, as PostgreSQL text.
struct Tuple {
  std::vector<std::optional<std::string>> values; // nullopt: NULL, or unchanged (see below)
  std::vector<bool> unchanged; // true: an unchanged TOASTed value the server did not send

  std::size_t size() const { return values.size(); }
  // Whether any value was left out as unchanged TOAST.
  bool has_unchanged() const;
};

// Which old row image an Update or Delete carries.
enum class OldTuple : char {
  none = 0,   // Insert, or Update of a row whose key did not change (replica identity DEFAULT)
  key = 'K',  // only the replica identity key columns (others NULL)
  full = 'O', // the whole old row (REPLICA IDENTITY FULL)
};

// Copies every unchanged-TOAST value of `new_tuple` from `old_tuple` (same column order) when
// `old_kind` is OldTuple::full (REPLICA IDENTITY FULL: the server inlines the whole old row).
// A key-only old tuple ('K', an UPDATE that changed the key under DEFAULT or USING INDEX)
// carries NULL in every other column, so it resolves nothing. Returns false if a value could
// not be resolved (no full old tuple, a different width, or the old value itself unchanged);
// resolved values are cleared of their unchanged mark either way.
bool fill_unchanged(Tuple& new_tuple, const std::optional<Tuple>& old_tuple, OldTuple old_kind);

// What a row change did.
enum class ChangeKind : char { insert = 'I', update = 'U', remove = 'D' };

// 'I', 'U', 'D': one row changed.
struct Change {
  ChangeKind kind = ChangeKind::insert;
  std::uint32_t relation_id = 0;
  OldTuple old_kind = OldTuple::none;
  std::optional<Tuple> old_tuple; // Update (optional) and Delete
  Tuple new_tuple;                // Insert and Update; empty for Delete
};

// 'T': tables truncated together.
struct Truncate {
  std::uint8_t options = 0; // bit 1: CASCADE, bit 2: RESTART IDENTITY
  std::vector<std::uint32_t> relation_ids;

  bool cascade() const { return (options & 1U) != 0; }
  bool restart_identity() const { return (options & 2U) != 0; }
};

// 'M': pg_logical_emit_message() output (sent only with the `messages` option). Ignorable.
struct LogicalMessage {
  bool transactional = false;
  Lsn lsn;
  std::string prefix;
  std::string content;
};

// One decoded pgoutput message.
using PgOutputMessage =
    std::variant<Begin, Commit, Origin, Relation, Type, Change, Truncate, LogicalMessage>;

// Decodes one pgoutput protocol version 1 message (the payload of an XLogData).
PgOutputMessage decode_pgoutput(std::string_view payload);

} // namespace acme::cdc
