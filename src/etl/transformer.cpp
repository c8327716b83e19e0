#include "acme/etl/transformer.hpp"

#include "acme/db/connection.hpp"
#include "acme/etl/sql_text.hpp"
#include "acme/sql/embedded.hpp"

#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <pqxx/pqxx>
#include <set>
#include <spdlog/spdlog.h>

namespace acme::etl {

std::int64_t MergeCounts::total() const {
  std::int64_t sum = 0;
  for (const auto& [step, n] : written) {
    sum += n;
  }
  return sum;
}

namespace {
bool listed(const std::vector<std::string>& key_tables, std::string_view table) {
  return std::find(key_tables.begin(), key_tables.end(), table) != key_tables.end();
}
} // namespace

Transformer::Transformer(pqxx::transaction_base& target, std::string schema)
    : m_tx(target), m_schema(std::move(schema)) {}

void Transformer::analyze_staging(const std::vector<std::string>& key_tables, std::size_t tables) {
  // One statement for all of them: a small CDC flush pays a round trip per statement.
  std::string list;
  for (std::size_t i = 0; i < tables; ++i) {
    const auto& t = k_tables.at(i);
    list += fmt::format("{}{}", list.empty() ? "" : ", ", t.staging);
    if (listed(key_tables, t.source)) {
      // the ranges too: never analyzed, a temp table is guessed at ~2,000 rows, and the
      // deletes' range join then read the whole target table (11.7 s at 47 M items)
      list += fmt::format(", {}, {}", t.keys, t.recon);
    }
  }
  m_tx.exec("ANALYZE " + list);
}

std::set<std::string_view> Transformer::holding_rows(const std::vector<std::string_view>& tables) {
  if (m_every_step) {
    return {tables.begin(), tables.end()};
  }
  std::string sql;
  for (const auto t : tables) {
    sql += fmt::format("{}EXISTS (SELECT 1 FROM {})", sql.empty() ? "SELECT " : ", ", t);
  }
  const auto row = m_tx.exec(sql)[0];
  std::set<std::string_view> out;
  for (std::size_t i = 0; i < tables.size(); ++i) {
    if (row[static_cast<pqxx::row::size_type>(i)].as<bool>()) {
      out.insert(tables[i]);
    }
  }
  return out;
}

std::set<std::string_view> Transformer::staged_tables() {
  std::vector<std::string_view> staging;
  for (const auto& t : k_tables) {
    staging.push_back(t.staging);
  }
  const auto holding = holding_rows(staging);
  std::set<std::string_view> out;
  for (const auto& t : k_tables) {
    if (holding.count(t.staging) != 0) {
      out.insert(t.source);
    }
  }
  return out;
}

std::int64_t Transformer::run_counted(std::string_view step, std::string_view sql,
                                      const TableSpec* table) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = m_tx.exec(render_sql(sql, m_schema, table));
  const std::int64_t n = r.empty() || r[0].empty() ? 0 : r[0][0].as<std::int64_t>(0);
  spdlog::debug("merge step {}: {} rows in {:.3f} s", step, n,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return n;
}

MergeCounts Transformer::merge(const std::vector<std::string>& key_tables,
                               bool closed_set_changed) {
  const auto has_keys = [&](std::string_view t) { return listed(key_tables, t); };
  // Planner statistics for the session-local tables, whose sizes vary by orders of magnitude,
  // before every merge, small CDC flushes included: the tables are emptied by DELETE (see
  // prepare), so their size on disk says nothing about the rows they hold, and without
  // statistics the planner guessed tens of thousands and hashed the whole items table (a CDC
  // flush of ~400 changes: items merge 12 -> 60-110 ms, totals 5 -> 60 ms, flipping as the
  // tables grew). The ANALYZEs cost ~1.5 ms per flush.
  analyze_staging(key_tables, k_tables.size());
  // A step whose input is empty is skipped (its count is 0): each reads the staged rows of one
  // table or what earlier steps (or the caller: verify --repair) noted in acme_chg_* and
  // acme_aff_orders, and writes only for them. A CDC flush of one order's change runs a third of
  // the statements.
  const auto staged = staged_tables();
  MergeCounts c;
  const auto any_row = [this](const std::vector<std::string_view>& tables) {
    return !holding_rows(tables).empty();
  };
  const auto run_if = [&](bool due, const char* step, std::string_view sql) {
    c.written[step] = due ? run_counted(step, sql) : 0;
  };
  if (closed_set_changed) {
    c.written["orders_reopened"] = run_counted("orders_reopened", sql::etl_reopen_orders);
  }
  merge_dimension_rows(key_tables, c, staged);
  run_if(staged.count("orders") != 0, "orders", sql::etl_merge_orders);
  if (has_keys("orders")) {
    c.written["orders_deleted"] =
        run_counted("orders_deleted", sql::etl_delete_orders, &table_spec("orders"));
  }
  run_if(any_row({"acme_chg_customers"}), "orders_customer_fanout", sql::etl_fanout_customers);
  if (has_keys("order_items")) {
    c.written["items_deleted"] =
        run_counted("items_deleted", sql::etl_delete_order_items, &table_spec("order_items"));
  }
  const bool items_staged = staged.count("order_items") != 0;
  const bool fanout_due = any_row({"acme_chg_orders", "acme_chg_products"});
  const auto analyze = [this](const char* tables) { m_tx.exec(std::string("ANALYZE ") + tables); };
  if (items_staged || fanout_due) {
    analyze("acme_chg_customers, acme_chg_products, acme_chg_orders");
  }
  run_if(items_staged, "items", sql::etl_merge_items);
  run_if(fanout_due, "items_fanout", sql::etl_fanout_items);
  const bool totals_due = any_row({"acme_aff_orders"});
  if (totals_due) {
    analyze("acme_aff_orders");
  }
  run_if(totals_due, "order_totals", sql::etl_totals);
  return c;
}

void Transformer::prime(const HistoryContext& context) {
  std::vector<std::string> every_table;
  for (const auto& t : k_tables) {
    every_table.emplace_back(t.source);
  }
  m_every_step = true;
  merge(every_table, false);
  record_history(context);
  m_every_step = false;
}

MergeCounts Transformer::merge_dimensions(const std::vector<std::string>& key_tables) {
  analyze_staging(key_tables, 2); // k_tables begins with customers and products
  MergeCounts c;
  merge_dimension_rows(key_tables, c, staged_tables());
  return c;
}

void Transformer::merge_dimension_rows(const std::vector<std::string>& key_tables, MergeCounts& c,
                                       const std::set<std::string_view>& staged) {
  const auto has_keys = [&](std::string_view t) { return listed(key_tables, t); };
  c.written["customers"] =
      staged.count("customers") != 0 ? run_counted("customers", sql::etl_merge_customers) : 0;
  c.written["products"] =
      staged.count("products") != 0 ? run_counted("products", sql::etl_merge_products) : 0;
  if (has_keys("customers")) {
    c.written["customers_deleted"] =
        run_counted("customers_deleted", sql::etl_delete_customers, &table_spec("customers"));
  }
  if (has_keys("products")) {
    c.written["products_deleted"] =
        run_counted("products_deleted", sql::etl_delete_products, &table_spec("products"));
  }
}

std::int64_t Transformer::record_history(const HistoryContext& context) {
  const auto t0 = std::chrono::steady_clock::now();
  if (context.events_from_staging) {
    m_tx.exec(render_sql(sql::etl_history_events_from_staging, m_schema));
  }
  // Without a cycle time (the stream dates everything itself), "now" on the source's clock.
  const std::map<std::string, std::string> values{
      {"tz", m_tx.quote(context.time_zone)},
      {"seen_at", context.seen_at ? m_tx.quote(*context.seen_at)
                                  : "(now() AT TIME ZONE " + m_tx.quote(context.time_zone) + ")"},
      {"observed_by", m_tx.quote(context.observed_by)}};
  const auto counted = [&](std::string_view sql, const std::map<std::string, std::string>& v) {
    const auto r = m_tx.exec(render_sql(sql, m_schema, nullptr, v));
    return r.empty() || r[0].empty() ? std::int64_t{0} : r[0][0].as<std::int64_t>(0);
  };
  // One observed state per key (a load or a poll) and nothing open yet (a first load into an
  // empty history): the transitions reduce to one opened interval per observed row, written
  // directly (history_opened.sql). Asked per table through its open-interval index.
  struct History {
    const char* table;
    const char* events;
    const char* columns; // the key and the tracked attributes
    std::string_view transitions;
  };
  std::int64_t n = 0;
  // A table without events this cycle has no history to write.
  const auto with_events = holding_rows({"acme_evt_orders", "acme_evt_customers"});
  for (const History& h : {History{"analytical_order_status_history", "acme_evt_orders",
                                   "order_id, status", sql::etl_history_orders},
                           History{"analytical_customer_history", "acme_evt_customers",
                                   "customer_id, customer_name, customer_address, is_active",
                                   sql::etl_history_customers}}) {
    if (with_events.count(h.events) == 0) {
      continue;
    }
    const bool nothing_open =
        context.events_from_staging &&
        m_tx.exec(db::render("SELECT NOT EXISTS (SELECT 1 FROM {history} WHERE valid_to IS NULL)",
                             {{"history", db::qualify(m_schema, h.table)}}))[0][0]
            .as<bool>();
    if (nothing_open) {
      auto v = values;
      v.insert({{"history", h.table}, {"events", h.events}, {"columns", h.columns}});
      n += counted(sql::etl_history_opened, v);
    } else {
      n += counted(h.transitions, values);
    }
  }
  if (context.retention_days) {
    auto v = values;
    v["days"] = std::to_string(*context.retention_days);
    n += counted(sql::etl_history_prune, v);
  }
  spdlog::debug("history: {} rows in {:.3f} s", n,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return n;
}

} // namespace acme::etl
