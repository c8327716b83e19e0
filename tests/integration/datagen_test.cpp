// acme-datagen against a real PostgreSQL: the schema it creates is the source contract, fill is
// deterministic and referentially sound, live changes the source and stops cleanly on SIGTERM.
#include "acme/db/connection.hpp"
#include "support/pg.hpp"

#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <regex>
#include <signal.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using acme::db::quote_ident;
using acme::test::run_process;

namespace {

// Drops an extra schema a test creates beyond the fixture's own.
class SchemaGuard {
public:
  SchemaGuard(pqxx::connection& conn, std::string name) : m_conn(conn), m_name(std::move(name)) {}
  SchemaGuard(const SchemaGuard&) = delete;
  SchemaGuard& operator=(const SchemaGuard&) = delete;
  ~SchemaGuard() {
    try {
      pqxx::nontransaction tx(m_conn);
      tx.exec("DROP SCHEMA IF EXISTS " + quote_ident(m_name) + " CASCADE");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "cleanup of " << m_name << " failed: " << e.what();
    }
  }

private:
  pqxx::connection& m_conn;
  std::string m_name;
};

class DatagenTest : public acme::test::PgTest {
protected:
  // Runs acme-datagen against `schema` on the test source database.
  acme::test::ProcessResult datagen(const std::string& schema,
                                    const std::vector<std::string>& args) {
    std::vector<std::string> argv{ACME_DATAGEN_BIN, "--schema", schema};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv,
                       {"ACME_SOURCE_DSN=" + acme::test::source_dsn(), "ACME_ENV_FILE=/dev/null"});
  }

  std::string scalar(const std::string& sql) {
    const auto r = src_exec(sql);
    return r[0][0].is_null() ? std::string("NULL") : r[0][0].as<std::string>();
  }

  std::string table(const std::string& schema, const char* name) {
    return quote_ident(schema) + "." + quote_ident(name);
  }

  // md5 over every row of every table in primary-key order: equal digests, equal content.
  std::string content_digest(const std::string& schema) {
    const std::pair<const char*, const char*> tables[] = {{"customers", "customer_id"},
                                                          {"products", "product_id"},
                                                          {"orders", "order_id"},
                                                          {"order_items", "order_item_id"}};
    std::string out;
    for (const auto& [name, key] : tables) {
      out += std::string(name) + "=" +
             scalar("SELECT md5(string_agg(t::text, E'\\n' ORDER BY t." + std::string(key) +
                    ")) FROM " + table(schema, name) + " t") +
             " ";
    }
    return out;
  }
};

using DatagenSchema = DatagenTest;
using DatagenFill = DatagenTest;
using DatagenLive = DatagenTest;
using DatagenCli = DatagenTest;

// design.md section 2, literally: table|column|type|precision|scale|length|datetime precision|
// nullable|default ("nextval" stands for the BIGSERIAL sequence default).
const std::vector<std::string> k_contract = {
    "customers|customer_id|bigint|64|0|||NO|nextval",
    "customers|customer_name|character varying|||500||NO|",
    "customers|is_active|boolean|||||NO|true",
    "customers|customer_address|character varying|||500||YES|",
    "customers|updated_at|timestamp without time zone||||3|YES|CURRENT_TIMESTAMP(3)",
    "customers|updated_by|bigint|64|0|||YES|",
    "customers|created_at|timestamp without time zone||||3|YES|CURRENT_TIMESTAMP(3)",
    "customers|created_by|bigint|64|0|||YES|",
    "order_items|order_item_id|bigint|64|0|||NO|nextval",
    "order_items|order_id|bigint|64|0|||YES|",
    "order_items|product_id|bigint|64|0|||YES|",
    "order_items|quanity|integer|32|0|||YES|",
    "order_items|updated_at|timestamp without time zone||||3|YES|CURRENT_TIMESTAMP(3)",
    "order_items|updated_by|bigint|64|0|||YES|",
    "order_items|created_at|timestamp without time zone||||3|YES|CURRENT_TIMESTAMP(3)",
    "order_items|created_by|bigint|64|0|||YES|",
    "orders|order_id|bigint|64|0|||NO|nextval",
    "orders|order_date|date||||0|YES|",
    "orders|delivery_date|date||||0|YES|",
    "orders|customer_id|bigint|64|0|||YES|",
    "orders|status|character varying|||||YES|",
    "orders|updated_at|timestamp without time zone||||3|YES|CURRENT_TIMESTAMP(3)",
    "orders|updated_by|bigint|64|0|||YES|",
    "orders|created_at|timestamp without time zone||||3|YES|CURRENT_TIMESTAMP(3)",
    "orders|created_by|bigint|64|0|||YES|",
    "products|product_id|bigint|64|0|||NO|nextval",
    "products|product_name|character varying|||500||NO|",
    "products|barcode|character varying|||26||NO|",
    "products|unity_price|numeric|||||NO|",
    "products|is_active|boolean|||||YES|",
    "products|updated_at|timestamp without time zone||||3|YES|CURRENT_TIMESTAMP(3)",
    "products|updated_by|bigint|64|0|||YES|",
    "products|created_at|timestamp without time zone||||3|YES|CURRENT_TIMESTAMP(3)",
    "products|created_by|bigint|64|0|||YES|",
};

} // namespace

TEST_F(DatagenSchema, MatchesTheSourceContract) {
  const std::string schema = acme::test::unique_name("contract");
  SchemaGuard guard(*m_src, schema);
  const auto r = datagen(schema, {"create-schema", "--drop"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  std::vector<std::string> actual;
  for (const auto& row : src_exec(
           "SELECT table_name || '|' || column_name || '|' || data_type || '|' || "
           "COALESCE(numeric_precision::text, '') || '|' || COALESCE(numeric_scale::text, '') || "
           "'|' || COALESCE(character_maximum_length::text, '') || '|' || "
           "COALESCE(datetime_precision::text, '') || '|' || is_nullable || '|' || "
           "CASE WHEN column_default LIKE 'nextval(%' THEN 'nextval' "
           "ELSE COALESCE(column_default, '') END "
           "FROM information_schema.columns WHERE table_schema = " +
           m_src->quote(schema) + " ORDER BY table_name, ordinal_position")) {
    actual.push_back(row[0].as<std::string>());
  }
  EXPECT_EQ(actual, k_contract);

  // Each BIGSERIAL default draws from the sequence owned by its own key column.
  for (const auto& [t, key] :
       std::vector<std::pair<std::string, std::string>>{{"customers", "customer_id"},
                                                        {"products", "product_id"},
                                                        {"orders", "order_id"},
                                                        {"order_items", "order_item_id"}}) {
    EXPECT_NE(scalar("SELECT pg_get_serial_sequence(" + m_src->quote(table(schema, t.c_str())) +
                     ", " + m_src->quote(key) + ")"),
              "NULL")
        << t;
  }
  EXPECT_EQ(scalar("SELECT string_agg(table_name, ',' ORDER BY table_name) FROM "
                   "information_schema.tables WHERE table_schema = " +
                   m_src->quote(schema)),
            "customers,order_items,orders,products");
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = "
                   "c.connamespace WHERE n.nspname = " +
                   m_src->quote(schema) + " AND c.contype = 'f'"),
            "0");
  // The only indexes are the four single-column primary keys: nothing on updated_at.
  EXPECT_EQ(scalar("SELECT string_agg(c.relname || ':' || a.attname || ':' || i.indisprimary, ',' "
                   "ORDER BY c.relname) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
                   "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON "
                   "a.attrelid = c.oid AND a.attnum = ANY(i.indkey) WHERE n.nspname = " +
                   m_src->quote(schema)),
            "customers:customer_id:true,order_items:order_item_id:true,orders:order_id:true,"
            "products:product_id:true");
  EXPECT_EQ(
      scalar("SELECT string_agg(c.relname || ':' || c.relreplident::text, ',' ORDER BY c.relname) "
             "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
             "n.nspname = " +
             m_src->quote(schema) + " AND c.relkind = 'r'"),
      "customers:f,order_items:f,orders:f,products:f");

  // Without --drop an existing schema is left alone and the error says what to do.
  const auto again = datagen(schema, {"create-schema"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("acme-datagen: error:"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("--drop"), std::string::npos) << again.err;
}

TEST_F(DatagenFill, IsDeterministicAndReferentiallyPlausible) {
  const std::vector<std::string> fill = {
      "fill",       "--customers",       "60",  "--products", "40", "--orders",
      "400",        "--items-per-order", "5",   "--seed",     "42", "--as-of",
      "2024-03-01", "--null-fraction",   "0.02"};
  const std::string other = acme::test::unique_name("twin");
  SchemaGuard guard(*m_src, other);
  ASSERT_EQ(datagen(other, {"create-schema"}).exit_code, 0);
  const auto first = datagen(m_source_schema, fill);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("rows/s"), std::string::npos) << first.err;
  const auto second = datagen(other, fill);
  ASSERT_EQ(second.exit_code, 0) << second.err;

  EXPECT_EQ(content_digest(m_source_schema), content_digest(other));

  const std::string s = m_source_schema;
  EXPECT_EQ(scalar("SELECT count(*) FROM " + table(s, "customers")), "60");
  EXPECT_EQ(scalar("SELECT count(*) FROM " + table(s, "products")), "40");
  EXPECT_EQ(scalar("SELECT count(*) FROM " + table(s, "orders")), "400");
  EXPECT_EQ(scalar("SELECT count(*) FROM " + table(s, "order_items")), "2000");
  // Every reference points at an existing row (or is NULL where the contract allows it).
  EXPECT_EQ(scalar("SELECT count(*) FROM " + table(s, "order_items") +
                   " i WHERE NOT EXISTS "
                   "(SELECT 1 FROM " +
                   table(s, "orders") +
                   " o WHERE o.order_id = i.order_id) "
                   "OR NOT EXISTS (SELECT 1 FROM " +
                   table(s, "products") + " p WHERE p.product_id = i.product_id)"),
            "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM " + table(s, "orders") +
                   " o WHERE o.customer_id IS NOT "
                   "NULL AND NOT EXISTS (SELECT 1 FROM " +
                   table(s, "customers") + " c WHERE c.customer_id = o.customer_id)"),
            "0");
  // Realistic shape: known statuses, a small open backlog, history before --as-of, money with
  // two decimals, some NULLs, some names that need quoting.
  EXPECT_EQ(scalar("SELECT count(*) FROM " + table(s, "orders") +
                   " WHERE status NOT IN "
                   "('PENDING', 'PROCESSING', 'REPROCESSING', 'COMPLETED', 'CANCELLED')"),
            "0");
  const int open_orders =
      std::stoi(scalar("SELECT count(*) FROM " + table(s, "orders") +
                       " WHERE status IS NULL OR status NOT IN ('COMPLETED', 'CANCELLED')"));
  EXPECT_GE(open_orders, 12);
  EXPECT_LE(open_orders, 100);
  EXPECT_EQ(scalar("SELECT count(*) FROM " + table(s, "orders") +
                   " WHERE order_date < DATE "
                   "'2024-03-01' - 90 OR order_date >= DATE '2024-03-01' OR delivery_date < "
                   "order_date OR updated_at < created_at OR updated_at >= TIMESTAMP '2024-03-01'"),
            "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM " + table(s, "order_items") +
                   " WHERE updated_at < "
                   "created_at OR updated_at >= TIMESTAMP '2024-03-01' OR quanity <= 0"),
            "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM " + table(s, "products") +
                   " WHERE unity_price <= 0 OR "
                   "scale(unity_price) <> 2 OR length(barcode) <> 13"),
            "0");
  EXPECT_NE(scalar("SELECT count(*) FROM " + table(s, "order_items") + " WHERE quanity IS NULL"),
            "0");
  EXPECT_NE(scalar("SELECT count(*) FROM " + table(s, "customers") +
                   " WHERE customer_name ~ '[^\\x01-\\x7f]' OR customer_name ~ '[,\"'']'"),
            "0");
  // The sequences moved past the explicit ids, so later inserts don't collide.
  EXPECT_EQ(scalar("SELECT nextval(pg_get_serial_sequence(" +
                   m_src->quote(table(s, "order_items")) + ", 'order_item_id'))"),
            "2001");

  // A different seed gives different data.
  const std::string third = acme::test::unique_name("seed");
  SchemaGuard third_guard(*m_src, third);
  ASSERT_EQ(datagen(third, {"create-schema"}).exit_code, 0);
  auto reseeded = fill;
  reseeded[10] = "43";
  ASSERT_EQ(datagen(third, reseeded).exit_code, 0);
  EXPECT_NE(content_digest(m_source_schema), content_digest(third));
}

TEST_F(DatagenLive, ChangesTheSourceAndStopsOnSigterm) {
  const auto filled = datagen(m_source_schema, {"fill", "--customers", "30", "--products", "30",
                                                "--orders", "200", "--seed", "5"});
  ASSERT_EQ(filled.exit_code, 0) << filled.err;
  const std::string s = m_source_schema;
  const std::string max_updated_before =
      scalar("SELECT max(m) FROM (SELECT max(updated_at) m FROM " + table(s, "orders") +
             " UNION ALL SELECT max(updated_at) FROM " + table(s, "products") +
             " UNION ALL SELECT max(updated_at) FROM " + table(s, "customers") + ") x");
  const std::string started_at = scalar("SELECT LOCALTIMESTAMP(3)");

  acme::test::BackgroundProcess live({ACME_DATAGEN_BIN, "--dsn", acme::test::source_dsn(),
                                      "--schema", s, "live", "--rate", "40", "--seed", "9",
                                      "--report-every", "1"},
                                     {});
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  live.signal(SIGTERM);
  const auto rc = live.wait(10000);
  ASSERT_TRUE(rc.has_value()) << "acme-datagen live did not stop within 10 s of SIGTERM";
  std::stringstream err;
  err << live.err() << live.out();
  EXPECT_EQ(*rc, 0) << err.str();
  EXPECT_NE(err.str().find("changes"), std::string::npos) << err.str();

  // updated_at moved forward (server time, CURRENT_TIMESTAMP(3)) and new orders arrived with items.
  EXPECT_EQ(scalar("SELECT (SELECT max(updated_at) FROM " + table(s, "orders") + ") > " +
                   m_src->quote(max_updated_before) + "::timestamp"),
            "t");
  EXPECT_EQ(scalar("SELECT max(updated_at) >= " + m_src->quote(started_at) + "::timestamp FROM " +
                   table(s, "orders")),
            "t");
  const int new_orders =
      std::stoi(scalar("SELECT count(*) FROM " + table(s, "orders") + " WHERE order_id > 200"));
  EXPECT_GT(new_orders, 0) << err.str();
  EXPECT_EQ(scalar("SELECT count(*) FROM " + table(s, "orders") +
                   " o WHERE order_id > 200 AND "
                   "NOT EXISTS (SELECT 1 FROM " +
                   table(s, "order_items") + " i WHERE i.order_id = o.order_id)"),
            "0");
  EXPECT_NE(scalar("SELECT count(*) FROM " + table(s, "orders") +
                   " WHERE order_id <= 200 AND "
                   "updated_at >= " +
                   m_src->quote(started_at) + "::timestamp"),
            "0")
      << "no status transitions: " << err.str();
}

// The contract has no index on order_items.order_id: live finds a deleted order's items by
// their primary keys (a scan of every item per deleted order stalled the workload at M).
TEST_F(DatagenLive, ADeletedOrderTakesItsItemsWithIt) {
  ASSERT_EQ(datagen(m_source_schema, {"fill", "--orders", "300", "--customers", "30", "--products",
                                      "30", "--seed", "4"})
                .exit_code,
            0);
  const auto r =
      datagen(m_source_schema, {"live", "--rate", "2000", "--duration", "2", "--seed", "11"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex("deleted_orders=([0-9]+)"))) << r.err;
  EXPECT_GT(std::stoi(m[1].str()), 0) << r.err;
  const std::string s = m_source_schema;
  EXPECT_EQ(scalar("SELECT count(*) FROM " + table(s, "order_items") +
                   " i WHERE NOT EXISTS (SELECT 1 FROM " + table(s, "orders") +
                   " o WHERE o.order_id = i.order_id)"),
            "0")
      << r.err;
}

// --edits open (bench/cdc's 1x / Hx comparison): item quantity changes, item deletes and order
// deletes reach open orders only, so closed history receives the same changes (none) whatever
// its size.
TEST_F(DatagenLive, EditsOpenLeaveClosedOrdersAndTheirItemsAlone) {
  ASSERT_EQ(datagen(m_source_schema, {"fill", "--orders", "300", "--customers", "30", "--products",
                                      "30", "--seed", "4"})
                .exit_code,
            0);
  const std::string s = m_source_schema;
  const std::string closed_items =
      "SELECT count(*) || ' ' || COALESCE(max(i.updated_at)::text, '') || ' ' || "
      "COALESCE(sum(i.quanity), 0) FROM " +
      table(s, "order_items") + " i JOIN " + table(s, "orders") +
      " o ON o.order_id = i.order_id WHERE o.status IN ('COMPLETED', 'CANCELLED')";
  const std::string closed_orders =
      "SELECT count(*) FROM " + table(s, "orders") + " WHERE status IN ('COMPLETED', 'CANCELLED')";
  const auto items_before = scalar(closed_items);
  const auto orders_before = scalar(closed_orders);
  ASSERT_NE(orders_before, "0");
  // Closed before the run: a status change may close more during it, and those keep the edits
  // they had while open.
  src_exec("CREATE TABLE " + table(s, "closed_at_start") + " AS SELECT order_id FROM " +
           table(s, "orders") + " WHERE status IN ('COMPLETED', 'CANCELLED')");
  const auto r = datagen(m_source_schema, {"live", "--rate", "2000", "--duration", "2", "--seed",
                                           "11", "--edits", "open"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* label : {"quantities", "deleted_items", "deleted_orders"}) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.err, m, std::regex(std::string(label) + "=([0-9]+)"))) << r.err;
    EXPECT_GT(std::stoi(m[1].str()), 0) << label << ": " << r.err;
  }
  const std::string at_start =
      " WHERE order_id IN (SELECT order_id FROM " + table(s, "closed_at_start") + ")";
  EXPECT_EQ(scalar("SELECT count(*) FROM " + table(s, "orders") + at_start), orders_before);
  EXPECT_EQ(scalar("SELECT count(*) || ' ' || COALESCE(max(updated_at)::text, '') || ' ' || "
                   "COALESCE(sum(quanity), 0) FROM " +
                   table(s, "order_items") + at_start),
            items_before)
      << r.err;
  EXPECT_EQ(datagen(m_source_schema, {"live", "--edits", "closed"}).exit_code, 2);
}

TEST_F(DatagenLive, StopsAfterDuration) {
  ASSERT_EQ(datagen(m_source_schema, {"fill", "--orders", "50", "--customers", "10", "--products",
                                      "10", "--items-per-order", "3"})
                .exit_code,
            0);
  const auto started = std::chrono::steady_clock::now();
  const auto r = datagen(m_source_schema, {"live", "--rate", "20", "--duration", "1"});
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(took, std::chrono::seconds(8));
  EXPECT_NE(r.err.find("changes"), std::string::npos) << r.err;
}

TEST_F(DatagenCli, BadFlagExits2AndErrorsHidePasswords) {
  EXPECT_EQ(run_process({ACME_DATAGEN_BIN, "fill", "--no-such-flag"}).exit_code, 2);
  EXPECT_EQ(run_process({ACME_DATAGEN_BIN, "fill", "--orders", "-5"}).exit_code, 2);
  const auto missing =
      run_process({ACME_DATAGEN_BIN, "fill"}, {"ACME_SOURCE_DSN=", "ACME_ENV_FILE=/dev/null"});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_NE(missing.err.find("ACME_SOURCE_DSN"), std::string::npos) << missing.err;
  // Port 1 refuses at once; the message must name the problem without the password.
  const auto refused = run_process(
      {ACME_DATAGEN_BIN, "--dsn", "postgresql://acme:s3cr3t-pw@127.0.0.1:1/x", "create-schema"},
      {"ACME_ENV_FILE=/dev/null"});
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_EQ(refused.err.rfind("acme-datagen: error: ", 0), 0U) << refused.err;
  EXPECT_EQ(refused.err.find("s3cr3t-pw"), std::string::npos) << refused.err;
}
