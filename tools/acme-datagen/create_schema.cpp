// acme-datagen create-schema: creates the source tables exactly as the contract says
// (sql/source/schema.sql), optionally dropping the schema first.
#include "acme/db/connection.hpp"
#include "acme/error.hpp"
#include "acme/sql/embedded.hpp"
#include "datagen.hpp"

#include <iostream>
#include <memory>
#include <pqxx/except>
#include <pqxx/transaction>

namespace acme::datagen {
namespace {

struct CreateSchemaOptions {
  bool drop = false;
};

int run_create_schema(Context& ctx, const CreateSchemaOptions& opts) {
  const Source source = resolve_source(ctx);
  auto conn = db::connect(source.dsn, "source", "acme-datagen");
  try {
    pqxx::work tx(*conn);
    if (opts.drop) {
      tx.exec("DROP SCHEMA IF EXISTS " + db::quote_ident(source.schema) + " CASCADE");
    }
    tx.exec(db::with_schema(sql::source_schema, source.schema));
    tx.commit();
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() == "42P07") {
      throw Fatal("create-schema: the source tables already exist in schema \"" + source.schema +
                  "\" (pass --drop to drop and recreate the schema)");
    }
    db::rethrow_classified("create-schema");
  } catch (...) {
    db::rethrow_classified("create-schema");
  }
  std::cerr << "acme-datagen: created the source tables in schema \"" << source.schema << "\""
            << (opts.drop ? " (dropped it first)" : "") << '\n';
  return 0;
}

} // namespace

void add_create_schema_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<CreateSchemaOptions>();
  auto* cmd = app.add_subcommand(
      "create-schema", "Create the source tables (customers, products, orders, order_items) "
                       "exactly per the source contract");
  cmd->add_flag("--drop", opts->drop,
                "Drop the schema and everything in it first (DROP SCHEMA ... CASCADE)");
  cmd->callback([&ctx, opts] { ctx.exit_code = run_create_schema(ctx, *opts); });
}

} // namespace acme::datagen
