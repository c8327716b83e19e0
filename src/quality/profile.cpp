#include "acme/quality/profile.hpp"

#include "acme/db/connection.hpp"
#include "acme/error.hpp"
#include "acme/sql/embedded.hpp"

#include <cmath>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace acme::quality {
namespace {

// One column as the catalog describes it.
struct CatalogColumn {
  std::string name;
  std::string type;
  std::string kind; // bool | ordered | none
  bool numeric = false;
};

// A table's columns and the planner's row estimate.
struct CatalogTable {
  std::vector<CatalogColumn> columns;
  std::int64_t estimated_rows = -1;
};

CatalogTable catalog(pqxx::transaction_base& tx, const std::string& relation) {
  CatalogTable t;
  for (const auto& r : tx.exec_params(std::string(sql::quality_profile_columns), relation)) {
    t.columns.push_back({r["attname"].as<std::string>(), r["type"].as<std::string>(),
                         r["kind"].as<std::string>(), r["numeric"].as<bool>()});
    t.estimated_rows = r["estimated_rows"].as<std::int64_t>();
  }
  return t;
}

// The column as grouped: types without an order (json, ...) are grouped by their text.
std::string grouped(const CatalogColumn& c) {
  const auto q = db::quote_ident(c.name);
  return c.kind == "none" ? q + "::text" : q;
}

std::string min_expr(const CatalogColumn& c, const std::string& e, bool max) {
  if (c.kind == "bool") {
    return fmt::format("{}({})::text", max ? "bool_or" : "bool_and", e);
  }
  if (c.kind == "ordered") {
    return fmt::format("{}({})::text", max ? "max" : "min", e);
  }
  return "NULL::text";
}

// sql/quality/profile_exact.sql rendered for `cols` of `relation`.
std::string exact_sql(const std::string& relation, const std::vector<CatalogColumn>& cols,
                      std::size_t top_n) {
  std::string columns, sets, set_id = "CASE", value = "COALESCE(", mins = "CASE col",
                             maxs = "CASE col";
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const auto e = grouped(cols[i]);
    const auto sep = i == 0 ? "" : ", ";
    const auto alias = fmt::format("c{}", i + 1); // the base table's names may be col, v, n
    columns += fmt::format("{}{} AS {}", sep, e, alias);
    sets += fmt::format("{}({})", sep, e);
    set_id += fmt::format(" WHEN GROUPING({}) = 0 THEN {}", e, i + 1);
    value += fmt::format("{}({})::text", sep, e);
    mins += fmt::format(" WHEN {} THEN {}", i + 1, min_expr(cols[i], alias, false));
    maxs += fmt::format(" WHEN {} THEN {}", i + 1, min_expr(cols[i], alias, true));
  }
  return db::render(sql::quality_profile_exact,
                    {{"relation", relation},
                     {"columns", columns},
                     {"sets", sets},
                     {"set_id", set_id + " END"},
                     {"value", value + ")"},
                     {"min_max", mins + " END AS min_value, " + maxs + " END AS max_value"},
                     {"limit", std::to_string(top_n)}});
}

std::vector<TopValue> parse_top(const pqxx::field& f) {
  std::vector<TopValue> out;
  if (f.is_null()) {
    return out;
  }
  for (const auto& v : nlohmann::json::parse(f.as<std::string>())) {
    out.push_back({v["value"].get<std::string>(), v["count"].get<std::int64_t>()});
  }
  return out;
}

std::optional<std::string> opt(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional<std::string>(f.as<std::string>());
}

ColumnProfile blank(const std::string& table, const CatalogColumn& c, const char* method) {
  ColumnProfile p;
  p.table = table;
  p.column = c.name;
  p.type = c.type;
  p.numeric = c.numeric;
  p.distinct_method = method;
  return p;
}

void set_nulls(ColumnProfile& p, std::int64_t rows, std::int64_t nulls) {
  p.rows = rows;
  p.nulls = nulls;
  p.null_share = rows == 0 ? 0.0 : static_cast<double>(nulls) / static_cast<double>(rows);
}

// Every column exact, from one GROUPING SETS scan.
std::vector<ColumnProfile> profile_exact(pqxx::transaction_base& tx, const std::string& table,
                                         const std::string& relation,
                                         const std::vector<CatalogColumn>& cols,
                                         std::size_t top_n) {
  std::vector<ColumnProfile> out;
  for (const auto& c : cols) {
    out.push_back(blank(table, c, "exact"));
    out.back().distinct = 0;
  }
  for (const auto& r : tx.exec(exact_sql(relation, cols, top_n))) {
    auto& p = out.at(r["col"].as<std::size_t>() - 1);
    set_nulls(p, r["row_count"].as<std::int64_t>(), r["nulls"].as<std::int64_t>());
    p.distinct = r["distinct_values"].as<std::int64_t>();
    p.min = opt(r["min_value"]);
    p.max = opt(r["max_value"]);
    p.top_values = parse_top(r["top"]);
  }
  return out;
}

// pg_stats' figures for one column, scaled to `rows`.
void apply_stats(ColumnProfile& p, const pqxx::result& stats, std::size_t top_n) {
  for (const auto& r : stats) {
    if (r["attname"].as<std::string>() != p.column) {
      continue;
    }
    const auto nd = r["n_distinct"].as<double>();
    const auto rows = static_cast<double>(p.rows - p.nulls);
    p.distinct = static_cast<std::int64_t>(
        std::llround(nd >= 0 ? std::min(nd, rows) : -nd * static_cast<double>(p.rows)));
    p.distinct_method = "estimated";
    if (!r["value"].is_null() && p.top_values.size() < top_n) {
      p.top_values.push_back({r["value"].as<std::string>(),
                              std::llround(r["freq"].as<double>() * static_cast<double>(p.rows))});
    }
  }
}

// Null shares and min/max exact from one aggregate scan; distinct counts and top values
// estimated from pg_stats.
std::vector<ColumnProfile> profile_estimated(pqxx::transaction_base& tx, const std::string& schema,
                                             const std::string& table, const std::string& relation,
                                             const std::vector<CatalogColumn>& cols,
                                             std::size_t top_n) {
  std::string columns;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const auto e = grouped(cols[i]);
    columns += fmt::format("{}count({}), {}, {}", i == 0 ? "" : ", ", e,
                           min_expr(cols[i], e, false), min_expr(cols[i], e, true));
  }
  const auto row = tx.exec1(
      db::render(sql::quality_profile_scan, {{"relation", relation}, {"columns", columns}}));
  const auto stats = tx.exec_params(std::string(sql::quality_profile_stats), schema, table,
                                    static_cast<int>(top_n));
  std::vector<ColumnProfile> out;
  const auto rows = row[0].as<std::int64_t>();
  for (std::size_t i = 0; i < cols.size(); ++i) {
    auto p = blank(table, cols[i], "unavailable");
    const auto base = static_cast<pqxx::row::size_type>(1 + 3 * i);
    set_nulls(p, rows, rows - row[base].as<std::int64_t>());
    p.min = opt(row[base + 1]);
    p.max = opt(row[base + 2]);
    apply_stats(p, stats, top_n);
    out.push_back(std::move(p));
  }
  return out;
}

} // namespace

void require_snapshot(pqxx::transaction_base& tx) {
  const auto iso = tx.exec1("SHOW transaction_isolation")[0].as<std::string>();
  const auto read_only = tx.exec1("SHOW transaction_read_only")[0].as<std::string>();
  if ((iso != "repeatable read" && iso != "serializable") || read_only != "on") {
    throw Fatal(fmt::format("quality: needs a REPEATABLE READ READ ONLY transaction (got {}, "
                            "read only {})",
                            iso, read_only));
  }
}

std::vector<std::string> default_profile_tables() {
  return {"analytical_orders", "analytical_order_items", "customers", "products"};
}

ProfileResult profile(pqxx::transaction_base& tx, const std::string& schema,
                      const ProfileOptions& options) {
  require_snapshot(tx);
  ProfileResult result;
  for (const auto& table : options.tables) {
    const auto relation = db::qualify(schema, table);
    const auto cat = catalog(tx, relation);
    if (cat.columns.empty()) {
      continue;
    }
    auto rows = cat.estimated_rows;
    if (rows < 0) { // never analyzed: count to decide
      rows = tx.exec1("SELECT count(*) FROM " + relation)[0].as<std::int64_t>();
    }
    auto cols = rows > options.exact_row_limit
                    ? profile_estimated(tx, schema, table, relation, cat.columns, options.top_n)
                    : profile_exact(tx, table, relation, cat.columns, options.top_n);
    result.columns.insert(result.columns.end(), cols.begin(), cols.end());
  }
  return result;
}

nlohmann::ordered_json to_json(const ProfileResult& result) {
  auto out = nlohmann::ordered_json::array();
  for (const auto& c : result.columns) {
    auto top = nlohmann::ordered_json::array();
    for (const auto& t : c.top_values) {
      top.push_back({{"value", t.value}, {"count", t.count}});
    }
    const auto text = [](const std::optional<std::string>& v) {
      return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
    };
    out.push_back({{"table", c.table},
                   {"column", c.column},
                   {"type", c.type},
                   {"rows", c.rows},
                   {"nulls", c.nulls},
                   {"null_share", c.null_share},
                   {"distinct", c.distinct ? nlohmann::ordered_json(*c.distinct) : nullptr},
                   {"distinct_method", c.distinct_method},
                   {"min", text(c.min)},
                   {"max", text(c.max)},
                   {"top_values", top}});
  }
  return out;
}

std::vector<std::string> profile_csv_header() {
  return {"table",    "column",          "type", "rows", "null_share",
          "distinct", "distinct_method", "min",  "max",  "top_values"};
}

std::vector<std::vector<std::optional<std::string>>> profile_csv_rows(const ProfileResult& result) {
  std::vector<std::vector<std::optional<std::string>>> rows;
  for (const auto& c : result.columns) {
    auto top = nlohmann::json::array();
    for (const auto& t : c.top_values) {
      top.push_back({{"value", t.value}, {"count", t.count}});
    }
    rows.push_back(
        {c.table, c.column, c.type, std::to_string(c.rows), fmt::format("{:.4f}", c.null_share),
         c.distinct ? std::optional<std::string>(std::to_string(*c.distinct)) : std::nullopt,
         c.distinct_method, c.min, c.max, top.dump()});
  }
  return rows;
}

} // namespace acme::quality
