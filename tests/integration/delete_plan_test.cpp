// The deletes' key ranges are read through the primary key whatever the table's size, and a
// flush never compiles its statements. A range join gets a fixed share of the table per range
// from the planner: at 47 M items it read the whole table (11-31 s per CDC flush with a delete),
// and its cost passed jit_above_cost (260-350 ms of compiling for a 0.2 ms delete). The
// planner's size is faked here (pg_class, rolled back with the transaction) to put the test's
// small table far past that point.
#include "acme/db/connection.hpp"
#include "acme/etl/sql_text.hpp"
#include "acme/etl/stager.hpp"
#include "acme/etl/tables.hpp"
#include "acme/sql/embedded.hpp"
#include "support/etl_fixture.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <string>
#include <tuple>

namespace {

class DeletePlan : public acme::test::EtlTest {
protected:
  // The plan of `sql` (rendered for the items) in a flush's session at 500 M items, with two
  // ranges to reconcile.
  std::string plan(std::string_view sql, bool with_keys_param) {
    const auto& items = acme::etl::k_tables.at(3);
    EXPECT_EQ(items.source, "order_items");
    pqxx::connection c(acme::test::target_dsn());
    pqxx::work tx(c);
    acme::etl::Stager(tx, m_target_schema).prepare({});
    tx.exec("UPDATE pg_catalog.pg_class SET reltuples = 5e8, relpages = 1 WHERE oid = " +
            tx.quote(acme::db::qualify(m_target_schema, "analytical_order_items")) + "::regclass");
    tx.exec("INSERT INTO acme_recon_order_items (bucket) VALUES (0), (1)");
    tx.exec("ANALYZE acme_recon_order_items, acme_keys_order_items, acme_stg_order_items");
    const std::string rendered = acme::etl::render_sql(sql, m_target_schema, &items);
    const std::string explain = "EXPLAIN (ANALYZE) ";
    const auto r = with_keys_param ? tx.exec_params(explain + rendered, "{3,300}")
                                   : tx.exec(explain + rendered);
    std::string text;
    for (const auto& row : r) {
      text += row[0].as<std::string>() + "\n";
    }
    return text; // rolled back: the faked size and the deletes go with the transaction
  }
};

TEST_F(DeletePlan, KeyRangesAreReadThroughThePrimaryKeyAtAnySizeWithoutJit) {
  seed();
  sync();
  const bool jit = tgt_exec("SELECT pg_jit_available()")[0][0].as<bool>();
  for (const auto& [name, sql, param] :
       {std::tuple{"cdc_delete_keys.sql", acme::sql::etl_cdc_delete_keys, true},
        std::tuple{"delete_order_items.sql", acme::sql::etl_delete_order_items, false}}) {
    const auto text = plan(sql, param);
    EXPECT_EQ(text.find("Seq Scan on analytical_order_items"), std::string::npos) << name << ":\n"
                                                                                  << text;
    EXPECT_NE(text.find("analytical_order_items_pkey"), std::string::npos) << name << ":\n" << text;
    // Without the server's JIT there is nothing to compile: the check above still holds.
    if (jit) {
      EXPECT_EQ(text.find("JIT:"), std::string::npos) << name << ":\n" << text;
    }
  }
}

} // namespace
