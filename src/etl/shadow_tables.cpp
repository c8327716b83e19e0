#include "acme/etl/shadow_tables.hpp"

#include "acme/db/connection.hpp"
#include "acme/error.hpp"
#include "acme/etl/sql_text.hpp"
#include "acme/sql/embedded.hpp"

#include <chrono>
#include <fmt/format.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <thread>

namespace acme::etl {
namespace {

constexpr const char* k_shadow_prefix = "acme_shadow_";
// The swap's lock waits: each attempt at most this long (a reader arriving meanwhile waits no
// longer), a warning naming the lock holders every k_swap_report_every, an error after
// k_swap_wait (the cycle fails and is retried; the shadow tables are dropped).
constexpr std::chrono::milliseconds k_swap_lock_timeout{1000};
constexpr std::chrono::seconds k_swap_report_every{10};
constexpr std::chrono::seconds k_swap_wait{300};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Gives `relation` the grants another relation had (rows of shadow_live_grants.sql).
void grant(pqxx::transaction_base& target, const pqxx::result& grants,
           const std::string& relation) {
  for (const auto& g : grants) {
    target.exec(fmt::format("GRANT {} ON {} TO {}{}", g[0].as<std::string>(), relation,
                            g[1].as<std::string>(), g[2].as<bool>() ? " WITH GRANT OPTION" : ""));
  }
}

} // namespace

ShadowTables::ShadowTables(std::string schema, bool keep_settled_prices)
    : m_schema(std::move(schema)), m_keep_settled_prices(keep_settled_prices) {}

void ShadowTables::drop_leftovers(pqxx::connection& target, const std::string& schema) {
  pqxx::nontransaction tx(target, "acme shadow cleanup");
  const auto r = tx.exec_params(std::string(sql::etl_shadow_leftovers), schema,
                                std::string(k_shadow_prefix) + "%");
  for (const auto& row : r) {
    spdlog::info("removing {} left behind by an interrupted full load", row[0].as<std::string>());
    tx.exec("DROP TABLE IF EXISTS " + row[0].as<std::string>());
  }
}

std::vector<std::string> ShadowTables::swap_blockers(pqxx::transaction_base& target,
                                                     const std::string& schema) {
  std::vector<std::string> out;
  for (const auto& row : target.exec_params(std::string(sql::etl_shadow_blockers),
                                            db::qualify(schema, "analytical_orders"),
                                            db::qualify(schema, "analytical_order_items"))) {
    out.push_back(row[0].as<std::string>());
  }
  return out;
}

bool ShadowTables::target_empty(pqxx::transaction_base& target, const std::string& schema) {
  return target.exec(db::with_schema(sql::etl_shadow_target_empty, schema))[0][0].as<bool>();
}

void ShadowTables::create(db::CopyConnection& conn) {
  const auto& schema = m_schema;
  conn.exec("BEGIN");
  m_tables.clear();
  int counter = 0;
  for (const char* live : {"analytical_orders", "analytical_order_items"}) {
    Table t;
    t.live = live;
    t.shadow = std::string(k_shadow_prefix) + live;
    const auto live_q = db::qualify(schema, t.live);
    const auto shadow_q = db::qualify(schema, t.shadow);
    conn.exec("DROP TABLE IF EXISTS " + shadow_q);
    conn.exec(
        fmt::format("CREATE TABLE {} (LIKE {} INCLUDING ALL EXCLUDING INDEXES)", shadow_q, live_q));
    // Storage parameters (fillfactor, autovacuum settings) are not copied by LIKE: the shadow
    // gets the live table's. No autovacuum on a shadow until the swap, though: one that starts
    // on the freshly loaded table holds a lock the swap's rename must wait for until the server
    // cancels it (deadlock_timeout, 1 s by default; seen at M). swap() restores the live table's
    // own setting.
    // The fillfactor's free space is written too: open orders' items are rewritten by every
    // status, price and name change, in place (HOT, no index entries) only where the page has
    // room (twice as fast as on pages packed full: figures in bench/RESULTS.md). Settled rows'
    // free space stays unused until their order changes.
    const auto opts =
        conn.exec(db::render(sql::etl_shadow_live_options, {{"live", conn.quote(live_q)}}));
    const auto& kept = opts.at(0).at(0);
    t.autovacuum = opts.at(0).at(1);
    conn.exec(fmt::format("ALTER TABLE {} SET ({}autovacuum_enabled = false)", shadow_q,
                          kept ? *kept + ", " : ""));
    const auto idx =
        conn.exec(db::render(sql::etl_shadow_live_indexes, {{"live", conn.quote(live_q)}}));
    for (const auto& row : idx) {
      Index ix;
      ix.live_name = row[0].value_or("");
      ix.shadow_name = fmt::format("{}idx_{}", k_shadow_prefix, ++counter);
      const std::string def = row[1].value_or("");
      const std::string on = " ON " + row[5].value_or("") + " USING ";
      auto pos = def.find(on);
      pos = pos == std::string::npos ? def.find(" USING ") : pos + on.size() - 7;
      if (pos == std::string::npos) {
        throw Fatal("cannot rebuild index " + ix.live_name + " on the shadow table: " + def);
      }
      ix.create = fmt::format("CREATE {}INDEX {} ON {}{}", row[2] == "true" ? "UNIQUE " : "",
                              db::quote_ident(ix.shadow_name), shadow_q, def.substr(pos));
      ix.constraint = row[3].value_or("");
      ix.constraint_kind = row[4].value_or("");
      t.indexes.push_back(std::move(ix));
    }
    m_tables.push_back(std::move(t));
  }
  m_partials.clear();
  if (!m_keep_settled_prices) {
    m_partials = db::qualify(schema, std::string(k_shadow_prefix) + "order_totals");
    conn.exec(
        render_sql(sql::etl_shadow_partial_totals, schema, nullptr, {{"partials", m_partials}}));
  }
  conn.exec("COMMIT");
}

void ShadowTables::stage_history_events(pqxx::transaction_base& target) const {
  target.exec(render_sql(sql::etl_shadow_history_events, m_schema, nullptr,
                         {{"shadow", db::qualify(m_schema, m_tables[0].shadow)}}));
}

void ShadowTables::swap(pqxx::dbtransaction& target, const std::function<bool()>& stopping) const {
  // DROP TABLE needs an ACCESS EXCLUSIVE lock. Waiting for it behind a long report query would
  // queue every new reader of the table behind the swap: each attempt waits k_swap_lock_timeout
  // at most, then gives the lock queue back to the readers for as long again.
  const auto t0 = std::chrono::steady_clock::now();
  const auto previous =
      target.exec("SELECT current_setting('lock_timeout')")[0][0].as<std::string>();
  auto last_report = t0 - k_swap_report_every;
  for (int attempt = 1;; ++attempt) {
    std::optional<std::string> blocked;
    {
      pqxx::subtransaction attempt_tx(target, "acme swap");
      attempt_tx.exec(fmt::format("SET LOCAL lock_timeout = '{}ms'", k_swap_lock_timeout.count()));
      try {
        swap_tables(attempt_tx);
        attempt_tx.commit();
      } catch (const pqxx::sql_error& e) {
        if (e.sqlstate() != "55P03") { // lock_not_available
          throw;
        }
        blocked = e.what();
      }
    }
    if (!blocked) {
      break;
    }
    const auto waited = std::chrono::steady_clock::now() - t0;
    if (waited >= k_swap_wait ||
        std::chrono::steady_clock::now() - last_report >= k_swap_report_every) {
      std::string holders;
      for (const auto& row : target.exec_params(std::string(sql::etl_swap_lock_holders),
                                                db::qualify(m_schema, "analytical_orders"),
                                                db::qualify(m_schema, "analytical_order_items"))) {
        holders += (holders.empty() ? "" : "; ") + row[0].as<std::string>();
      }
      if (waited >= k_swap_wait) {
        throw Error(
            fmt::format("full load: could not swap the loaded tables in within {} s: sessions hold "
                        "locks on the "
                        "analytical tables: {}",
                        std::chrono::duration_cast<std::chrono::seconds>(k_swap_wait).count(),
                        holders.empty() ? "(gone by now)" : holders));
      }
      spdlog::warn("full load: the swap waits for sessions holding the analytical tables (attempt "
                   "{}; readers are never queued behind it for more than {} ms): {}",
                   attempt, k_swap_lock_timeout.count(),
                   holders.empty() ? "(gone by now)" : holders);
      last_report = std::chrono::steady_clock::now();
    }
    if (stopping()) {
      throw Error("full load: stopped while waiting to swap the loaded tables in");
    }
    std::this_thread::sleep_for(k_swap_lock_timeout);
  }
  target.exec("SET LOCAL lock_timeout = " + target.quote(previous));
  spdlog::debug("full load: swapped the shadow tables in in {:.3f} s", seconds_since(t0));
}

void ShadowTables::swap_tables(pqxx::transaction_base& target) const {
  const auto& schema = m_schema;
  // Views over the live tables would make DROP TABLE fail: they are dropped first and made again
  // over the new tables, each with its owner and grants.
  struct View {
    std::string name, definition, options, owner;
    bool owned = true;
    pqxx::result grants;
  };
  std::vector<View> views;
  for (const auto& row : target.exec_params(std::string(sql::etl_swap_dependent_views),
                                            db::qualify(schema, m_tables[0].live),
                                            db::qualify(schema, m_tables[1].live))) {
    View v{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
           row[3].as<std::string>(), row[4].as<bool>(),        {}};
    v.grants = target.exec_params(std::string(sql::etl_shadow_live_grants), v.name);
    views.push_back(std::move(v));
  }
  for (const auto& v : views) {
    target.exec("DROP VIEW " + v.name);
  }
  for (const auto& t : m_tables) {
    const auto live_q = db::qualify(schema, t.live);
    // Owner and grants of the live table carry over to its replacement.
    const auto owner = target.exec_params(std::string(sql::etl_shadow_live_owner), live_q)[0];
    const auto grants = target.exec_params(std::string(sql::etl_shadow_live_grants), live_q);
    target.exec("DROP TABLE " + live_q);
    target.exec(fmt::format("ALTER TABLE {} RENAME TO {}", db::qualify(schema, t.shadow),
                            db::quote_ident(t.live)));
    // The live table's own autovacuum setting (create_shadows).
    target.exec(t.autovacuum ? fmt::format("ALTER TABLE {} SET (autovacuum_enabled = {})", live_q,
                                           *t.autovacuum)
                             : fmt::format("ALTER TABLE {} RESET (autovacuum_enabled)", live_q));
    for (const auto& ix : t.indexes) {
      if (!ix.constraint.empty()) {
        target.exec(fmt::format("ALTER TABLE {} ADD CONSTRAINT {} {} USING INDEX {}", live_q,
                                db::quote_ident(ix.constraint),
                                ix.constraint_kind == "p" ? "PRIMARY KEY" : "UNIQUE",
                                db::quote_ident(ix.shadow_name)));
      } else {
        target.exec(fmt::format("ALTER INDEX {} RENAME TO {}", db::qualify(schema, ix.shadow_name),
                                db::quote_ident(ix.live_name)));
      }
    }
    if (!owner[1].as<bool>()) {
      target.exec(fmt::format("ALTER TABLE {} OWNER TO {}", live_q, owner[0].as<std::string>()));
    }
    grant(target, grants, live_q);
  }
  for (const auto& v : views) {
    target.exec(fmt::format("CREATE VIEW {}{} AS {}", v.name,
                            v.options.empty() ? "" : " WITH (" + v.options + ")", v.definition));
    if (!v.owned) {
      target.exec(fmt::format("ALTER VIEW {} OWNER TO {}", v.name, v.owner));
    }
    grant(target, v.grants, v.name);
  }
}

void ShadowTables::drop(db::CopyConnection& conn) const {
  for (const auto& t : m_tables) {
    conn.exec("DROP TABLE IF EXISTS " + db::qualify(m_schema, t.shadow));
  }
  if (!m_partials.empty()) {
    conn.exec("DROP TABLE IF EXISTS " + m_partials);
  }
}

} // namespace acme::etl
