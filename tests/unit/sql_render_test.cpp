// acme's one SQL template mechanism (db::render): what it replaces and what it leaves alone.
#include "acme/db/connection.hpp"
#include "acme/etl/sql_text.hpp"
#include "acme/etl/tables.hpp"

#include <gtest/gtest.h>

using acme::db::render;

TEST(SqlRender, ReplacesEveryNamedTokenAndLeavesOtherBracesAlone) {
  EXPECT_EQ(render("SELECT {a}, {b}, {a} FROM t WHERE x = ANY('{1,2}'::int[]) AND j = '{}'::jsonb "
                   "AND s = '{c}'",
                   {{"a", "1"}, {"b", "two"}}),
            "SELECT 1, two, 1 FROM t WHERE x = ANY('{1,2}'::int[]) AND j = '{}'::jsonb "
            "AND s = '{c}'");
  EXPECT_EQ(render("{", {{"a", "1"}}), "{");
  EXPECT_EQ(render("{a", {{"a", "1"}}), "{a");
  EXPECT_EQ(render("{{a}}", {{"a", "1"}}), "{1}");
}

TEST(SqlRender, AValueIsInsertedAsGivenAndNeverExpandedAgain) {
  EXPECT_EQ(render("{a} {b}", {{"a", "{b}"}, {"b", "x"}}), "{b} x");
}

TEST(SqlRender, SchemaIsQuotedAndTableTokensComeFromTheTableSpec) {
  EXPECT_EQ(acme::db::with_schema("SELECT * FROM {schema}.t", "My \"S\""),
            "SELECT * FROM \"My \"\"S\"\"\".t");
  const auto& orders = acme::etl::k_tables[2];
  ASSERT_EQ(orders.source, std::string_view("orders"));
  EXPECT_EQ(acme::etl::render_sql("DELETE FROM {schema}.{target} WHERE {pk} IN (SELECT 1) -- "
                                  "{bucket_bits} {days}",
                                  "analytics", &orders, {{"days", "30"}}),
            "DELETE FROM \"analytics\".\"analytical_orders\" WHERE \"order_id\" IN (SELECT 1) -- " +
                std::to_string(acme::etl::k_bucket_bits) + " 30");
}
