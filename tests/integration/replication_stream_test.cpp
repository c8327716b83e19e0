// The logical replication client against the real source cluster: slot with an exported
// snapshot, pgoutput stream decoded in commit order, feedback moving the slot's confirmed
// position (also when only unpublished tables change). The sync over it: cdc_test.cpp.
#include "acme/cdc/feedback.hpp"
#include "acme/cdc/pgoutput.hpp"
#include "acme/cdc/replication_connection.hpp"
#include "acme/db/connection.hpp"
#include "support/pg.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <map>
#include <pqxx/pqxx>
#include <thread>

namespace {

using namespace acme::cdc;
using acme::cdc::ReplicationConnection;
using acme::db::quote_ident;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Runs one statement on a fresh source connection (autocommit), for cleanup guards.
pqxx::result source_exec(const std::string& sql) {
  pqxx::connection c(acme::test::source_dsn());
  pqxx::nontransaction tx(c);
  return tx.exec(sql);
}

// Drops the test's replication slot when the test ends, however it ends. Declare it before the
// ReplicationConnection so the walsender is gone (or terminated here) before the drop.
class SlotGuard {
public:
  explicit SlotGuard(std::string name) : m_name(std::move(name)) {}
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;
  ~SlotGuard() {
    const std::string lit = "'" + m_name + "'"; // slot names are [a-z0-9_]
    for (int attempt = 0; attempt < 100; ++attempt) {
      try {
        if (source_exec("SELECT 1 FROM pg_replication_slots WHERE slot_name = " + lit).empty()) {
          return;
        }
        source_exec("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots "
                    "WHERE slot_name = " +
                    lit + " AND active_pid IS NOT NULL");
        source_exec("SELECT pg_drop_replication_slot(" + lit + ")");
        return;
      } catch (const std::exception&) {
        std::this_thread::sleep_for(milliseconds(100)); // still active: the walsender is exiting
      }
    }
    ADD_FAILURE() << "could not drop replication slot " << m_name;
  }

private:
  std::string m_name;
};

// Drops the test's publication when the test ends.
class PublicationGuard {
public:
  explicit PublicationGuard(std::string name) : m_name(std::move(name)) {}
  PublicationGuard(const PublicationGuard&) = delete;
  PublicationGuard& operator=(const PublicationGuard&) = delete;
  ~PublicationGuard() {
    try {
      source_exec("DROP PUBLICATION IF EXISTS " + quote_ident(m_name));
    } catch (const std::exception& e) {
      ADD_FAILURE() << "could not drop publication " << m_name << ": " << e.what();
    }
  }

private:
  std::string m_name;
};

// Rolls back the test's prepared transaction if the test ended before COMMIT PREPARED.
class PreparedGuard {
public:
  explicit PreparedGuard(std::string gid) : m_gid(std::move(gid)) {}
  PreparedGuard(const PreparedGuard&) = delete;
  PreparedGuard& operator=(const PreparedGuard&) = delete;
  ~PreparedGuard() {
    try {
      const std::string lit = "'" + m_gid + "'";
      if (!source_exec("SELECT 1 FROM pg_prepared_xacts WHERE gid = " + lit).empty()) {
        source_exec("ROLLBACK PREPARED " + lit);
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "could not roll back prepared transaction " << m_gid << ": " << e.what();
    }
  }

private:
  std::string m_gid;
};

// One decoded source transaction.
struct Transaction {
  Begin begin;
  std::vector<Change> changes;
  std::vector<Truncate> truncates;
  Commit commit;
};

// Reads the stream like a client that applies each transaction at once: keepalives answered,
// feedback through FeedbackTracker, status sent on every keepalive and at least every 500 ms.
class StreamReader {
public:
  // With `apply_at_once`, each Commit counts as durable when it arrives; otherwise only what
  // the test marks through feedback().mark_durable() is confirmed.
  StreamReader(ReplicationConnection& repl, Lsn start, bool apply_at_once = true)
      : m_repl(repl), m_feedback(start), m_apply_at_once(apply_at_once) {}

  // Reads for at most `timeout` or until `done()` holds.
  template <typename Done> void read_until(Done done, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!done() && Clock::now() < deadline) {
      if (auto data = m_repl.receive(milliseconds(100))) {
        handle(*data);
      }
      if (Clock::now() - m_last_status > milliseconds(500)) {
        send_status();
      }
    }
  }

  void send_status() {
    StandbyStatus s;
    s.written = s.flushed = s.applied = m_feedback.next_report();
    s.client_clock = from_time_point(std::chrono::system_clock::now());
    m_repl.send_status(s);
    m_last_status = Clock::now();
  }

  const Relation& relation(std::uint32_t id) const { return m_relations.at(id); }
  const std::vector<Transaction>& transactions() const { return m_transactions; }
  int keepalives() const { return m_keepalives; }
  int changes_outside_transactions() const { return m_stray; }
  FeedbackTracker& feedback() { return m_feedback; }

private:
  void handle(const std::string& data) {
    const auto msg = decode_server_message(data);
    if (const auto* k = std::get_if<PrimaryKeepalive>(&msg)) {
      ++m_keepalives;
      m_feedback.on_received(k->wal_end);
      send_status(); // answer every keepalive: the idle-slot case relies on it
      return;
    }
    const auto& x = std::get<XLogData>(msg);
    m_feedback.on_received(std::max(x.start, x.wal_end));
    auto message = decode_pgoutput(x.payload);
    if (auto* b = std::get_if<Begin>(&message)) {
      m_feedback.on_begin();
      m_open = Transaction{};
      m_open->begin = *b;
    } else if (auto* r = std::get_if<Relation>(&message)) {
      m_relations[r->id] = *r;
    } else if (auto* c = std::get_if<Change>(&message)) {
      m_open ? m_open->changes.push_back(*c) : void(++m_stray);
    } else if (auto* t = std::get_if<Truncate>(&message)) {
      m_open ? m_open->truncates.push_back(*t) : void(++m_stray);
    } else if (auto* cm = std::get_if<Commit>(&message)) {
      if (!m_open) {
        ++m_stray;
        return;
      }
      m_open->commit = *cm;
      m_transactions.push_back(std::move(*m_open));
      m_open.reset();
      m_feedback.on_commit(cm->end_lsn);
      if (m_apply_at_once) {
        m_feedback.mark_durable(cm->end_lsn);
      }
    }
  }

  ReplicationConnection& m_repl;
  FeedbackTracker m_feedback;
  std::map<std::uint32_t, Relation> m_relations;
  std::vector<Transaction> m_transactions;
  std::optional<Transaction> m_open;
  Clock::time_point m_last_status = Clock::now();
  bool m_apply_at_once;
  int m_keepalives = 0;
  int m_stray = 0;
};

// The value of column `name` in `tuple`, by the relation's column order.
std::optional<std::string> column(const Relation& rel, const Tuple& tuple,
                                  const std::string& name) {
  for (std::size_t i = 0; i < rel.columns.size(); ++i) {
    if (rel.columns[i].name == name) {
      return tuple.values.at(i);
    }
  }
  ADD_FAILURE() << "no column " << name << " in " << rel.name;
  return std::nullopt;
}

class ReplicationStream : public acme::test::PgTest {
protected:
  std::string table(const std::string& name) const {
    return acme::db::qualify(m_source_schema, name);
  }

  void create_publication(const std::string& name) {
    src_exec(fmt::format("CREATE PUBLICATION {} FOR TABLE {}, {}, {}, {}", quote_ident(name),
                         table("customers"), table("products"), table("orders"),
                         table("order_items")));
  }

  Lsn confirmed_flush(const std::string& slot) {
    const auto r = src_exec("SELECT confirmed_flush_lsn FROM pg_replication_slots "
                            "WHERE slot_name = '" +
                            slot + "'");
    EXPECT_EQ(r.size(), 1U);
    return r.empty() || r[0][0].is_null() ? Lsn{} : Lsn::parse(r[0][0].c_str());
  }
};

TEST_F(ReplicationStream, DeliversChangesAfterTheExportedSnapshotInCommitOrder) {
  src_exec(fmt::format("INSERT INTO {} (customer_id, customer_name) VALUES (1, 'before slot');"
                       "INSERT INTO {} (order_id, order_date, delivery_date, customer_id, status) "
                       "VALUES (10, '2026-11-01', '2026-11-05', 1, 'PENDING');"
                       "INSERT INTO {} (order_item_id, order_id, product_id, quanity) "
                       "VALUES (100, 10, 1, 2), (101, 10, 1, 3)",
                       table("customers"), table("orders"), table("order_items")));
  const std::string publication = acme::test::unique_name("pub");
  const std::string slot = acme::test::unique_name("slot");
  const std::string gid = acme::test::unique_name("gid");
  PublicationGuard publication_guard(publication);
  create_publication(publication);
  SlotGuard slot_guard(slot);
  PreparedGuard prepared_guard(gid);

  ReplicationConnection repl(acme::test::source_dsn(), "acme-test");
  const auto identity = repl.identify_system();
  EXPECT_FALSE(identity.system_id.empty());
  EXPECT_FALSE(identity.database.empty());
  EXPECT_GT(identity.wal_flush, Lsn{});
  const auto created = repl.create_slot(slot);
  EXPECT_EQ(created.name, slot);
  EXPECT_EQ(created.output_plugin, "pgoutput");
  ASSERT_FALSE(created.snapshot_name.empty());
  EXPECT_GE(created.consistent_point, identity.wal_flush);

  // Committed after the slot's consistent point: outside the snapshot, first in the stream.
  src_exec(fmt::format("INSERT INTO {} (customer_id, customer_name) VALUES (2, 'after slot')",
                       table("customers")));
  {
    pqxx::connection reader(acme::test::source_dsn());
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(reader);
    tx.exec("SET TRANSACTION SNAPSHOT " + tx.quote(created.snapshot_name));
    const auto r = tx.exec("SELECT customer_id FROM " + table("customers") + " ORDER BY 1");
    ASSERT_EQ(r.size(), 1U) << "the exported snapshot must show exactly the rows before the slot";
    EXPECT_EQ(r[0][0].as<int>(), 1);
    EXPECT_EQ(tx.exec("SELECT count(*) FROM " + table("order_items"))[0][0].as<int>(), 2);
    tx.commit();
  }

  const std::string big_status = src_exec("SELECT string_agg(md5(g::text), '') "
                                          "FROM generate_series(1, 400) g")[0][0]
                                     .as<std::string>();
  src_exec(fmt::format("UPDATE {} SET status = 'SHIPPED' WHERE order_id = 10", table("orders")));
  src_exec(fmt::format("INSERT INTO {} (order_id, customer_id, status) VALUES (11, 1, '{}')",
                       table("orders"), big_status));
  // A TOASTed value the update does not touch arrives as "unchanged".
  src_exec(fmt::format("UPDATE {} SET delivery_date = '2026-12-01' WHERE order_id = 11",
                       table("orders")));
  src_exec(fmt::format("DELETE FROM {} WHERE order_item_id = 100", table("order_items")));
  src_exec(fmt::format("TRUNCATE {}", table("order_items")));
  src_exec(fmt::format("BEGIN; INSERT INTO {} (customer_id, customer_name) VALUES (3, 'prepared');"
                       "PREPARE TRANSACTION '{}'",
                       table("customers"), gid));
  src_exec(fmt::format("INSERT INTO {} (customer_id, customer_name) VALUES (4, 'after prepare')",
                       table("customers")));
  src_exec(fmt::format("COMMIT PREPARED '{}'", gid));

  repl.start_replication(slot, created.consistent_point, {publication});
  ASSERT_TRUE(repl.streaming());
  StreamReader reader(repl, created.consistent_point);
  constexpr std::size_t k_expected = 8;
  reader.read_until([&] { return reader.transactions().size() >= k_expected; },
                    milliseconds(30000));
  const auto& txns = reader.transactions();
  ASSERT_EQ(txns.size(), k_expected);
  EXPECT_EQ(reader.changes_outside_transactions(), 0);

  Lsn previous = created.consistent_point;
  for (const auto& t : txns) {
    EXPECT_EQ(t.begin.final_lsn, t.commit.commit_lsn);
    EXPECT_GT(t.commit.commit_lsn, previous) << "transactions must arrive in commit order";
    EXPECT_GT(t.commit.end_lsn, t.commit.commit_lsn);
    EXPECT_NE(t.begin.xid, 0U);
    EXPECT_EQ(t.begin.commit_time, t.commit.commit_time);
    // The server's clock is this machine's: PostgreSQL-epoch microseconds convert to now.
    const auto skew = std::chrono::system_clock::now() - to_time_point(t.commit.commit_time);
    EXPECT_LT(std::chrono::abs(skew), std::chrono::minutes(5));
    previous = t.commit.commit_lsn;
  }

  // 1: the insert committed after the slot.
  ASSERT_EQ(txns[0].changes.size(), 1U);
  const auto& customers = reader.relation(txns[0].changes[0].relation_id);
  EXPECT_EQ(customers.schema, m_source_schema);
  EXPECT_EQ(customers.name, "customers");
  EXPECT_EQ(customers.replica_identity, 'f');
  EXPECT_EQ(txns[0].changes[0].kind, ChangeKind::insert);
  EXPECT_EQ(column(customers, txns[0].changes[0].new_tuple, "customer_id"), "2");
  EXPECT_EQ(column(customers, txns[0].changes[0].new_tuple, "customer_name"), "after slot");
  EXPECT_EQ(column(customers, txns[0].changes[0].new_tuple, "customer_address"), std::nullopt);

  // 2: update with the full old row (REPLICA IDENTITY FULL).
  ASSERT_EQ(txns[1].changes.size(), 1U);
  const auto& upd = txns[1].changes[0];
  const auto& orders = reader.relation(upd.relation_id);
  EXPECT_EQ(orders.name, "orders");
  ASSERT_EQ(orders.columns.size(), 9U);
  EXPECT_EQ(orders.columns[0].name, "order_id");
  EXPECT_EQ(orders.columns[0].type_oid, 20U); // int8
  EXPECT_EQ(upd.kind, ChangeKind::update);
  EXPECT_EQ(upd.old_kind, OldTuple::full);
  ASSERT_TRUE(upd.old_tuple.has_value());
  EXPECT_EQ(column(orders, *upd.old_tuple, "status"), "PENDING");
  EXPECT_EQ(column(orders, upd.new_tuple, "status"), "SHIPPED");
  EXPECT_EQ(column(orders, upd.new_tuple, "delivery_date"), "2026-11-05");

  // 3 and 4: a TOASTed value, then an update that leaves it unchanged.
  ASSERT_EQ(txns[2].changes.size(), 1U);
  EXPECT_EQ(column(orders, txns[2].changes[0].new_tuple, "status"), big_status);
  ASSERT_EQ(txns[3].changes.size(), 1U);
  auto toast = txns[3].changes[0];
  EXPECT_TRUE(toast.new_tuple.has_unchanged()) << "expected an unchanged-TOAST status value";
  EXPECT_EQ(column(orders, *toast.old_tuple, "status"), big_status);
  EXPECT_TRUE(fill_unchanged(toast.new_tuple, toast.old_tuple, toast.old_kind));
  EXPECT_EQ(column(orders, toast.new_tuple, "status"), big_status);
  EXPECT_EQ(column(orders, toast.new_tuple, "delivery_date"), "2026-12-01");

  // 5: delete with the old row.
  ASSERT_EQ(txns[4].changes.size(), 1U);
  const auto& del = txns[4].changes[0];
  const auto& items = reader.relation(del.relation_id);
  EXPECT_EQ(items.name, "order_items");
  EXPECT_EQ(del.kind, ChangeKind::remove);
  ASSERT_TRUE(del.old_tuple.has_value());
  EXPECT_EQ(column(items, *del.old_tuple, "order_item_id"), "100");
  EXPECT_EQ(column(items, *del.old_tuple, "quanity"), "2");

  // 6: truncate.
  EXPECT_TRUE(txns[5].changes.empty());
  ASSERT_EQ(txns[5].truncates.size(), 1U);
  EXPECT_EQ(txns[5].truncates[0].relation_ids, std::vector<std::uint32_t>{items.id});
  EXPECT_FALSE(txns[5].truncates[0].cascade());

  // 7 and 8: the prepared transaction arrives at COMMIT PREPARED, after the one that committed
  // while it was prepared.
  ASSERT_EQ(txns[6].changes.size(), 1U);
  EXPECT_EQ(column(customers, txns[6].changes[0].new_tuple, "customer_id"), "4");
  ASSERT_EQ(txns[7].changes.size(), 1U);
  EXPECT_EQ(column(customers, txns[7].changes[0].new_tuple, "customer_id"), "3");
  EXPECT_EQ(column(customers, txns[7].changes[0].new_tuple, "customer_name"), "prepared");

  // Confirming the last commit moves the slot.
  const Lsn last_end = txns.back().commit.end_lsn;
  Lsn confirmed;
  reader.read_until(
      [&] {
        reader.send_status();
        confirmed = confirmed_flush(slot);
        return confirmed >= last_end;
      },
      milliseconds(10000));
  EXPECT_GE(confirmed, last_end) << "confirmed_flush_lsn " << confirmed.to_string();

  repl.end_streaming();
  EXPECT_FALSE(repl.streaming());
  repl.drop_slot(slot);
  EXPECT_TRUE(
      src_exec("SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + slot + "'").empty());
}

// `dsn` with libpq `options` added (URI or key=value form).
std::string with_options(const std::string& dsn, const std::string& options) {
  if (dsn.find("://") == std::string::npos) {
    return dsn + " options='" + options + "'";
  }
  std::string encoded;
  for (char c : options) {
    encoded += c == ' ' ? std::string("%20") : c == '=' ? std::string("%3D") : std::string(1, c);
  }
  return dsn + (dsn.find('?') != std::string::npos ? "&" : "?") + "options=" + encoded;
}

TEST_F(ReplicationStream, TextValuesUsePinnedFormatsAndKeepTheUsersOtherOptions) {
  src_exec(fmt::format("CREATE TABLE {} (id int PRIMARY KEY, d date, ts timestamp(3), "
                       "tz timestamptz, iv interval, f float8)",
                       table("formats")));
  const std::string publication = acme::test::unique_name("pub");
  const std::string slot = acme::test::unique_name("slot");
  PublicationGuard publication_guard(publication);
  src_exec(fmt::format("CREATE PUBLICATION {} FOR TABLE {}", quote_ident(publication),
                       table("formats")));
  SlotGuard slot_guard(slot);

  // The user's options ask for other formats; their time zone must survive, the formats not.
  ReplicationConnection repl(
      with_options(acme::test::source_dsn(),
                   "-c datestyle=SQL,DMY -c intervalstyle=sql_standard -c extra_float_digits=0 "
                   "-c timezone=Asia/Tokyo"),
      "acme-test");
  const auto created = repl.create_slot(slot, acme::cdc::SlotSnapshot::none);
  src_exec(fmt::format("INSERT INTO {} VALUES (1, '2026-11-05', '2026-11-05 13:14:15.123', "
                       "'2026-11-05 00:00:00+00', '1 day 02:03:04', 1.0 / 3)",
                       table("formats")));
  repl.start_replication(slot, created.consistent_point, {publication});
  StreamReader reader(repl, created.consistent_point);
  reader.read_until([&] { return !reader.transactions().empty(); }, milliseconds(30000));
  ASSERT_EQ(reader.transactions().size(), 1U);
  ASSERT_EQ(reader.transactions()[0].changes.size(), 1U);
  const auto& change = reader.transactions()[0].changes[0];
  const auto& rel = reader.relation(change.relation_id);
  EXPECT_EQ(column(rel, change.new_tuple, "d"), "2026-11-05");
  EXPECT_EQ(column(rel, change.new_tuple, "ts"), "2026-11-05 13:14:15.123");
  EXPECT_EQ(column(rel, change.new_tuple, "tz"), "2026-11-05 09:00:00+09");
  EXPECT_EQ(column(rel, change.new_tuple, "iv"), "1 day 02:03:04");
  EXPECT_EQ(column(rel, change.new_tuple, "f"), "0.3333333333333333");
}

TEST_F(ReplicationStream, IdlePublicationStillAdvancesTheSlotWhileOtherTablesChange) {
  src_exec(fmt::format("CREATE TABLE {} (id serial PRIMARY KEY, note text)", table("unpublished")));
  const std::string publication = acme::test::unique_name("pub");
  const std::string slot = acme::test::unique_name("slot");
  PublicationGuard publication_guard(publication);
  create_publication(publication);
  SlotGuard slot_guard(slot);

  ReplicationConnection repl(acme::test::source_dsn(), "acme-test");
  const auto created = repl.create_slot(slot, acme::cdc::SlotSnapshot::none);
  EXPECT_TRUE(created.snapshot_name.empty());
  repl.start_replication(slot, Lsn{}, {publication});
  const Lsn initial = confirmed_flush(slot);

  for (int i = 0; i < 20; ++i) {
    src_exec(fmt::format("INSERT INTO {} (note) VALUES (repeat('x', 1000))", table("unpublished")));
  }
  const Lsn busy_end = Lsn::parse(src_exec("SELECT pg_current_wal_insert_lsn()")[0][0].c_str());
  src_exec(fmt::format("INSERT INTO {} (note) VALUES ('last')", table("unpublished")));
  ASSERT_GT(busy_end, initial);

  StreamReader reader(repl, created.consistent_point);
  Lsn confirmed;
  reader.read_until(
      [&] {
        confirmed = confirmed_flush(slot);
        return confirmed >= busy_end;
      },
      milliseconds(30000));
  EXPECT_GE(confirmed, busy_end) << "the slot stayed at " << confirmed.to_string()
                                 << " while unpublished WAL went up to " << busy_end.to_string();
  EXPECT_GT(reader.keepalives(), 0);
  EXPECT_TRUE(reader.transactions().empty());
  EXPECT_EQ(reader.changes_outside_transactions(), 0);
  EXPECT_FALSE(reader.feedback().pending());
}

TEST_F(ReplicationStream, RestartResumesAfterTheConfirmedPositionOnly) {
  const std::string publication = acme::test::unique_name("pub");
  const std::string slot = acme::test::unique_name("slot");
  PublicationGuard publication_guard(publication);
  create_publication(publication);
  SlotGuard slot_guard(slot);

  Lsn start;
  Lsn first_end;
  {
    ReplicationConnection repl(acme::test::source_dsn(), "acme-test");
    start = repl.create_slot(slot, acme::cdc::SlotSnapshot::none).consistent_point;
    for (int id = 1; id <= 2; ++id) {
      src_exec(fmt::format("INSERT INTO {} (customer_id, customer_name) VALUES ({}, 'c{}')",
                           table("customers"), id, id));
    }
    repl.start_replication(slot, Lsn{}, {publication});
    StreamReader reader(repl, start, false);
    reader.read_until([&] { return reader.transactions().size() >= 2; }, milliseconds(30000));
    ASSERT_EQ(reader.transactions().size(), 2U);
    // Only the first transaction reached the (imaginary) target before the crash.
    first_end = reader.transactions()[0].commit.end_lsn;
    reader.feedback().mark_durable(first_end);
    Lsn confirmed;
    reader.read_until(
        [&] {
          reader.send_status();
          confirmed = confirmed_flush(slot);
          return confirmed >= first_end;
        },
        milliseconds(10000));
    ASSERT_EQ(confirmed, first_end) << "the second transaction is not durable: keep it";
  } // the connection drops without a clean end, like a crash

  // The walsender of the dropped connection may take a moment to release the slot.
  std::unique_ptr<ReplicationConnection> repl;
  for (int attempt = 0; !repl; ++attempt) {
    auto candidate = std::make_unique<ReplicationConnection>(acme::test::source_dsn(), "acme-test");
    try {
      candidate->start_replication(slot, Lsn{}, {publication});
      repl = std::move(candidate);
    } catch (const acme::LockedError&) {
      ASSERT_LT(attempt, 100) << "the slot stayed in use";
      std::this_thread::sleep_for(milliseconds(100));
    }
  }
  StreamReader again(*repl, first_end);
  again.read_until([&] { return !again.transactions().empty(); }, milliseconds(30000));
  ASSERT_FALSE(again.transactions().empty());
  const auto& redelivered = again.transactions()[0];
  ASSERT_EQ(redelivered.changes.size(), 1U);
  const auto& customers = again.relation(redelivered.changes[0].relation_id);
  EXPECT_EQ(column(customers, redelivered.changes[0].new_tuple, "customer_id"), "2")
      << "the confirmed transaction must not come again, the unconfirmed one must";
  EXPECT_GT(redelivered.commit.commit_lsn, first_end);
}

TEST_F(ReplicationStream, SlotInUseIsALockedError) {
  const std::string publication = acme::test::unique_name("pub");
  const std::string slot = acme::test::unique_name("slot");
  PublicationGuard publication_guard(publication);
  create_publication(publication);
  SlotGuard slot_guard(slot);

  ReplicationConnection first(acme::test::source_dsn(), "acme-test");
  first.create_slot(slot, acme::cdc::SlotSnapshot::none);
  first.start_replication(slot, Lsn{}, {publication});
  ReplicationConnection second(acme::test::source_dsn(), "acme-test");
  EXPECT_THROW(second.start_replication(slot, Lsn{}, {publication}), acme::LockedError);
  EXPECT_THROW(second.drop_slot(slot), acme::LockedError);
}

TEST_F(ReplicationStream, TerminatedWalsenderIsRetryable) {
  const std::string publication = acme::test::unique_name("pub");
  const std::string slot = acme::test::unique_name("slot");
  PublicationGuard publication_guard(publication);
  create_publication(publication);
  SlotGuard slot_guard(slot);

  ReplicationConnection repl(acme::test::source_dsn(), "acme-test");
  repl.create_slot(slot, acme::cdc::SlotSnapshot::none);
  repl.start_replication(slot, Lsn{}, {publication});
  src_exec("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots "
           "WHERE slot_name = '" +
           slot + "'");
  try {
    for (int i = 0; i < 50; ++i) {
      (void)repl.receive(milliseconds(100));
    }
    FAIL() << "the stream survived its walsender";
  } catch (const acme::Fatal& e) {
    FAIL() << "a terminated walsender must be retryable: " << e.what();
  } catch (const acme::Error& e) {
    EXPECT_FALSE(repl.streaming());
  }
}

TEST_F(ReplicationStream, MissingSlotIsFatalAndPasswordsStayOut) {
  ReplicationConnection repl(acme::test::source_dsn(), "acme-test");
  try {
    repl.start_replication(acme::test::unique_name("nosuch"), Lsn{}, {"nopub"});
    FAIL() << "no exception";
  } catch (const acme::LockedError& e) {
    FAIL() << e.what();
  } catch (const acme::Fatal& e) {
    EXPECT_NE(std::string(e.what()).find("42704"), std::string::npos) << e.what();
  }

  // Password authentication failure (pg_hba.conf asks acme_pw for a password): Fatal, with
  // the password redacted.
  std::string dsn = acme::test::source_dsn();
  if (dsn.find("://") != std::string::npos) {
    dsn += (dsn.find('?') != std::string::npos ? "&" : "?");
    dsn += "user=acme_pw&password=Sekr3tPw";
  } else {
    dsn += " user=acme_pw password=Sekr3tPw";
  }
  try {
    ReplicationConnection bad(dsn, "acme-test");
    FAIL() << "connected with a wrong password";
  } catch (const acme::LockedError& e) {
    FAIL() << e.what();
  } catch (const acme::Fatal& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find("Sekr3tPw"), std::string::npos) << what;
    EXPECT_NE(what.find("28P01"), std::string::npos) << what;
  }
}

TEST_F(ReplicationStream, ConnectionFailuresAreClassified) {
  // Nothing listens on port 1 of the loopback: refused at once, no SQLSTATE, worth a retry.
  EXPECT_THROW(ReplicationConnection("host=127.0.0.1 port=1 dbname=x password=Sekr3tPw",
                                     "acme-test", milliseconds(5000)),
               acme::Error);
  // A malformed connection string cannot get better by retrying.
  try {
    ReplicationConnection bad("host=127.0.0.1 password='Sekr3tPw", "acme-test");
    FAIL() << "accepted a malformed DSN";
  } catch (const acme::Fatal& e) {
    EXPECT_EQ(std::string(e.what()).find("Sekr3tPw"), std::string::npos) << e.what();
  }
}

} // namespace
