#include "acme/cdc/feedback.hpp"
#include "acme/cdc/pgoutput.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <string>

using namespace acme::cdc;

namespace {

// Builds protocol messages byte by byte, big-endian, as the server would send them.
class Bytes {
public:
  Bytes& byte(char c) {
    m_out += c;
    return *this;
  }
  Bytes& u8(std::uint8_t v) { return byte(static_cast<char>(v)); }
  Bytes& u16(std::uint16_t v) { return be(v, 2); }
  Bytes& u32(std::uint32_t v) { return be(v, 4); }
  Bytes& u64(std::uint64_t v) { return be(v, 8); }
  Bytes& cstr(const std::string& s) {
    m_out += s;
    m_out += '\0';
    return *this;
  }
  Bytes& text(const std::string& s) {
    byte('t');
    u32(static_cast<std::uint32_t>(s.size()));
    m_out += s;
    return *this;
  }
  Bytes& raw(const std::string& s) {
    m_out += s;
    return *this;
  }
  const std::string& str() const { return m_out; }

private:
  Bytes& be(std::uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) {
      m_out += static_cast<char>((v >> (8 * i)) & 0xFFU);
    }
    return *this;
  }
  std::string m_out;
};

template <typename T> T decode_as(const std::string& bytes) {
  const auto msg = decode_pgoutput(bytes);
  EXPECT_TRUE(std::holds_alternative<T>(msg));
  return std::get<T>(msg);
}

// Every strict prefix of a valid message must be rejected, without reading past it (ASan
// checks the "never out of bounds" part: each prefix is copied into an exactly-sized buffer).
void expect_every_prefix_rejected(const std::string& message) {
  for (std::size_t n = 0; n < message.size(); ++n) {
    const std::string prefix = message.substr(0, n);
    EXPECT_THROW((void)decode_pgoutput(prefix), DecodeError) << "prefix of " << n << " bytes";
  }
}

std::string sample_relation() {
  return Bytes()
      .byte('R')
      .u32(16384)
      .cstr("shop")
      .cstr("orders")
      .byte('f')
      .u16(3)
      .u8(1)
      .cstr("order_id")
      .u32(20)
      .u32(0xFFFFFFFF)
      .u8(0)
      .cstr("status")
      .u32(1043)
      .u32(104)
      .u8(0)
      .cstr("note")
      .u32(25)
      .u32(0xFFFFFFFF)
      .str();
}

std::string sample_update() {
  return Bytes()
      .byte('U')
      .u32(16384)
      .byte('O')
      .u16(3)
      .text("42")
      .text("open")
      .text("long note")
      .byte('N')
      .u16(3)
      .text("42")
      .byte('n')
      .byte('u')
      .str();
}

} // namespace

TEST(Lsn, ParsesAndFormatsPostgresTextForm) {
  const Lsn lsn = Lsn::parse("16/B374D848");
  EXPECT_EQ(lsn.value, (std::uint64_t{0x16} << 32) | 0xB374D848U);
  EXPECT_EQ(lsn.to_string(), "16/B374D848");
  EXPECT_EQ(Lsn::parse("0/0"), Lsn{});
  EXPECT_EQ(Lsn{}.to_string(), "0/0");
  EXPECT_EQ(Lsn::parse("ffffffff/ffffffff").to_string(), "FFFFFFFF/FFFFFFFF");
  EXPECT_EQ(Lsn::parse("0/1a").value, 0x1AU);
  EXPECT_LT(Lsn::parse("0/FFFFFFFF"), Lsn::parse("1/0"));
}

TEST(Lsn, RoundTripsThroughText) {
  for (const std::uint64_t v :
       {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{0xFFFFFFFF}, std::uint64_t{1} << 32,
        std::uint64_t{0x0123456789ABCDEF}, ~std::uint64_t{0}}) {
    EXPECT_EQ(Lsn::parse(Lsn{v}.to_string()).value, v) << Lsn{v}.to_string();
  }
}

TEST(Lsn, RejectsMalformedText) {
  for (const char* bad : {"", "/", "0/", "/0", "16B374D848", "1/2/3", "g/0", "0/123456789",
                          "123456789/0", " 0/0", "0/0 ", "-1/0"}) {
    EXPECT_THROW((void)Lsn::parse(bad), acme::Fatal) << '"' << bad << '"';
  }
}

TEST(PgTimestamp, CountsMicrosecondsFromTheYear2000) {
  using namespace std::chrono;
  EXPECT_EQ(to_time_point(0), system_clock::time_point(seconds(946'684'800)));
  const auto tp = system_clock::time_point(seconds(1'700'000'000) + microseconds(123456));
  EXPECT_EQ(from_time_point(tp), (1'700'000'000LL - 946'684'800LL) * 1'000'000 + 123456);
  EXPECT_EQ(to_time_point(from_time_point(tp)), tp);
  EXPECT_EQ(from_time_point(system_clock::time_point(seconds(946'684'799))), -1'000'000);
}

TEST(ServerMessage, DecodesXLogData) {
  const std::string bytes =
      Bytes().byte('w').u64(0x100000020).u64(0x100000080).u64(777).raw("B-payload").str();
  const auto msg = decode_server_message(bytes);
  ASSERT_TRUE(std::holds_alternative<XLogData>(msg));
  const auto& x = std::get<XLogData>(msg);
  EXPECT_EQ(x.start.to_string(), "1/20");
  EXPECT_EQ(x.wal_end.to_string(), "1/80");
  EXPECT_EQ(x.server_clock, 777);
  EXPECT_EQ(x.payload, "B-payload");
}

TEST(ServerMessage, DecodesPrimaryKeepalive) {
  const std::string bytes = Bytes().byte('k').u64(0xABCDEF).u64(12345).u8(1).str();
  const auto msg = decode_server_message(bytes);
  ASSERT_TRUE(std::holds_alternative<PrimaryKeepalive>(msg));
  const auto& k = std::get<PrimaryKeepalive>(msg);
  EXPECT_EQ(k.wal_end.value, 0xABCDEFU);
  EXPECT_EQ(k.server_clock, 12345);
  EXPECT_TRUE(k.reply_requested);
  EXPECT_FALSE(
      std::get<PrimaryKeepalive>(decode_server_message(Bytes().byte('k').u64(1).u64(2).u8(0).str()))
          .reply_requested);
}

TEST(ServerMessage, RejectsTruncatedUnknownAndOversizedEnvelopes) {
  const std::string keepalive = Bytes().byte('k').u64(1).u64(2).u8(0).str();
  const std::string xlog = Bytes().byte('w').u64(1).u64(2).u64(3).str();
  for (std::size_t n = 0; n < keepalive.size(); ++n) {
    EXPECT_THROW((void)decode_server_message(keepalive.substr(0, n)), DecodeError) << n;
  }
  for (std::size_t n = 0; n < xlog.size(); ++n) {
    EXPECT_THROW((void)decode_server_message(xlog.substr(0, n)), DecodeError) << n;
  }
  EXPECT_NO_THROW((void)decode_server_message(xlog)); // an empty payload is well-formed here
  EXPECT_THROW((void)decode_server_message(keepalive + "x"), DecodeError);
  EXPECT_THROW((void)decode_server_message("r0000"), DecodeError);
}

TEST(StandbyStatus, EncodesThirtyFourBigEndianBytes) {
  StandbyStatus s;
  s.written = Lsn{0x0102030405060708};
  s.flushed = Lsn{0x1112131415161718};
  s.applied = Lsn{0x2122232425262728};
  s.client_clock = 0x3132333435363738;
  s.reply_requested = true;
  const std::string expected = Bytes()
                                   .byte('r')
                                   .u64(0x0102030405060708)
                                   .u64(0x1112131415161718)
                                   .u64(0x2122232425262728)
                                   .u64(0x3132333435363738)
                                   .u8(1)
                                   .str();
  EXPECT_EQ(encode_standby_status(s), expected);
  EXPECT_EQ(encode_standby_status(s).size(), 34U);
  s.reply_requested = false;
  s.client_clock = -1; // before 2000: two's complement on the wire
  const std::string out = encode_standby_status(s);
  EXPECT_EQ(out.substr(25, 8), std::string(8, '\xFF'));
  EXPECT_EQ(out.back(), '\0');
}

TEST(PgOutput, DecodesBegin) {
  const std::string bytes = Bytes().byte('B').u64(0x1600000010).u64(5000).u32(734).str();
  const auto b = decode_as<Begin>(bytes);
  EXPECT_EQ(b.final_lsn.to_string(), "16/10");
  EXPECT_EQ(b.commit_time, 5000);
  EXPECT_EQ(b.xid, 734U);
  expect_every_prefix_rejected(bytes);
}

TEST(PgOutput, DecodesCommit) {
  const std::string bytes = Bytes().byte('C').u8(0).u64(0x10).u64(0x48).u64(99).str();
  const auto c = decode_as<Commit>(bytes);
  EXPECT_EQ(c.flags, 0);
  EXPECT_EQ(c.commit_lsn.value, 0x10U);
  EXPECT_EQ(c.end_lsn.value, 0x48U);
  EXPECT_EQ(c.commit_time, 99);
  expect_every_prefix_rejected(bytes);
}

TEST(PgOutput, DecodesOriginAndTypeSoTheyCanBeIgnored) {
  const std::string origin = Bytes().byte('O').u64(0x77).cstr("node_a").str();
  const auto o = decode_as<Origin>(origin);
  EXPECT_EQ(o.commit_lsn.value, 0x77U);
  EXPECT_EQ(o.name, "node_a");
  expect_every_prefix_rejected(origin);

  const std::string type = Bytes().byte('Y').u32(90001).cstr("public").cstr("mood").str();
  const auto t = decode_as<Type>(type);
  EXPECT_EQ(t.oid, 90001U);
  EXPECT_EQ(t.schema, "public");
  EXPECT_EQ(t.name, "mood");
  expect_every_prefix_rejected(type);
}

TEST(PgOutput, DecodesRelationColumnsTypesAndKeyFlags) {
  const auto rel = decode_as<Relation>(sample_relation());
  EXPECT_EQ(rel.id, 16384U);
  EXPECT_EQ(rel.schema, "shop");
  EXPECT_EQ(rel.name, "orders");
  EXPECT_EQ(rel.replica_identity, 'f');
  ASSERT_EQ(rel.columns.size(), 3U);
  EXPECT_EQ(rel.columns[0].name, "order_id");
  EXPECT_TRUE(rel.columns[0].is_key());
  EXPECT_EQ(rel.columns[0].type_oid, 20U);
  EXPECT_EQ(rel.columns[0].type_modifier, -1);
  EXPECT_EQ(rel.columns[1].name, "status");
  EXPECT_FALSE(rel.columns[1].is_key());
  EXPECT_EQ(rel.columns[1].type_oid, 1043U);
  EXPECT_EQ(rel.columns[1].type_modifier, 104);
  EXPECT_EQ(rel.columns[2].type_oid, 25U);
  expect_every_prefix_rejected(sample_relation());
}

TEST(PgOutput, DecodesInsertWithTextAndNull) {
  const std::string bytes =
      Bytes().byte('I').u32(16384).byte('N').u16(3).text("7").byte('n').text("").str();
  const auto ch = decode_as<Change>(bytes);
  EXPECT_EQ(ch.kind, ChangeKind::insert);
  EXPECT_EQ(ch.relation_id, 16384U);
  EXPECT_EQ(ch.old_kind, OldTuple::none);
  EXPECT_FALSE(ch.old_tuple.has_value());
  ASSERT_EQ(ch.new_tuple.size(), 3U);
  EXPECT_EQ(ch.new_tuple.values[0], "7");
  EXPECT_FALSE(ch.new_tuple.values[1].has_value());
  EXPECT_FALSE(ch.new_tuple.unchanged[1]);
  EXPECT_EQ(ch.new_tuple.values[2], ""); // an empty string is not NULL
  EXPECT_FALSE(ch.new_tuple.has_unchanged());
  expect_every_prefix_rejected(bytes);
}

TEST(PgOutput, DecodesUpdateWithoutOldTuple) {
  const std::string bytes = Bytes().byte('U').u32(5).byte('N').u16(1).text("x").str();
  const auto ch = decode_as<Change>(bytes);
  EXPECT_EQ(ch.kind, ChangeKind::update);
  EXPECT_EQ(ch.old_kind, OldTuple::none);
  EXPECT_FALSE(ch.old_tuple.has_value());
  EXPECT_EQ(ch.new_tuple.values.at(0), "x");
}

TEST(PgOutput, DecodesUpdateWithKeyOldTuple) {
  const std::string bytes = Bytes()
                                .byte('U')
                                .u32(5)
                                .byte('K')
                                .u16(2)
                                .text("1")
                                .byte('n')
                                .byte('N')
                                .u16(2)
                                .text("2")
                                .text("b")
                                .str();
  const auto ch = decode_as<Change>(bytes);
  EXPECT_EQ(ch.old_kind, OldTuple::key);
  ASSERT_TRUE(ch.old_tuple.has_value());
  EXPECT_EQ(ch.old_tuple->values.at(0), "1");
  EXPECT_EQ(ch.new_tuple.values.at(0), "2");
  EXPECT_EQ(ch.new_tuple.values.at(1), "b");
  expect_every_prefix_rejected(bytes);
}

TEST(PgOutput, UnchangedToastIsMarkedAndTakenFromTheFullOldTuple) {
  auto ch = decode_as<Change>(sample_update());
  EXPECT_EQ(ch.kind, ChangeKind::update);
  EXPECT_EQ(ch.old_kind, OldTuple::full);
  ASSERT_EQ(ch.new_tuple.size(), 3U);
  EXPECT_FALSE(ch.new_tuple.values[1].has_value()); // a real NULL
  EXPECT_FALSE(ch.new_tuple.unchanged[1]);
  EXPECT_FALSE(ch.new_tuple.values[2].has_value()); // not sent: unchanged TOAST
  EXPECT_TRUE(ch.new_tuple.unchanged[2]);
  EXPECT_TRUE(ch.new_tuple.has_unchanged());

  EXPECT_TRUE(fill_unchanged(ch.new_tuple, ch.old_tuple, ch.old_kind));
  EXPECT_EQ(ch.new_tuple.values[2], "long note");
  EXPECT_FALSE(ch.new_tuple.values[1].has_value()); // the NULL stays NULL
  EXPECT_FALSE(ch.new_tuple.has_unchanged());
  expect_every_prefix_rejected(sample_update());
}

TEST(PgOutput, UnchangedToastWithoutAnOldValueIsReported) {
  auto ch = decode_as<Change>(sample_update());
  EXPECT_FALSE(fill_unchanged(ch.new_tuple, std::nullopt, OldTuple::none));
  EXPECT_TRUE(ch.new_tuple.unchanged[2]);

  Tuple narrow;
  narrow.values = {std::string("42")};
  narrow.unchanged = {false};
  EXPECT_FALSE(fill_unchanged(ch.new_tuple, narrow, OldTuple::full));

  Tuple old_unchanged = *ch.old_tuple;
  old_unchanged.values[2].reset();
  old_unchanged.unchanged[2] = true;
  EXPECT_FALSE(fill_unchanged(ch.new_tuple, old_unchanged, OldTuple::full));
  EXPECT_TRUE(ch.new_tuple.unchanged[2]);
}

// Under REPLICA IDENTITY DEFAULT an UPDATE that changes the key sends a key-only old tuple: its
// other columns are NULL, not the row's values. Filling from it wrote NULL over an unchanged
// out-of-line name or address.
TEST(PgOutput, AKeyOnlyOldTupleNeverFillsUnchangedValues) {
  auto ch = decode_as<Change>(sample_update());
  ASSERT_TRUE(ch.old_tuple.has_value());
  Tuple key_only = *ch.old_tuple;
  key_only.values[2].reset(); // what the server sends for a non-key column: 'n'
  key_only.unchanged[2] = false;
  EXPECT_FALSE(fill_unchanged(ch.new_tuple, key_only, OldTuple::key));
  EXPECT_TRUE(ch.new_tuple.unchanged[2]) << "left for the re-read, not taken as NULL";
  EXPECT_FALSE(ch.new_tuple.values[2].has_value());
}

TEST(PgOutput, DecodesDeleteWithKeyOrFullOldTuple) {
  for (const char marker : {'K', 'O'}) {
    const std::string bytes =
        Bytes().byte('D').u32(9).byte(marker).u16(2).text("11").byte('n').str();
    const auto ch = decode_as<Change>(bytes);
    EXPECT_EQ(ch.kind, ChangeKind::remove);
    EXPECT_EQ(ch.relation_id, 9U);
    EXPECT_EQ(ch.old_kind, marker == 'K' ? OldTuple::key : OldTuple::full);
    ASSERT_TRUE(ch.old_tuple.has_value());
    EXPECT_EQ(ch.old_tuple->values.at(0), "11");
    EXPECT_FALSE(ch.old_tuple->values.at(1).has_value());
    EXPECT_EQ(ch.new_tuple.size(), 0U);
    expect_every_prefix_rejected(bytes);
  }
  EXPECT_THROW((void)decode_pgoutput(Bytes().byte('D').u32(9).byte('N').u16(0).str()), DecodeError);
}

TEST(PgOutput, DecodesTruncateOptionsAndRelations) {
  const std::string bytes = Bytes().byte('T').u32(3).u8(3).u32(10).u32(11).u32(12).str();
  const auto t = decode_as<Truncate>(bytes);
  EXPECT_TRUE(t.cascade());
  EXPECT_TRUE(t.restart_identity());
  EXPECT_EQ(t.relation_ids, (std::vector<std::uint32_t>{10, 11, 12}));
  expect_every_prefix_rejected(bytes);
  const auto plain = decode_as<Truncate>(Bytes().byte('T').u32(1).u8(0).u32(10).str());
  EXPECT_FALSE(plain.cascade());
  EXPECT_FALSE(plain.restart_identity());
}

TEST(PgOutput, DecodesLogicalMessage) {
  const std::string bytes =
      Bytes().byte('M').u8(1).u64(0x99).cstr("acme").u32(3).raw(std::string("a\0b", 3)).str();
  const auto m = decode_as<LogicalMessage>(bytes);
  EXPECT_TRUE(m.transactional);
  EXPECT_EQ(m.lsn.value, 0x99U);
  EXPECT_EQ(m.prefix, "acme");
  EXPECT_EQ(m.content, std::string("a\0b", 3));
  expect_every_prefix_rejected(bytes);
}

TEST(PgOutput, RejectsHugeLengthsWithoutReadingOrAllocating) {
  // A value length far beyond the message.
  EXPECT_THROW(
      (void)decode_pgoutput(
          Bytes().byte('I').u32(1).byte('N').u16(1).byte('t').u32(0xFFFFFFF0).raw("abc").str()),
      DecodeError);
  // A column count far beyond the message.
  EXPECT_THROW((void)decode_pgoutput(Bytes().byte('I').u32(1).byte('N').u16(0xFFFF).str()),
               DecodeError);
  // A relation count far beyond the message.
  EXPECT_THROW((void)decode_pgoutput(Bytes().byte('T').u32(0xFFFFFFFF).u8(0).u32(1).str()),
               DecodeError);
}

TEST(PgOutput, RejectsUnknownKindsMarkersAndTrailingBytes) {
  EXPECT_THROW((void)decode_pgoutput(""), DecodeError);
  EXPECT_THROW((void)decode_pgoutput("Z"), DecodeError);
  // 'b' (binary) values are never requested.
  EXPECT_THROW((void)decode_pgoutput(
                   Bytes().byte('I').u32(1).byte('N').u16(1).byte('b').u32(1).raw("x").str()),
               DecodeError);
  EXPECT_THROW((void)decode_pgoutput(Bytes().byte('I').u32(1).byte('N').u16(1).byte('q').str()),
               DecodeError);
  // Insert without the 'N' marker.
  EXPECT_THROW((void)decode_pgoutput(Bytes().byte('I').u32(1).byte('K').u16(0).str()), DecodeError);
  // Protocol version 2 adds an xid to streamed changes: a v1 decoder must not misread it.
  EXPECT_THROW((void)decode_pgoutput(Bytes().byte('B').u64(1).u64(2).u32(3).u32(4).str()),
               DecodeError);
  // A string without its terminating NUL.
  EXPECT_THROW((void)decode_pgoutput(Bytes().byte('O').u64(1).raw("name").str()), DecodeError);
  try {
    (void)decode_pgoutput(Bytes().byte('B').u64(1).str());
    FAIL() << "no exception";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("truncated Begin message"), std::string::npos) << e.what();
  }
}

TEST(Feedback, NothingPendingConfirmsTheReceivedPosition) {
  EXPECT_EQ(flush_position(Lsn{500}, Lsn{100}, Lsn{100}, false), Lsn{500});
}

TEST(Feedback, PendingWorkConfirmsOnlyWhatTheTargetMadeDurable) {
  EXPECT_EQ(flush_position(Lsn{500}, Lsn{100}, Lsn{50}, true), Lsn{100});
}

TEST(Feedback, NeverMovesBackwards) {
  EXPECT_EQ(flush_position(Lsn{500}, Lsn{100}, Lsn{400}, true), Lsn{400});
  EXPECT_EQ(flush_position(Lsn{300}, Lsn{100}, Lsn{400}, false), Lsn{400});
  EXPECT_EQ(flush_position(Lsn{100}, Lsn{600}, Lsn{400}, false), Lsn{600});
}

TEST(Feedback, TrackerAdvancesOnKeepalivesOnlyBetweenTransactions) {
  FeedbackTracker t(Lsn{1000});
  EXPECT_FALSE(t.pending());
  t.on_received(Lsn{1500}); // keepalive while idle: only unpublished WAL went by
  EXPECT_EQ(t.next_report(), Lsn{1500});

  t.on_begin();
  t.on_received(Lsn{1600});
  EXPECT_TRUE(t.pending());
  EXPECT_EQ(t.next_report(), Lsn{1500}); // mid-transaction: hold

  t.on_commit(Lsn{1700});
  t.on_received(Lsn{1800});
  EXPECT_TRUE(t.pending()); // committed on the source, not yet in the target
  EXPECT_EQ(t.next_report(), Lsn{1500});

  t.mark_durable(Lsn{1700});
  EXPECT_FALSE(t.pending());
  EXPECT_EQ(t.next_report(), Lsn{1800});
  EXPECT_EQ(t.received(), Lsn{1800});
  EXPECT_EQ(t.durable(), Lsn{1700});

  t.on_received(Lsn{1200}); // an older position never lowers anything
  EXPECT_EQ(t.next_report(), Lsn{1800});
}
