#include "acme/cdc/pgoutput.hpp"

#include <fmt/format.h>

namespace acme::cdc {
namespace {

// A bounds-checked big-endian reader over one message. Every read checks the remaining length
// first and throws DecodeError naming the message and field, so no read leaves the buffer.
class Reader {
public:
  Reader(std::string_view data, std::string_view message) : m_data(data), m_message(message) {}

  std::uint8_t u8(std::string_view field) { return static_cast<std::uint8_t>(take(1, field)[0]); }
  std::uint16_t u16(std::string_view field) {
    return static_cast<std::uint16_t>(big_endian(take(2, field)));
  }
  std::uint32_t u32(std::string_view field) {
    return static_cast<std::uint32_t>(big_endian(take(4, field)));
  }
  std::int32_t i32(std::string_view field) { return static_cast<std::int32_t>(u32(field)); }
  std::uint64_t u64(std::string_view field) { return big_endian(take(8, field)); }
  std::int64_t i64(std::string_view field) { return static_cast<std::int64_t>(u64(field)); }
  Lsn lsn(std::string_view field) { return Lsn{u64(field)}; }

  // A NUL-terminated string (the terminator is consumed, not returned).
  std::string cstring(std::string_view field) {
    const auto nul = m_data.find('\0', m_pos);
    if (nul == std::string_view::npos) {
      throw DecodeError(fmt::format("malformed {} message: {} at offset {} has no terminating NUL",
                                    m_message, field, m_pos));
    }
    std::string out(m_data.substr(m_pos, nul - m_pos));
    m_pos = nul + 1;
    return out;
  }

  // Exactly `n` bytes.
  std::string_view take(std::size_t n, std::string_view field) {
    if (n > m_data.size() - m_pos) {
      throw DecodeError(
          fmt::format("truncated {} message: {} needs {} byte(s) at offset {}, only {} left",
                      m_message, field, n, m_pos, m_data.size() - m_pos));
    }
    const auto out = m_data.substr(m_pos, n);
    m_pos += n;
    return out;
  }

  std::string_view rest() {
    const auto out = m_data.substr(m_pos);
    m_pos = m_data.size();
    return out;
  }

  // Trailing bytes mean a different protocol version or a framing error.
  void expect_end() const {
    if (m_pos != m_data.size()) {
      throw DecodeError(fmt::format("malformed {} message: {} unexpected trailing byte(s)",
                                    m_message, m_data.size() - m_pos));
    }
  }

  std::string_view message() const { return m_message; }
  std::size_t remaining() const { return m_data.size() - m_pos; }

private:
  static std::uint64_t big_endian(std::string_view bytes) {
    std::uint64_t v = 0;
    for (char c : bytes) {
      v = (v << 8) | static_cast<unsigned char>(c);
    }
    return v;
  }

  std::string_view m_data;
  std::string_view m_message;
  std::size_t m_pos = 0;
};

void put_u64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out += static_cast<char>((v >> shift) & 0xFFU);
  }
}

Tuple read_tuple(Reader& r) {
  const std::uint16_t count = r.u16("tuple column count");
  // Each column takes at least its kind byte: a count beyond that is garbage, not an allocation.
  if (count > r.remaining()) {
    throw DecodeError(fmt::format("truncated {} message: {} columns announced, {} bytes left",
                                  r.message(), count, r.remaining()));
  }
  Tuple t;
  t.values.reserve(count);
  t.unchanged.reserve(count);
  for (std::uint16_t i = 0; i < count; ++i) {
    const char kind = static_cast<char>(r.u8("tuple column kind"));
    switch (kind) {
    case 'n':
      t.values.emplace_back(std::nullopt);
      t.unchanged.push_back(false);
      break;
    case 'u':
      t.values.emplace_back(std::nullopt);
      t.unchanged.push_back(true);
      break;
    case 't': {
      const std::uint32_t len = r.u32("tuple value length");
      t.values.emplace_back(std::string(r.take(len, "tuple value")));
      t.unchanged.push_back(false);
      break;
    }
    case 'b':
      throw DecodeError(fmt::format("unsupported {} message: column {} is in binary format "
                                    "(acme streams with binary 'false')",
                                    r.message(), i));
    default:
      throw DecodeError(fmt::format("malformed {} message: column {} has unknown kind 0x{:02x}",
                                    r.message(), i, static_cast<unsigned char>(kind)));
    }
  }
  return t;
}

// The old-tuple marker of an Update or Delete, or none.
OldTuple old_tuple_kind(char c) {
  if (c == 'K') {
    return OldTuple::key;
  }
  if (c == 'O') {
    return OldTuple::full;
  }
  return OldTuple::none;
}

Relation read_relation(Reader& r) {
  Relation rel;
  rel.id = r.u32("relation id");
  rel.schema = r.cstring("namespace");
  rel.name = r.cstring("relation name");
  rel.replica_identity = static_cast<char>(r.u8("replica identity"));
  const std::uint16_t count = r.u16("column count");
  rel.columns.reserve(count);
  for (std::uint16_t i = 0; i < count; ++i) {
    RelationColumn c;
    c.flags = r.u8("column flags");
    c.name = r.cstring("column name");
    c.type_oid = r.u32("column type oid");
    c.type_modifier = r.i32("column type modifier");
    rel.columns.push_back(std::move(c));
  }
  return rel;
}

Change read_change(Reader& r, ChangeKind kind) {
  Change ch;
  ch.kind = kind;
  ch.relation_id = r.u32("relation id");
  char marker = static_cast<char>(r.u8("tuple marker"));
  if (kind != ChangeKind::insert) {
    ch.old_kind = old_tuple_kind(marker);
    if (ch.old_kind != OldTuple::none) {
      ch.old_tuple = read_tuple(r);
      if (kind == ChangeKind::update) {
        marker = static_cast<char>(r.u8("new tuple marker"));
      }
    } else if (kind == ChangeKind::remove) {
      throw DecodeError(fmt::format("malformed Delete message: expected 'K' or 'O', got 0x{:02x}",
                                    static_cast<unsigned char>(marker)));
    }
  }
  if (kind != ChangeKind::remove) {
    if (marker != 'N') {
      throw DecodeError(fmt::format("malformed {} message: expected new tuple 'N', got 0x{:02x}",
                                    r.message(), static_cast<unsigned char>(marker)));
    }
    ch.new_tuple = read_tuple(r);
  }
  return ch;
}

} // namespace

bool Tuple::has_unchanged() const {
  for (bool u : unchanged) {
    if (u) {
      return true;
    }
  }
  return false;
}

bool fill_unchanged(Tuple& new_tuple, const std::optional<Tuple>& old_tuple, OldTuple old_kind) {
  bool complete = true;
  for (std::size_t i = 0; i < new_tuple.unchanged.size(); ++i) {
    if (!new_tuple.unchanged[i]) {
      continue;
    }
    if (old_kind != OldTuple::full || !old_tuple || old_tuple->size() != new_tuple.size() ||
        old_tuple->unchanged[i]) {
      complete = false;
      continue;
    }
    new_tuple.values[i] = old_tuple->values[i];
    new_tuple.unchanged[i] = false;
  }
  return complete;
}

ServerMessage decode_server_message(std::string_view data) {
  if (data.empty()) {
    throw DecodeError("empty CopyData message from the server");
  }
  const char type = data[0];
  if (type == 'w') {
    Reader r(data.substr(1), "XLogData");
    XLogData x;
    x.start = r.lsn("start LSN");
    x.wal_end = r.lsn("WAL end");
    x.server_clock = r.i64("server clock");
    x.payload = r.rest();
    return x;
  }
  if (type == 'k') {
    Reader r(data.substr(1), "primary keepalive");
    PrimaryKeepalive k;
    k.wal_end = r.lsn("WAL end");
    k.server_clock = r.i64("server clock");
    k.reply_requested = r.u8("reply flag") != 0;
    r.expect_end();
    return k;
  }
  throw DecodeError(fmt::format("unknown CopyData message type 0x{:02x} from the server",
                                static_cast<unsigned char>(type)));
}

std::string encode_standby_status(const StandbyStatus& s) {
  std::string out;
  out.reserve(34);
  out += 'r';
  put_u64(out, s.written.value);
  put_u64(out, s.flushed.value);
  put_u64(out, s.applied.value);
  put_u64(out, static_cast<std::uint64_t>(s.client_clock));
  out += static_cast<char>(s.reply_requested ? 1 : 0);
  return out;
}

namespace {

Begin read_begin(Reader& r) {
  Begin b;
  b.final_lsn = r.lsn("final LSN");
  b.commit_time = r.i64("commit timestamp");
  b.xid = r.u32("xid");
  return b;
}

Commit read_commit(Reader& r) {
  Commit c;
  c.flags = r.u8("flags");
  c.commit_lsn = r.lsn("commit LSN");
  c.end_lsn = r.lsn("end LSN");
  c.commit_time = r.i64("commit timestamp");
  return c;
}

Origin read_origin(Reader& r) {
  Origin o;
  o.commit_lsn = r.lsn("origin commit LSN");
  o.name = r.cstring("origin name");
  return o;
}

Type read_type(Reader& r) {
  Type t;
  t.oid = r.u32("type oid");
  t.schema = r.cstring("type namespace");
  t.name = r.cstring("type name");
  return t;
}

Truncate read_truncate(Reader& r) {
  Truncate t;
  const std::uint32_t count = r.u32("relation count");
  t.options = r.u8("options");
  // Each id takes 4 bytes: check the count against what is left before reserving for it.
  if (count > r.remaining() / 4) {
    throw DecodeError(fmt::format("truncated Truncate message: {} relation ids announced, "
                                  "{} bytes left",
                                  count, r.remaining()));
  }
  t.relation_ids.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    t.relation_ids.push_back(r.u32("relation id"));
  }
  return t;
}

LogicalMessage read_message(Reader& r) {
  LogicalMessage m;
  m.transactional = (r.u8("flags") & 1U) != 0;
  m.lsn = r.lsn("message LSN");
  m.prefix = r.cstring("prefix");
  const std::uint32_t len = r.u32("content length");
  m.content = std::string(r.take(len, "content"));
  return m;
}

// One message's body read by `read`, which must consume all of it.
template <typename Read>
PgOutputMessage read_whole(std::string_view body, std::string_view message, Read read) {
  Reader r(body, message);
  PgOutputMessage m = read(r);
  r.expect_end();
  return m;
}

std::string_view change_name(ChangeKind kind) {
  return kind == ChangeKind::insert ? "Insert" : kind == ChangeKind::update ? "Update" : "Delete";
}

} // namespace

PgOutputMessage decode_pgoutput(std::string_view payload) {
  if (payload.empty()) {
    throw DecodeError("empty pgoutput message");
  }
  const char type = payload[0];
  const std::string_view body = payload.substr(1);
  switch (type) {
  case 'B':
    return read_whole(body, "Begin", read_begin);
  case 'C':
    return read_whole(body, "Commit", read_commit);
  case 'O':
    return read_whole(body, "Origin", read_origin);
  case 'R':
    return read_whole(body, "Relation", read_relation);
  case 'Y':
    return read_whole(body, "Type", read_type);
  case 'I':
  case 'U':
  case 'D': {
    const auto kind = static_cast<ChangeKind>(type);
    return read_whole(body, change_name(kind), [kind](Reader& r) { return read_change(r, kind); });
  }
  case 'T':
    return read_whole(body, "Truncate", read_truncate);
  case 'M':
    return read_whole(body, "Message", read_message);
  default:
    throw DecodeError(fmt::format("unknown pgoutput message type 0x{:02x} (protocol version 1 "
                                  "expected)",
                                  static_cast<unsigned char>(type)));
  }
}

} // namespace acme::cdc
