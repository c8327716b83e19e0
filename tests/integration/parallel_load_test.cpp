// The parallel full load (etl/parallel_load.hpp): N connections per side over one snapshot into
// shadow tables swapped in at commit. The number of jobs changes nothing in the result, a full
// reload of a loaded target keeps settled prices, history, grants and index names, and a load
// killed at any point leaves the target exactly as it was.
#include "acme/db/connection.hpp"
#include "acme/test_point.hpp"
#include "support/etl_fixture.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <thread>
#include <unistd.h>

namespace {

class ParallelLoad : public acme::test::EtlTest {
protected:
  // 300 orders x 7 items with the awkward cases: closed, NULL and unknown statuses, customers
  // and products that do not exist, an item of a missing order, NULL quantities, key gaps.
  void seed() {
    src_exec(fmt::format(
        "INSERT INTO {c} (customer_id, customer_name, customer_address) "
        "  SELECT g, 'Customer ' || g, 'Street ' || g FROM generate_series(1, 40) g;"
        "INSERT INTO {p} (product_id, product_name, barcode, unity_price) "
        "  SELECT g, 'Product ' || g, 'B' || g, g * 1.25 FROM generate_series(1, 30) g;"
        "INSERT INTO {o} (order_id, customer_id, status, order_date, delivery_date) "
        "  SELECT g * 3, g % 45, CASE g % 6 WHEN 0 THEN 'COMPLETED' WHEN 1 THEN 'CANCELLED' "
        "    WHEN 2 THEN NULL WHEN 3 THEN 'PROCESSING' WHEN 4 THEN 'ODD' ELSE 'PENDING' END, "
        "    DATE '2026-11-01' + g % 9, DATE '2026-12-01' + g % 11 FROM generate_series(1, 300) g;"
        "INSERT INTO {i} (order_item_id, order_id, product_id, quanity) "
        "  SELECT o * 10 + j, CASE WHEN o = 300 AND j = 1 THEN 99999 ELSE o * 3 END, "
        "    CASE WHEN j = 7 THEN 31 ELSE 1 + (o + j) % 30 END, "
        "    CASE WHEN j = 3 AND o % 4 = 0 THEN NULL ELSE j END "
        "  FROM generate_series(1, 300) o, generate_series(1, 7) j;"
        // Many items share the greatest stamp (the key breaks the tie); one has none, one an
        // infinite one: neither may become a cursor.
        "UPDATE {i} SET updated_at = TIMESTAMP '2026-01-02 03:04:05.678' - (order_item_id % 97) * "
        "  interval '1 second';"
        "UPDATE {i} SET updated_at = NULL WHERE order_item_id = 11;"
        // Stamps in the past: another test's open source transaction (ctest runs two at a time)
        // then never holds a cursor back, so the cursors do not depend on what runs alongside.
        "UPDATE {o} SET updated_at = TIMESTAMP '2026-01-01 00:00:00' + order_id * interval '1 ms';"
        "UPDATE {c} SET updated_at = TIMESTAMP '2026-01-01 00:00:00';"
        "UPDATE {p} SET updated_at = TIMESTAMP '2026-01-01 00:00:00';"
        "UPDATE {i} SET updated_at = 'infinity' WHERE order_item_id = 12",
        fmt::arg("c", src("customers")), fmt::arg("p", src("products")),
        fmt::arg("o", src("orders")), fmt::arg("i", src("order_items"))));
  }

  // The target's data and bookkeeping as text, one line per row, in key order; `exact` includes
  // the columns a reload legitimately changes (synced_at, run and history ids, state times).
  std::string dump(bool exact) {
    const std::string synced = exact ? ", synced_at" : "";
    std::string out;
    const auto add = [&](const std::string& sql) {
      for (const auto& row : tgt_exec(sql)) {
        out += row[0].as<std::string>("<NULL>") + "\n";
      }
      out += "--\n";
    };
    add(fmt::format("SELECT row(order_id, customer_id, customer_name, order_date, delivery_date, "
                    "status, total_items, total_amount, is_open, updated_at, updated_by, "
                    "created_at, created_by{})::text FROM {} ORDER BY order_id",
                    synced, tgt("analytical_orders")));
    add(fmt::format("SELECT row(order_item_id, order_id, product_id, product_name, quantity, "
                    "price, order_status, delivery_date, is_open, updated_at, updated_by, "
                    "created_at, created_by{})::text FROM {} ORDER BY order_item_id",
                    synced, tgt("analytical_order_items")));
    add(fmt::format("SELECT c::text FROM {} c ORDER BY customer_id", tgt("customers")));
    add(fmt::format("SELECT p::text FROM {} p ORDER BY product_id", tgt("products")));
    add(fmt::format("SELECT row({}order_id, status, valid_from, valid_to, observed_by)::text "
                    "FROM {} ORDER BY order_id, valid_from, history_id",
                    exact ? "history_id, " : "", tgt("analytical_order_status_history")));
    add(fmt::format("SELECT row({}customer_id, customer_name, customer_address, is_active, "
                    "valid_from, valid_to, observed_by)::text FROM {} ORDER BY customer_id, "
                    "valid_from, history_id",
                    exact ? "history_id, " : "", tgt("analytical_customer_history")));
    add(fmt::format("SELECT row(table_name, cursor_ts, cursor_pk{})::text FROM {} ORDER BY 1",
                    exact ? ", last_full_at, updated_at" : "", tgt("acme_sync_state")));
    if (exact) {
      add(fmt::format("SELECT row(run_id, mode, status)::text FROM {} ORDER BY run_id",
                      tgt("acme_runs")));
      add(fmt::format("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid IN ({}, {}) "
                      "ORDER BY 1",
                      m_tgt->quote(tgt("analytical_orders")) + "::regclass",
                      m_tgt->quote(tgt("analytical_order_items")) + "::regclass"));
    }
    return out;
  }

  // Tables a load left behind in the target schema.
  std::string shadows() {
    std::string out;
    for (const auto& row : tgt_exec(fmt::format(
             "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE n.nspname = {} AND relname LIKE 'acme\\_shadow\\_%' ORDER BY 1",
             m_tgt->quote(m_target_schema)))) {
      out += row[0].as<std::string>() + " ";
    }
    return out;
  }

  // Changes of every kind since the last sync, including a closed order whose products change
  // price (its items keep their settled price) and a deleted order.
  void change_source() {
    src_exec(fmt::format(
        "UPDATE {o} SET status = 'PROCESSING', updated_at = CURRENT_TIMESTAMP(3) WHERE order_id "
        "IN (15, 30);"
        "UPDATE {p} SET unity_price = unity_price + 10, updated_at = CURRENT_TIMESTAMP(3) WHERE "
        "product_id IN (1, 2, 3);"
        "DELETE FROM {i} WHERE order_item_id = 101;"
        "DELETE FROM {o} WHERE order_id = 21;"
        "UPDATE {c} SET customer_name = 'Renamed', updated_at = CURRENT_TIMESTAMP(3) WHERE "
        "customer_id = 5;"
        "INSERT INTO {o} (order_id, customer_id, status) VALUES (5000, 1, 'PENDING');"
        "INSERT INTO {i} (order_item_id, order_id, product_id, quanity) VALUES (50001, 5000, 1, "
        "2)",
        fmt::arg("o", src("orders")), fmt::arg("p", src("products")),
        fmt::arg("i", src("order_items")), fmt::arg("c", src("customers"))));
  }
};

TEST_F(ParallelLoad, OneAndThreeJobsLoadIdenticalTargets) {
  seed();
  // Three jobs read the items in six ranges of heap blocks: the table spans more blocks than
  // that, and its keys are out of block order (a rewritten row moves to the end of the table).
  src_exec(fmt::format("UPDATE {} SET quanity = quanity WHERE order_item_id % 5 = 0",
                       src("order_items")));
  ASSERT_GT(std::stoll(src_value(
                fmt::format("SELECT pg_relation_size({}) / current_setting('block_size')::bigint",
                            m_src->quote(src("order_items"))))),
            12);
  m_jobs = 1;
  EXPECT_EQ(sync().mode, "full");
  expect_invariant("after the load with one job");
  const std::string one = dump(false);
  tgt_exec(fmt::format("DROP SCHEMA {0} CASCADE; CREATE SCHEMA {0}",
                       acme::db::quote_ident(m_target_schema)));
  m_jobs = 3;
  EXPECT_EQ(sync().mode, "full");
  expect_invariant("after the load with three jobs");
  EXPECT_EQ(dump(false), one);
  EXPECT_EQ(shadows(), "");
  // The cursors are the greatest (updated_at, key) read, as a scan of the source finds them.
  for (const auto& [table, key] : {std::pair<std::string, std::string>{"orders", "order_id"},
                                   {"order_items", "order_item_id"}}) {
    EXPECT_EQ(tgt_value(fmt::format("SELECT to_char(cursor_ts, 'YYYY-MM-DD HH24:MI:SS.MS') || '/' "
                                    "|| cursor_pk FROM {} WHERE table_name = '{}'",
                                    tgt("acme_sync_state"), table)),
              src_value(fmt::format("SELECT to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.MS') || "
                                    "'/' || {0} FROM {1} WHERE isfinite(updated_at) ORDER BY "
                                    "updated_at DESC, {0} DESC LIMIT 1",
                                    key, src(table))))
        << table;
  }
  // The history opened one interval per order, observed by the load.
  EXPECT_EQ(tgt_value(fmt::format("SELECT count(*) FILTER (WHERE valid_to IS NULL AND observed_by "
                                  "= 'load') = count(*) FROM {}",
                                  tgt("analytical_order_status_history"))),
            "t");
}

// A first load sums the orders' totals from the item rows as they stream past
// (etl/order_totals.hpp). They must be exactly what the source's own sums give, scale included,
// for every price numeric can hold and wherever an order's items lie.
TEST_F(ParallelLoad, OrderTotalsSummedFromTheItemStreamEqualTheSourcesSums) {
  src_exec(fmt::format(
      // Scales 0 to 40, negative, zero with a scale, NaN and both infinities, a price of 27
      // digits (too long for acme's 128-bit sum: the target multiplies it) and one of 26;
      // product 16 does not exist (an item without a price).
      "INSERT INTO {p} (product_id, product_name, barcode, unity_price) VALUES (1, 'a', 'a', 2.5), "
      "  (2, 'b', 'b', 0.125), (3, 'c', 'c', -7), (4, 'd', 'd', 'NaN'), (5, 'e', 'e', 'Infinity'), "
      "  (6, 'f', 'f', '-Infinity'), (7, 'g', 'g', 0.000000000000000000000000000001), "
      "  (8, 'h', 'h', 1.0000000000000000000000000000000000000001), "
      "  (9, 'i', 'i', 123456789012345678901234567890.5), (10, 'j', 'j', "
      "999999999999999999999999999), "
      "  (11, 'k', 'k', 99999999999999999999999999.9), (12, 'l', 'l', 0), (13, 'm', 'm', 0.00), "
      "  (14, 'n', 'n', 14.50), (15, 'o', 'o', 19.99);"
      "INSERT INTO {o} (order_id, status) SELECT g, 'PENDING' FROM generate_series(1, 64) g;"
      // Orders 1-40 have finite prices of scales 0 to 30 (and a missing product); orders 41-50
      // one more item each with a price acme leaves to the target. Quantities: none, zero (zero
      // times infinity is NaN), negative, the greatest int4.
      "INSERT INTO {i} (order_item_id, order_id, product_id, quanity) "
      "  SELECT o * 100 + j, o, (ARRAY[1, 2, 3, 7, 12, 13, 14, 15, 16])[1 + (o * j + j) % 9], "
      "    CASE (o + j) % 7 WHEN 0 THEN NULL WHEN 1 THEN 0 WHEN 2 THEN -3 WHEN 3 THEN 2147483647 "
      "    ELSE j END "
      "  FROM generate_series(1, 50) o, generate_series(1, 14) j ORDER BY 1;"
      "INSERT INTO {i} (order_item_id, order_id, product_id, quanity) "
      "  SELECT o * 100 + 50, o, (ARRAY[4, 5, 6, 8, 9, 10, 11])[1 + o % 7], 1 + o % 3 "
      "  FROM generate_series(41, 50) o;"
      // Orders whose exact sum overflows 128 bits: by adding up, and by raising the scale of a
      // large sum (scale 1 to 30). Order 63 has no items; an item has no order, one a missing one.
      "INSERT INTO {i} (order_item_id, order_id, product_id, quanity) "
      "  SELECT 6100 + g, 61, 11, 2147483647 FROM generate_series(1, 90) g;"
      "INSERT INTO {i} (order_item_id, order_id, product_id, quanity) VALUES "
      "  (6001, 60, 7, 3), (6201, 62, 11, 2147483647), (6202, 62, 7, 3), (6203, 62, 1, 1), "
      "  (6204, 62, 11, -5), (6401, 64, 15, 3), (9001, NULL, 1, 5), (9002, 9999, 1, 5);"
      // Rewritten rows move to the end of the heap: an order's items no longer come together
      // (not those of the overflowing orders, which must overflow in one run).
      "UPDATE {i} SET quanity = quanity WHERE order_item_id % 3 = 0 AND order_id <= 50",
      fmt::arg("p", src("products")), fmt::arg("o", src("orders")),
      fmt::arg("i", src("order_items"))));
  const std::string expected = src_value(fmt::format(
      "SELECT string_agg(o.order_id || ':' || COALESCE(t.n, 0) || ':' || COALESCE(t.a, 0), ' ' "
      "ORDER BY o.order_id) FROM {o} o LEFT JOIN (SELECT i.order_id, sum(i.quanity) AS n, "
      "sum(i.quanity * p.unity_price) AS a FROM {i} i LEFT JOIN {p} p ON p.product_id = "
      "i.product_id GROUP BY i.order_id) t ON t.order_id = o.order_id",
      fmt::arg("p", src("products")), fmt::arg("o", src("orders")),
      fmt::arg("i", src("order_items"))));
  // The awkward values are there to be summed.
  for (const char* value : {"NaN", ":Infinity", "-Infinity", ":0.000000000000000000000000000003"}) {
    EXPECT_NE(expected.find(value), std::string::npos) << value << " in " << expected;
  }
  const auto totals = [this] {
    return tgt_value(fmt::format("SELECT string_agg(order_id || ':' || total_items || ':' || "
                                 "total_amount, ' ' ORDER BY order_id) FROM {}",
                                 tgt("analytical_orders")));
  };
  for (const int jobs : {1, 3}) {
    m_jobs = jobs;
    if (jobs != 1) {
      tgt_exec(fmt::format("DROP SCHEMA {0} CASCADE; CREATE SCHEMA {0}",
                           acme::db::quote_ident(m_target_schema)));
    }
    EXPECT_EQ(sync().mode, "full");
    EXPECT_EQ(totals(), expected) << jobs << " job(s)";
    EXPECT_EQ(shadows(), "");
  }
}

TEST_F(ParallelLoad, FullReloadOfALoadedTargetKeepsSettledPricesAndHistory) {
  seed();
  sync();
  const auto settled = [this] {
    return tgt_value(fmt::format("SELECT string_agg(price::text, ',' ORDER BY order_item_id) "
                                 "FROM {} WHERE order_id = 18",
                                 tgt("analytical_order_items")));
  };
  const std::string before = settled(); // order 18 is COMPLETED: its prices are settled
  change_source();
  src_exec(fmt::format("UPDATE {} SET unity_price = unity_price * 2", src("products")));
  m_jobs = 3;
  EXPECT_EQ(sync({true, false, {}}).mode, "full");
  expect_invariant("after --full on a loaded target");
  EXPECT_EQ(settled(), before) << "a full reload re-priced a closed order";
  EXPECT_EQ(
      tgt_value(fmt::format("SELECT status FROM {} WHERE order_id = 15", tgt("analytical_orders"))),
      "PROCESSING");
  // History: the status change closed one interval and opened the next; the deleted order's
  // interval is closed; every existing order has exactly one open interval.
  EXPECT_EQ(
      tgt_value(fmt::format("SELECT string_agg(status || ':' || (valid_to IS NULL)::text, "
                            "',' ORDER BY valid_from, history_id) FROM {} WHERE order_id = 15",
                            tgt("analytical_order_status_history"))),
      "PENDING:false,PROCESSING:true");
  EXPECT_EQ(
      tgt_value(fmt::format("SELECT count(*) FROM {} WHERE order_id = 21 AND valid_to IS NULL",
                            tgt("analytical_order_status_history"))),
      "0");
  EXPECT_EQ(
      tgt_value(fmt::format("SELECT (SELECT count(*) FROM {} WHERE valid_to IS NULL) = "
                            "(SELECT count(*) FROM {})",
                            tgt("analytical_order_status_history"), tgt("analytical_orders"))),
      "t");
  EXPECT_EQ(tgt_value(fmt::format("SELECT customer_name FROM {} WHERE valid_to IS NULL AND "
                                  "customer_id = 5",
                                  tgt("analytical_customer_history"))),
            "Renamed");
  // A second full reload with nothing changed records no history.
  const auto history_rows = [this] {
    return tgt_value(fmt::format("SELECT (SELECT count(*) FROM {}) + (SELECT count(*) FROM {})",
                                 tgt("analytical_order_status_history"),
                                 tgt("analytical_customer_history")));
  };
  const std::string rows = history_rows();
  sync({true, false, {}});
  expect_invariant("after a second --full");
  EXPECT_EQ(history_rows(), rows);
  // Incremental cycles go on from the reloaded tables.
  src_exec(fmt::format("UPDATE {} SET status = 'COMPLETED', updated_at = CURRENT_TIMESTAMP(3) "
                       "WHERE order_id = 30",
                       src("orders")));
  EXPECT_EQ(sync().mode, "incremental");
  expect_invariant("after an incremental cycle on the reloaded tables");
}

#if ACME_TEST_HOOKS // it pauses at the before-swap point, which only test builds have
// A report query holds analytical_orders while a full reload swaps its tables in. The swap waits
// in attempts of 1 s (lock_timeout), so a reader arriving meanwhile is served within about a
// second instead of queueing behind the swap's ACCESS EXCLUSIVE request until the long query ends;
// the load completes once the query does. Without lock_timeout the reader waited 2.5 s here.
TEST_F(ParallelLoad, TheSwapNeverQueuesReadersBehindALongQuery) {
  using namespace std::chrono_literals;
  seed();
  sync();
  pqxx::connection holder(acme::test::target_dsn());
  pqxx::work long_report(holder);
  std::atomic<double> reader_seconds{-1};
  std::thread ends_the_report;
  std::thread reader;
  acme::test_point::set_callback([&](std::string_view point) {
    if (point != "before-swap") {
      return;
    }
    long_report.exec("SELECT count(*) FROM " + tgt("analytical_orders"));
    ends_the_report = std::thread([&] {
      std::this_thread::sleep_for(4s);
      long_report.commit();
    });
    reader = std::thread([&] {
      std::this_thread::sleep_for(1500ms); // the swap waits for the report by now
      pqxx::connection c(acme::test::target_dsn());
      pqxx::nontransaction tx(c);
      const auto t0 = std::chrono::steady_clock::now();
      tx.exec("SELECT count(*) FROM " + tgt("analytical_orders"));
      reader_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    });
  });
  std::string mode;
  try {
    mode = sync({true, false, {}}).mode;
  } catch (...) {
    acme::test_point::set_callback({});
    if (reader.joinable()) {
      reader.join();
    }
    if (ends_the_report.joinable()) {
      ends_the_report.join();
    }
    throw;
  }
  acme::test_point::set_callback({});
  reader.join();
  ends_the_report.join();
  EXPECT_EQ(mode, "full");
  EXPECT_GE(reader_seconds.load(), 0.0);
  EXPECT_LT(reader_seconds.load(), 1.8) << "a reader queued behind the swap";
  expect_invariant("after a swap that waited for a report query");
  EXPECT_EQ(shadows(), "");
}
#endif

TEST_F(ParallelLoad, SwapKeepsIndexNamesGrantsAndStatistics) {
  seed();
  sync();
  const std::string role = "acme_t_reader_" + std::to_string(::getpid());
  tgt_exec(fmt::format("DO $$ BEGIN CREATE ROLE {0}; EXCEPTION WHEN duplicate_object THEN NULL; "
                       "END $$; GRANT USAGE ON SCHEMA {1} TO {0}; GRANT SELECT ON {2} TO {0}; "
                       "GRANT SELECT, UPDATE ON {3} TO {0} WITH GRANT OPTION",
                       role, acme::db::quote_ident(m_target_schema), tgt("analytical_orders"),
                       tgt("analytical_order_items")));
  const auto indexes = [this] {
    return tgt_value(fmt::format(
        "SELECT string_agg(c.relname || ':' || pg_get_indexdef(i.indexrelid, 0, false) || ':' || "
        "COALESCE(con.conname, '-'), ' | ' ORDER BY c.relname) "
        "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid "
        "WHERE i.indrelid IN ({}::regclass, {}::regclass)",
        m_tgt->quote(tgt("analytical_orders")), m_tgt->quote(tgt("analytical_order_items"))));
  };
  // Storage parameters carry over, autovacuum's own and the fillfactor included (a shadow loads
  // without autovacuum).
  tgt_exec(fmt::format("ALTER TABLE {} SET (autovacuum_enabled = off); ALTER TABLE {} SET "
                       "(autovacuum_vacuum_scale_factor = 0.05, fillfactor = 50)",
                       tgt("analytical_orders"), tgt("analytical_order_items")));
  const auto options = [this] {
    const auto of = [this](const char* table) {
      return fmt::format("(SELECT string_agg(o, ',' ORDER BY o) FROM pg_class, "
                         "unnest(reloptions) o WHERE oid = {}::regclass)",
                         m_tgt->quote(tgt(table)));
    };
    return tgt_value(fmt::format("SELECT {} || ' / ' || {}", of("analytical_orders"),
                                 of("analytical_order_items")));
  };
  const std::string options_before = options();
  const std::string before = indexes();
  sync({true, false, {}});
  EXPECT_EQ(indexes(), before);
  EXPECT_EQ(options(), options_before);
  EXPECT_EQ(options_before, "autovacuum_enabled=off,fillfactor=90 / "
                            "autovacuum_vacuum_scale_factor=0.05,fillfactor=50");
  // The reloaded items were written at the live table's fillfactor, 50 here (the free space is
  // for a product rename, which rewrites settled items too): their heap is about twice a plain
  // copy's (CREATE TABLE AS writes pages full).
  tgt_exec(fmt::format("CREATE TABLE {0}.packed_copy AS SELECT * FROM {1}",
                       acme::db::quote_ident(m_target_schema), tgt("analytical_order_items")));
  const std::string sizes = fmt::format(
      "SELECT pg_relation_size({0}::regclass) / 8192, pg_relation_size('{1}.packed_copy') / 8192",
      m_tgt->quote(tgt("analytical_order_items")), acme::db::quote_ident(m_target_schema));
  EXPECT_EQ(tgt_value(fmt::format("SELECT a * 10 >= b * 18 FROM ({}) s(a, b)", sizes)), "t")
      << "pages of the reloaded items, of a packed copy: "
      << tgt_value("SELECT a || ', ' || b FROM (" + sizes + ") s(a, b)");
  tgt_exec(fmt::format("DROP TABLE {}.packed_copy", acme::db::quote_ident(m_target_schema)));
  const auto acl = [&](const std::string& table) {
    return tgt_value(fmt::format("SELECT string_agg(privilege_type || ':' || is_grantable::text, "
                                 "',' ORDER BY privilege_type) FROM pg_class c, "
                                 "aclexplode(c.relacl) a WHERE c.oid = {}::regclass AND "
                                 "a.grantee = {}::regrole",
                                 m_tgt->quote(tgt(table)), m_tgt->quote(role)));
  };
  EXPECT_EQ(acl("analytical_orders"), "SELECT:false");
  EXPECT_EQ(acl("analytical_order_items"), "SELECT:true,UPDATE:true");
  EXPECT_EQ(tgt_value(fmt::format("SELECT reltuples > 0 FROM pg_class WHERE oid = {}::regclass",
                                  m_tgt->quote(tgt("analytical_order_items")))),
            "t")
      << "the reloaded table has no statistics";
  EXPECT_EQ(shadows(), "");
  tgt_exec(fmt::format("DROP OWNED BY {0}; DROP ROLE {0}", role));
}

// A plain view over an analytical table is made again over the swapped-in table; a view that
// cannot be (another view reads it) makes the full load run in place instead.
TEST_F(ParallelLoad, PlainViewsAreKeptAcrossTheSwapAndAViewOfAViewMakesTheLoadRunInPlace) {
  seed();
  sync();
  const auto schema = acme::db::quote_ident(m_target_schema);
  const auto oid = [&] {
    return tgt_value("SELECT " + m_tgt->quote(tgt("analytical_orders")) + "::regclass::oid");
  };
  tgt_exec(
      fmt::format("CREATE VIEW {}.open_view WITH (security_barrier) AS SELECT order_id FROM {} "
                  "WHERE is_open",
                  schema, tgt("analytical_orders")));
  change_source();
  auto before = oid();
  EXPECT_EQ(sync({true, false, {}}).mode, "full");
  expect_invariant("after --full with a view");
  EXPECT_NE(oid(), before) << "the load ran in place";
  EXPECT_EQ(tgt_value(fmt::format("SELECT count(*) > 0 FROM {}.open_view", schema)), "t");
  EXPECT_EQ(tgt_value(fmt::format("SELECT array_to_string(reloptions, ',') FROM pg_class WHERE oid "
                                  "= '{}.open_view'::regclass",
                                  schema)),
            "security_barrier=true");

  tgt_exec(fmt::format("CREATE VIEW {0}.view_of_view AS SELECT * FROM {0}.open_view", schema));
  src_exec(fmt::format("UPDATE {} SET status = 'REPROCESSING', updated_at = CURRENT_TIMESTAMP(3) "
                       "WHERE order_id = 16",
                       src("orders")));
  before = oid();
  EXPECT_EQ(sync({true, false, {}}).mode, "full");
  expect_invariant("after --full in place");
  EXPECT_EQ(oid(), before) << "the load swapped";
  EXPECT_EQ(tgt_value(fmt::format("SELECT count(*) > 0 FROM {}.view_of_view", schema)), "t");
}

// A source items relation without heap blocks (here a view over the table) is read whole by
// one job instead of by TID ranges, which only a plain table has.
TEST_F(ParallelLoad, ASourceViewOfItemsIsReadWhole) {
  seed();
  src_exec(fmt::format("ALTER TABLE {0} RENAME TO order_items_data; "
                       "CREATE VIEW {0} AS SELECT * FROM {1}.order_items_data",
                       src("order_items"), acme::db::quote_ident(m_source_schema)));
  m_jobs = 3;
  EXPECT_EQ(sync().mode, "full");
  expect_invariant("after a load from a view of the items");
  EXPECT_EQ(tgt_value("SELECT count(*) FROM " + tgt("analytical_order_items")), "2100");
}

#if ACME_TEST_HOOKS
class ParallelLoadCrash : public ParallelLoad, public ::testing::WithParamInterface<const char*> {};

// SIGKILL in the middle of the parallel COPY, during the index builds, or just before the swap:
// the target is exactly as before (data, history, cursors, runs, indexes); the rerun removes
// the leftovers and converges.
TEST_P(ParallelLoadCrash, KilledFullLoadLeavesTheTargetUnchangedAndTheRerunConverges) {
  seed();
  ASSERT_EQ(acme({"run-etl", "--jobs", "3"}).exit_code, 0);
  change_source();
  const std::string before = dump(true);
  const auto killed =
      acme({"run-etl", "--full", "--jobs", "3"}, {std::string("ACME_FAILPOINT=") + GetParam()});
  ASSERT_EQ(killed.exit_code, -SIGKILL) << killed.err;
  EXPECT_EQ(dump(true), before) << "the killed load changed the target";
  // The shadows load without autovacuum (whose lock would hold up the swap).
  EXPECT_EQ(tgt_value(fmt::format("SELECT string_agg(relname || ':' || array_to_string(reloptions, "
                                  "','), ' ' ORDER BY relname) FROM pg_class c JOIN pg_namespace "
                                  "n ON n.oid = c.relnamespace WHERE n.nspname = {} AND "
                                  "c.relkind = 'r' AND relname LIKE 'acme\\_shadow\\_%'",
                                  m_tgt->quote(m_target_schema))),
            "acme_shadow_analytical_order_items:fillfactor=80,autovacuum_enabled=false "
            "acme_shadow_analytical_orders:fillfactor=90,autovacuum_enabled=false");
  const auto rerun = acme({"run-etl", "--full", "--jobs", "3"});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  expect_invariant(std::string("after the rerun (killed at ") + GetParam() + ")");
  EXPECT_EQ(shadows(), "");
}

// The same on the very first load: the target stays empty, the rerun loads it.
TEST_P(ParallelLoadCrash, KilledFirstLoadLeavesAnEmptyTarget) {
  seed();
  const auto killed =
      acme({"run-etl", "--jobs", "2"}, {std::string("ACME_FAILPOINT=") + GetParam()});
  ASSERT_EQ(killed.exit_code, -SIGKILL) << killed.err;
  EXPECT_EQ(tgt_value(fmt::format("SELECT (SELECT count(*) FROM {}) + (SELECT count(*) FROM {}) + "
                                  "(SELECT count(*) FROM {})",
                                  tgt("analytical_orders"), tgt("analytical_order_items"),
                                  tgt("acme_sync_state"))),
            "0");
  const auto rerun = acme({"run-etl", "--jobs", "2"});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  expect_invariant(std::string("after the rerun (killed at ") + GetParam() + ")");
  EXPECT_EQ(shadows(), "");
}

INSTANTIATE_TEST_SUITE_P(Failpoints, ParallelLoadCrash,
                         ::testing::Values("load-copy", "load-index", "before-swap"),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           std::string n = p.param;
                           for (auto& ch : n) {
                             ch = ch == '-' ? '_' : ch;
                           }
                           return n;
                         });
#endif

} // namespace
