#include "support/oracle.hpp"

#include "acme/db/connection.hpp"

#include <fmt/format.h>
#include <map>
#include <pqxx/pqxx>

namespace acme::test {
namespace {

using Rows = std::map<std::string, std::vector<std::string>>; // key -> columns as text

Rows fetch(pqxx::connection& conn, const std::string& sql) {
  pqxx::nontransaction tx(conn);
  Rows out;
  for (const auto& row : tx.exec(sql)) {
    std::vector<std::string> cols;
    for (pqxx::row::size_type i = 1; i < row.size(); ++i) {
      cols.push_back(row[i].is_null() ? "<NULL>" : row[i].as<std::string>());
    }
    out[row[0].as<std::string>()] = cols;
  }
  return out;
}

std::string closed_list(pqxx::connection& conn, const std::vector<std::string>& closed) {
  pqxx::nontransaction tx(conn);
  std::string out;
  for (const auto& s : closed) {
    out += (out.empty() ? "" : ", ") + tx.quote(s);
  }
  return out;
}

void compare(const std::string& what, const Rows& expected, const Rows& actual,
             const std::vector<std::string>& names, std::vector<std::string>& out) {
  for (const auto& [key, exp] : expected) {
    const auto it = actual.find(key);
    if (it == actual.end()) {
      out.push_back(fmt::format("{} {}: missing in the target", what, key));
      continue;
    }
    for (std::size_t i = 0; i < exp.size(); ++i) {
      const std::string& e = exp[i];
      const std::string& a = it->second[i];
      if (e == "<ANY>" || e == a) {
        continue;
      }
      out.push_back(fmt::format("{} {}: {} expected '{}' got '{}'", what, key, names[i], e, a));
    }
  }
  for (const auto& [key, act] : actual) {
    if (expected.count(key) == 0) {
      out.push_back(fmt::format("{} {}: in the target but not in the source", what, key));
    }
  }
}

} // namespace

std::vector<std::string> invariant_violations(pqxx::connection& source,
                                              const std::string& source_schema,
                                              pqxx::connection& target,
                                              const std::string& target_schema,
                                              const std::vector<std::string>& closed_statuses) {
  const std::string s = db::quote_ident(source_schema);
  const std::string t = db::quote_ident(target_schema);
  const std::string closed = closed_list(source, closed_statuses);
  std::vector<std::string> out;

  // Orders: every column but customer_name and total_amount of closed orders (settled names and
  // prices) is a pure function of the source. A closed order's name must be known whenever its
  // customer has one (a missing reference is filled in).
  const auto expected_orders =
      fetch(source, fmt::format(R"(
      SELECT o.order_id, o.customer_id,
             CASE WHEN o.status IS NULL OR o.status NOT IN ({closed}) THEN c.customer_name
                  WHEN c.customer_name IS NOT NULL THEN 'settled'
                  ELSE '<ANY>' END,
             o.order_date, o.delivery_date, o.status,
             COALESCE((SELECT sum(i.quanity) FROM {s}.order_items i WHERE i.order_id = o.order_id), 0),
             CASE WHEN o.status IS NULL OR o.status NOT IN ({closed}) THEN
               trim_scale(COALESCE((SELECT sum(i.quanity * p.unity_price) FROM {s}.order_items i
                         JOIN {s}.products p ON p.product_id = i.product_id
                         WHERE i.order_id = o.order_id), 0))::text
             ELSE '<ANY>' END,
             o.status IS NULL OR o.status NOT IN ({closed}),
             o.updated_at, o.updated_by, o.created_at, o.created_by
      FROM {s}.orders o LEFT JOIN {s}.customers c ON c.customer_id = o.customer_id)",
                                fmt::arg("s", s), fmt::arg("closed", closed)));
  const auto actual_orders = fetch(target, fmt::format(R"(
      SELECT order_id, customer_id,
             CASE WHEN is_open THEN customer_name WHEN customer_name IS NOT NULL THEN 'settled' END,
             order_date, delivery_date, status, total_items,
             trim_scale(total_amount)::text, is_open, updated_at, updated_by, created_at, created_by
      FROM {t}.analytical_orders)",
                                                       fmt::arg("t", t)));
  compare("order", expected_orders, actual_orders,
          {"customer_id", "customer_name", "order_date", "delivery_date", "status", "total_items",
           "total_amount", "is_open", "updated_at", "updated_by", "created_at", "created_by"},
          out);

  // Items: product name and price are the current ones for open (or orphan) orders; for closed
  // orders they are settled, and must be known whenever the product has them.
  const auto expected_items =
      fetch(source, fmt::format(R"(
      SELECT i.order_item_id, i.order_id, i.product_id,
             CASE WHEN o.status IS NULL OR o.status NOT IN ({closed}) THEN p.product_name
                  WHEN p.product_name IS NOT NULL THEN 'settled'
                  ELSE '<ANY>' END,
             i.quanity,
             CASE WHEN o.status IS NULL OR o.status NOT IN ({closed}) THEN p.unity_price::text
                  WHEN p.product_id IS NOT NULL THEN 'settled'
                  ELSE '<ANY>' END,
             o.status, o.delivery_date, o.status IS NULL OR o.status NOT IN ({closed}),
             i.updated_at, i.updated_by, i.created_at, i.created_by
      FROM {s}.order_items i
      LEFT JOIN {s}.products p ON p.product_id = i.product_id
      LEFT JOIN {s}.orders o ON o.order_id = i.order_id)",
                                fmt::arg("s", s), fmt::arg("closed", closed)));
  const auto actual_items = fetch(target, fmt::format(R"(
      SELECT order_item_id, order_id, product_id,
             CASE WHEN is_open THEN product_name WHEN product_name IS NOT NULL THEN 'settled' END,
             quantity,
             CASE WHEN is_open THEN price::text WHEN price IS NOT NULL THEN 'settled' ELSE '<NULL>' END,
             order_status, delivery_date, is_open, updated_at, updated_by, created_at, created_by
      FROM {t}.analytical_order_items)",
                                                      fmt::arg("t", t)));
  compare("item", expected_items, actual_items,
          {"order_id", "product_id", "product_name", "quantity", "price", "order_status",
           "delivery_date", "is_open", "updated_at", "updated_by", "created_at", "created_by"},
          out);

  // Totals agree with the target's own items (this covers closed orders' settled amounts).
  const auto inconsistent = fetch(target, fmt::format(R"(
      SELECT o.order_id, o.total_items::text, o.total_amount::text, x.ti::text, x.ta::text
      FROM {t}.analytical_orders o
      CROSS JOIN LATERAL (SELECT COALESCE(sum(i.quantity), 0) AS ti, COALESCE(sum(i.quantity * i.price), 0) AS ta
                          FROM {t}.analytical_order_items i WHERE i.order_id = o.order_id) x
      WHERE o.total_items <> x.ti OR o.total_amount <> x.ta)",
                                                      fmt::arg("t", t)));
  for (const auto& [key, cols] : inconsistent) {
    out.push_back(fmt::format("order {}: totals ({}, {}) disagree with its items ({}, {})", key,
                              cols[0], cols[1], cols[2], cols[3]));
  }
  return out;
}

} // namespace acme::test
