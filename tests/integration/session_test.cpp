// Every session acme opens is set up the same way (sql/db/session.sql): the libpqxx sessions of
// db::connect and the plain libpq sessions of the full load's COPYs (db::CopyConnection). A
// search_path other than pg_catalog, pg_temp would let another role's objects shadow built-ins
// in acme's statements (docs/security.md).
#include "acme/db/connection.hpp"
#include "acme/db/copy_connection.hpp"
#include "support/pg.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <string>

namespace {

const std::string k_settings =
    "SELECT concat_ws(' | ', current_setting('application_name'), current_setting('search_path'), "
    "current_setting('jit'), current_setting('DateStyle'), current_setting('IntervalStyle'), "
    "current_setting('client_encoding'), current_setting('client_connection_check_interval'))";
const std::string k_expected = "acme-test | pg_catalog, pg_temp | off | ISO, YMD | postgres | "
                               "UTF8 | 1s";

TEST(Session, ALibpqxxSessionHasAcmesSettings) {
  const auto conn = acme::db::connect(acme::test::target_dsn(), "target", "acme-test");
  pqxx::nontransaction tx(*conn);
  EXPECT_EQ(tx.exec(k_settings)[0][0].as<std::string>(), k_expected);
}

TEST(Session, ACopySessionHasTheSameSettings) {
  for (const auto& dsn : {acme::test::source_dsn(), acme::test::target_dsn()}) {
    acme::db::CopyConnection conn(dsn, "target", "acme-test");
    const auto rows = conn.exec(k_settings);
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(rows[0][0].value_or("NULL"), k_expected);
  }
}

} // namespace
