// acme's one SQL template mechanism (db::render): what it replaces and what it leaves alone.
#include "acme/db/connection.hpp"
#include "acme/error.hpp"
#include "acme/etl/sql_text.hpp"
#include "acme/etl/tables.hpp"
#include "acme/sql/embedded.hpp"

#include <gtest/gtest.h>
#include <regex>
#include <set>
#include <string>

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

TEST(SqlRender, APlaceholderWithoutAValueInSqlTextThrows) {
  EXPECT_THROW(render("SELECT * FROM {schema}.{tabel}", {{"schema", "s"}}), acme::Fatal);
  EXPECT_THROW(render("SELECT {a}", {}), acme::Fatal);
  // In a literal or a comment it is text, and so are braces that are not placeholders.
  EXPECT_EQ(render("SELECT '{x}', '{1,2}', '{}', 'it''s {y}' -- {z}\n/* {w} */ {a}", {{"a", "1"}}),
            "SELECT '{x}', '{1,2}', '{}', 'it''s {y}' -- {z}\n/* {w} */ 1");
  EXPECT_EQ(render("SELECT {1}, { a }, {}", {}), "SELECT {1}, { a }, {}");
}

// Every embedded SQL file names only placeholders some renderer fills: a misspelt one fails here
// before any test runs the file.
TEST(SqlRender, EveryPlaceholderOfEveryFileIsOneTheRenderersKnow) {
  const std::set<std::string> known{
      "schema",        "bucket_bits",  "is_open_s",      "is_open_o",   "pk",         "target",
      "staging",       "keys",         "recon",          "s",           "t",          "filter",
      "item_filter",   "bits",         "rows",           "seen_at",     "tz",         "observed_by",
      "partials",      "events",       "days",           "shadow",      "key",        "seq",
      "history",       "status",       "closed",         "columns",     "is_open",    "totals",
      "committed_utc", "shadow_items", "order_totals_i", "item_price",  "item_name",  "order_name",
      "live",          "order_totals", "quantity",       "price",       "open",       "refreshed",
      "kept",          "current",      "items",          "products",    "orders",     "customers",
      "where",         "relation",     "ts_format",      "buckets",     "range",      "limit",
      "live",          "known",        "overdue_days",   "grace_hours", "violations", "sets",
      "set_id",        "value",        "min_max",        "cdc_seen",    "slot",       "list",
      "role",          "schema_lit",   "open_intervals", "role_lit",    "gone_tids"};
  const std::regex token(R"(\{([A-Za-z_][A-Za-z0-9_]*)\})");
  for (const auto& f : acme::sql::k_files) {
    std::string text(f.text);
    text = std::regex_replace(text, std::regex("--[^\n]*"), "");
    text = std::regex_replace(text, std::regex("'[^']*'"), "''");
    for (std::sregex_iterator it(text.begin(), text.end(), token), end; it != end; ++it) {
      EXPECT_TRUE(known.count((*it)[1].str()) == 1) << f.path << ": {" << (*it)[1].str() << "}";
    }
  }
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
